"""A page opened offline in a real browser, for the report tests: `_ship.browser_page()` (Debian's chromium
through Playwright, never a downloaded browser; skips without chromium, fails on CI) with every request
beyond the opened file blocked and recorded.

    def test_page(offline_page):
        offline_page.open(path)          # file:// URL; every other request is blocked and recorded
        offline_page.page.locator(...)   # the Playwright page
        assert offline_page.problems() == []   # console errors, page errors, blocked requests
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ._ship import browser_page


@dataclass
class OfflinePage:
    page: object  # playwright.sync_api.Page (its .errors: page errors, recorded by browser_page)
    url: str = ""
    requests: list[str] = field(default_factory=list)  # every request the page made
    blocked: list[str] = field(default_factory=list)  # those beyond the opened file: aborted
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str | Path) -> None:
        self.url = Path(path).resolve().as_uri()
        self.page.goto(self.url, wait_until="load")

    def problems(self) -> list[str]:
        return [*(f"console: {m}" for m in self.console_errors), *(f"page: {m}" for m in self.page.errors),
                *(f"request: {u}" for u in self.blocked)]

    def screenshot(self, path: str | Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")  # shown by pytest -s / -rA, and kept in pytest's tmp dir
        return Path(path)

    def route(self, r) -> None:
        url = r.request.url
        self.requests.append(url)
        if url == self.url or url.startswith("data:"):
            r.continue_()
        else:
            self.blocked.append(url)
            r.abort()


@pytest.fixture
def offline_page():
    with browser_page() as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        op = OfflinePage(page)
        page.route("**/*", op.route)
        page.on("console", lambda m: op.console_errors.append(m.text) if m.type == "error" else None)
        yield op
