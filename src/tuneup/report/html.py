"""Small HTML pieces the sections are made of: tables, figures, notes, embedded images. Text is escaped
here, once; a section passes plain strings."""
from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@dataclass
class Section:
    """One part of the page: its anchor, its heading, its body (HTML)."""

    id: str
    title: str
    body: str

    def html(self, level: int = 2) -> str:
        return (f'<section id="{esc(self.id)}" class="tu-section"><h{level}>{esc(self.title)}</h{level}>'
                f"{self.body}</section>")


class Markup(str):
    """HTML made here (an embedded image) that a table cell holds as it is, not escaped."""


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric_from: int = 1,
          strong: Sequence[bool] | None = None, title: str | None = None,
          numeric: Sequence[int] | None = None) -> str:
    """A plain <table>: columns from `numeric_from` on (or those in `numeric`) are right-aligned numbers.
    The page's script sorts it by a click on a heading."""
    def cell(tag: str, j: int, value: object) -> str:
        if isinstance(value, Markup):
            return f'<{tag} class="tu-thumb">{value}</{tag}>'
        align = ' class="num"' if (j in numeric if numeric is not None else j >= numeric_from) else ""
        return f"<{tag}{align}>{esc(value)}</{tag}>"

    head = "".join(cell("th", j, h) for j, h in enumerate(headers))
    marked = ' class="strong"'
    body = "".join(f"<tr{marked if strong and strong[i] else ''}>"
                   + "".join(cell("td", j, v) for j, v in enumerate(row)) + "</tr>" for i, row in enumerate(rows))
    caption = f"<h4>{esc(title)}</h4>" if title else ""
    return f'{caption}<div class="tu-scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _cls(cls: str | None) -> str:
    return f' class="{cls}"' if cls else ""


def para(text: str, cls: str | None = None) -> str:
    return f"<p{_cls(cls)}>{esc(text)}</p>"


def items(texts: Sequence[str], cls: str | None = None, ordered: bool = False) -> str:
    if not texts:
        return ""
    tag = "ol" if ordered else "ul"
    return f"<{tag}{_cls(cls)}>" + "".join(f"<li>{esc(t)}</li>" for t in texts) + f"</{tag}>"


def figure(svg: str, caption: str | None = None) -> str:
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="tu-figure">{svg}{cap}</figure>'


def row(*parts: str) -> str:
    """Side by side when there is room, stacked when not."""
    return '<div class="tu-row">' + "".join(f"<div>{p}</div>" for p in parts if p) + "</div>"


def notes(texts: Sequence[str]) -> str:
    """Fine print, folded away: what a number means, what was not measured."""
    if not texts:
        return ""
    return f'<details class="tu-notes"><summary>notes ({len(texts)})</summary>{items(texts)}</details>'


def png(data: bytes, alt: str, size: int) -> Markup:
    """An image embedded in the page (a data: URL): the file stays one file that opens offline."""
    url = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return Markup(f'<img src="{url}" alt="{esc(alt)}" width="{size}" height="{size}">')


def badge(text: str, kind: str) -> str:
    return f'<span class="tu-badge tu-{esc(kind)}">{esc(text)}</span>'
