"""Reading a written page back: its sections, their text, table rows and chart tooltips."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser


def sections(page: str) -> dict[str, str]:
    """Section id -> its inner HTML (sections do not nest)."""
    return dict(re.findall(r'<section id="([^"]+)" class="tu-section">(.*?)</section>', page, re.S))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "title", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "title", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def text(fragment: str) -> str:
    """What a person reads: the text, without styles and tooltips, whitespace collapsed."""
    p = _Text()
    p.feed(fragment)
    return " ".join(" ".join(p.parts).split())


def rows(fragment: str) -> list[list[str]]:
    """Every table body row's cells, as text."""
    body = re.findall(r"<tbody>(.*?)</tbody>", fragment, re.S)
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for b in body for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", b, re.S)]


def tooltips(fragment: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<title>(.*?)</title>", fragment, re.S)]
