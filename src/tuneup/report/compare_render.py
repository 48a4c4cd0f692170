"""A Comparison for people: rich tables in a terminal, an HTML page (`tuneup compare --html`) and notebook
HTML. Computed data in, text out."""
from __future__ import annotations

import json
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from tuneup.diagnose.ladder import GAPS, RUNGS
from tuneup.diagnose.render import GAP_LABELS, RUNG_LABELS, fmt_error
from tuneup.report import html as h
from tuneup.report.charts import PALETTE, Series, line_chart
from tuneup.report.compare import Comparison

SPLIT_NAMES = {"train": "train", "train_dev": "train-dev", "dev": "dev", "test": "test"}


def _fmt(c: Comparison, v: float | None) -> str:
    return fmt_error(v, {"error_in_units": c.error_in_units})


def value_text(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(", ", ": "))
    return str(v)


# ---- rows shared by the terminal and HTML --------------------------------------------------------
def run_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    paired = {p["run"]: p for p in c.paired}
    head = ["run", f"{SPLIT_NAMES.get(c.split, c.split)} error", f"vs {c.names[0]} [95%]", "", "train error",
            "epochs (kept)", "parameters", "train s"]
    rows = []
    for r in c.runs:
        p = paired.get(r["name"])
        diff, verdict = ("", "reference") if r["name"] == c.names[0] else ("-", "")
        if p is not None:
            iv = p["difference"]
            diff = f"{_signed(c, iv['value'])} [{_signed(c, iv['low'])}, {_signed(c, iv['high'])}]"
            verdict = "better" if p["beats"] else "worse" if p["worse"] else "same within noise"
        ladder = c.ladders[r["name"]]
        rows.append([r["name"], _fmt(c, ladder.get(c.split)), diff, verdict, _fmt(c, ladder.get("train")),
                     f"{r['epochs_run']} ({r['best_epoch']})", f"{r['parameters']:,}",
                     f"{r['train_s']:.1f}" if isinstance(r.get("train_s"), (int, float)) else "-"])
    return head, rows


def _signed(c: Comparison, v: float) -> str:
    return ("+" if v >= 0 else "-") + _fmt(c, abs(v))


def difference_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    return ["config key", *c.names], [[k, *(value_text(v) for v in vs)] for k, vs in c.differences.items()]


def ladder_rows(c: Comparison) -> tuple[list[str], list[list[str]]]:
    rungs = [r for r in RUNGS if any(lad.get(r) is not None for lad in c.ladders.values())]
    gaps = [g for g in GAPS if any(gp.get(g) is not None for gp in c.gaps.values())]
    rows = [[RUNG_LABELS[r], *(_fmt(c, c.ladders[n].get(r)) for n in c.names)] for r in rungs]
    rows += [[f"gap: {GAP_LABELS[g]}", *(_signed(c, v) if (v := c.gaps[n].get(g)) is not None else "-"
                                         for n in c.names)] for g in gaps]
    return ["rung", *c.names], rows


# ---- terminal --------------------------------------------------------------------------------------
def _rich(title: str, head: list[str], rows: list[list[str]]) -> Table:
    t = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for i, col in enumerate(head):
        t.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*row)
    return t


def comparison_view(c: Comparison) -> Group:
    parts: list[Any] = [_rich(f"{len(c.runs)} runs compared on {SPLIT_NAMES.get(c.split, c.split)}", *run_rows(c))]
    if c.differences:
        parts.append(_rich("what their configs change", *difference_rows(c)))
    parts.append(_rich("error ladders", *ladder_rows(c)))
    if c.best:
        parts.append(Text(f"lowest {c.split} error: {c.best}", style="bold"))
    parts += [Text(f"note: {n}", style="dim") for n in c.notes]
    return Group(*parts)


# ---- HTML ------------------------------------------------------------------------------------------
def sections(c: Comparison) -> list[h.Section]:
    out = [h.Section("runs", "The runs", h.table(*run_rows(c), numeric=(1, 2, 4, 5, 6, 7)) + h.items(c.notes, "tu-muted"))]
    if c.differences:
        out.append(h.Section("differences", "What their configs change", h.table(*difference_rows(c), numeric=())))
    out.append(h.Section("ladders", "Error ladders", h.row(h.figure(ladder_chart(c), "each run's error on each rung"),
                                                           h.table(*ladder_rows(c)))))
    curves = curve_charts(c)
    if curves:
        out.append(h.Section("curves", "Training curves overlaid", h.row(*curves)))
    return out


def ladder_chart(c: Comparison) -> str:
    rungs = [r for r in RUNGS if any(lad.get(r) is not None for lad in c.ladders.values())]
    series = [Series(n, list(range(len(rungs))), [c.ladders[n].get(r) for r in rungs], PALETTE[i % len(PALETTE)],
                     points=True) for i, n in enumerate(c.names)]
    return line_chart(series, "rung", "error", "error ladders of the runs", percent=not c.error_in_units, zero=True,
                      x_fmt=lambda v: RUNG_LABELS[rungs[int(round(v))]] if 0 <= round(v) < len(rungs) else "")


def curve_charts(c: Comparison) -> list[str]:
    figures = []
    for key, label in (("loss", "loss"), ("error", "error")):
        series = []
        for i, n in enumerate(c.names):
            hist, color = c.histories[n], PALETTE[i % len(PALETTE)]
            if f"dev_{key}" in hist:
                series.append(Series(f"{n} dev", hist["epoch"], hist[f"dev_{key}"], color))
            if f"train_{key}" in hist:
                series.append(Series(f"{n} train", hist["epoch"], hist[f"train_{key}"], color, dashed=True))
        if series:
            chart = line_chart(series, "epoch", label, f"{label} per epoch of the runs",
                               percent=key == "error" and not c.error_in_units, integer_x=True)
            figures.append(h.figure(chart, f"{label} per epoch: dev solid, train dashed"))
    return figures


def compare_page(c: Comparison) -> str:
    from tuneup.report.page import page

    title = "tuneup compare: " + ", ".join(c.names)
    return page(title, f"{len(c.runs)} runs compared on {c.split}", sections(c))


def comparison_fragment(c: Comparison) -> str:
    from tuneup.report.page import fragment

    return fragment(sections(c))
