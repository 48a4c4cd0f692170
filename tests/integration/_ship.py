"""Helpers for the ship integration tests: a real `tuneup serve` on a free loopback port, a static file
server for the --web folder, and Debian's chromium through Playwright (never a downloaded browser)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import math
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(args: list[str], folder: Path, env: dict[str, str] | None = None, timeout: float = 120.0):
    """`python -m tuneup serve ARGS --port P` in its own process; yields its base URL."""
    port = free_port()
    log = open(folder / f"serve-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "tuneup", "serve", *args, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tuneup serve exited {proc.returncode}: {(folder / log.name).read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"tuneup serve did not answer within {timeout}s")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def static_site(folder: Path):
    """A plain static file server over `folder`, like `python -m http.server`."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def web_site(run, folder: Path):
    """`export(run, web=True)` (ONNX Runtime Web from the npm registry, into a private cache) on a plain
    static server; skips when npm is missing (CI has it)."""
    from tuneup.ship.export import export

    if shutil.which("npm") is None:
        if os.environ.get("CI"):
            pytest.fail("npm is not installed; --web fetches onnxruntime-web with it")
        pytest.skip("npm is not installed: --web cannot fetch onnxruntime-web")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TUNEUP_CACHE", str(folder / "cache"))
        result = export(run, folder / "web-export", web=True)
    with static_site(result.path / "web") as url:
        yield url


def chromium_or_skip() -> str:
    """Debian's chromium; missing, the test skips locally and fails in CI (which installs it)."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI installs it in .ci/run (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@contextlib.contextmanager
def browser_page(http_credentials: dict[str, str] | None = None):
    """A page in Debian's chromium; `http_credentials` ({"username", "password"}) answer HTTP Basic auth (a
    server with an API key asks for it as the password)."""
    from playwright.sync_api import sync_playwright

    path = chromium_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(http_credentials=http_credentials).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.errors = errors
            yield page
        finally:
            browser.close()


def json_rows(frame) -> list[dict]:
    """A frame's rows as JSON objects: NaN becomes null, numpy scalars plain numbers."""
    rows = []
    for rec in frame.to_dict(orient="records"):
        rows.append({k: (None if isinstance(v, float) and math.isnan(v) else getattr(v, "item", lambda: v)())
                     for k, v in rec.items()})
    return rows


def fuzz(url: str, headers: dict[str, str] | None = None, max_examples: int = 30,
         answered: list[str] | None = None) -> int:
    """Schemathesis cases from the server's OpenAPI schema, positive and negative, for every operation;
    fails on any 5xx. Returns how many requests were sent; the request ids of the predictions it was given
    are appended to `answered`. (Driven through Hypothesis directly: the schemathesis pytest plugin does not
    run under pytest 9.)"""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.generation.modes import GenerationMode

    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=headers or {})
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=max_examples, deadline=None, suppress_health_check=list(HealthCheck),
                      database=None)
            def check(case):
                nonlocal sent
                response = case.call(base_url=url, headers=headers or {}, timeout=30)
                sent += 1
                assert response.status_code < 500, (mode, case.method, case.path, response.text[:300])
                if answered is not None and case.path == "/predict" and response.status_code == 200:
                    answered.extend(p["request_id"] for p in response.json()["predictions"])

            try:
                check()
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # nothing to break in an operation without inputs
    return sent
