"""The page around the sections: one self-contained HTML file (styles inline, images as data: URLs,
charts as inline SVG, one inline script allowed by its hash) whose Content-Security-Policy forbids every
fetch, so it opens offline and can never reach the network. The same sections, with the styles scoped to
them, make notebook HTML (without the script: tables keep their order, marks their <title> tooltips)."""
from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from tuneup import __version__
from tuneup._io import write_text
from tuneup.report import html as h
from tuneup.report.data import ReportData, load
from tuneup.runs import REPORT as REPORT_FILE


@cache
def css() -> str:
    return resources.files("tuneup.report").joinpath("report.css").read_text(encoding="utf-8")


@cache
def script() -> str:
    """Sorting tables and hover values on charts (report.js)."""
    return resources.files("tuneup.report").joinpath("report.js").read_text(encoding="utf-8")


def policy(inline_script: str) -> str:
    """Nothing may be fetched (images are data: URLs, styles inline); the one inline script runs because its
    hash is named here, and no other script can."""
    digest = base64.b64encode(hashlib.sha256(inline_script.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"


def contents(sections: Sequence[h.Section]) -> str:
    """The list of sections at the top of the page (it stays in view while scrolling): a click jumps."""
    links = "".join(f'<li><a href="#{h.esc(s.id)}">{h.esc(s.title)}</a></li>' for s in sections)
    return f'<nav class="tu-nav" aria-label="contents"><span class="tu-muted">contents</span><ol>{links}</ol></nav>'


def page(title: str, subtitle: str, sections: Sequence[h.Section], footer: str = "") -> str:
    body = "".join(s.html() for s in sections)
    js = script()
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{policy(js)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{h.esc(title)}</title><style>body{{margin:0;background:#f7f7f8}}"
        "main.tuneup{max-width:1180px;margin:0 auto;padding:18px 22px}" + css() + "</style></head><body>"
        f'<main class="tuneup"><header><h1>{h.esc(title)}</h1><p class="tu-sub">{h.esc(subtitle)}</p></header>'
        f'{contents(sections)}{body}<footer class="tu-muted">{footer}</footer></main>'
        f"<script>{js}</script></body></html>"
    )


def fragment(sections: Sequence[h.Section]) -> str:
    """Sections for a notebook cell: the styles ride along, scoped to `.tuneup`."""
    return f'<div class="tuneup"><style>{css()}</style>' + "".join(s.html(3) for s in sections) + "</div>"


def sections_of(d: ReportData, renderers: Sequence[Callable] | None = None) -> list[h.Section]:
    from tuneup.report.sections import SECTIONS

    found = (render(d) for render in (renderers or SECTIONS))
    return [s for s in found if s is not None and s.body]


def render(d: ReportData) -> str:
    s = d.summary
    start = time.perf_counter()
    sections = sections_of(d)
    d.timing["render"] = round(time.perf_counter() - start, 4)
    subtitle = f"{s['task']} · {s['metric']} · {d.run.path.resolve()}"
    return page(f"tuneup report: {s['run']}", subtitle, sections, footer(d))


def footer(d: ReportData) -> str:
    hints = []
    if d.curve is None:
        hints.append("no learning curve for this configuration yet: `tuneup curve CONFIG` answers whether more data "
                     "of this kind would help, and this report shows it")
    if d.summary and not d.summary.get("final"):
        hints.append("test was not looked at: `tuneup run CONFIG --final` evaluates it once, at the end")
    parts = [h.items(d.missing, "tu-missing"), h.items(hints)]
    parts.append(h.para(f"written by tuneup {__version__} from {d.run.path.resolve() if d.run else ''}"))
    return "".join(parts)


def write_report(run, out: str | Path | None = None, diagnosis=None, errors=None, quick: bool = False) -> Path:
    """Write the run's report (default `<run>/report.html`, atomically) and return its path. `diagnosis` /
    `errors`: already computed; `quick`: diagnose from the run folder only (no measuring)."""
    d = load(run, diagnosis=diagnosis, errors=errors, quick=quick)
    path = Path(out) if out is not None else d.run.path / REPORT_FILE
    write_text(path, render(d))
    return path


report = write_report  # what `tuneup.report(run)` calls
