"""A real browser for integration tests: Debian's chromium driven by Playwright (never a downloaded
browser; never `playwright install`). Tests that use it are marked `browser`; they skip when chromium
is missing, except on CI (the CI environment variable set), where a missing browser fails them.

    def test_page(browser_page):
        browser_page.open(path)          # file:// URL; every other request is blocked and recorded
        browser_page.page.locator(...)   # the Playwright page
        assert browser_page.problems() == []   # console errors, page errors, blocked requests
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _need(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} (CI is set: browser tests must run)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium")
    if executable is None:
        _need("Debian's chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("Playwright is not installed (pip install 'tuneup[browser]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class BrowserPage:
    page: object  # playwright.sync_api.Page
    url: str = ""
    requests: list[str] = field(default_factory=list)  # every request the page made
    blocked: list[str] = field(default_factory=list)  # those beyond the opened file: aborted
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def open(self, path: str | Path) -> None:
        self.url = Path(path).resolve().as_uri()
        self.page.goto(self.url, wait_until="load")

    def problems(self) -> list[str]:
        return [*(f"console: {m}" for m in self.console_errors), *(f"page: {m}" for m in self.page_errors),
                *(f"request: {u}" for u in self.blocked)]

    def screenshot(self, path: str | Path) -> Path:
        self.page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")  # shown by pytest -s / -rA, and kept in pytest's tmp dir
        return Path(path)


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bp = BrowserPage(page)

    def route(r):
        url = r.request.url
        bp.requests.append(url)
        if url == bp.url or url.startswith("data:"):
            r.continue_()
        else:
            bp.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: bp.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: bp.page_errors.append(str(e)))
    yield bp
    context.close()
