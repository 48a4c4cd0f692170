"""How runs look to a person: tables in a terminal, HTML in a notebook. Computed data in, text out."""
from __future__ import annotations

import html
from typing import Any

from rich.table import Table

from tuneup.diagnose.ladder import gap_steps, gaps

RUNG_LABELS = {"human": "human-level", "train": "train", "train_dev": "train-dev", "dev": "dev", "test": "test"}
GAP_LABELS = {"avoidable_bias": "avoidable bias", "variance": "variance", "data_mismatch": "data mismatch",
              "dev_overfit": "dev overfitting"}


def fmt_error(value: float | None, summary: dict[str, Any]) -> str:
    if value is None:
        return "-"
    if summary.get("error_in_units"):
        return f"{value:.4g}"
    return f"{100 * value:.1f}%"


def ladder_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per rung present: the error, the gap that ends at it, and the baselines' errors."""
    ladder = summary["ladder"]
    ends = {hi: gap for gap, (lo, hi) in gap_steps(ladder).items() if ladder.get(lo) is not None}
    g = gaps(ladder)
    rows = []
    for rung in ("human", "train", "train_dev", "dev", "test"):
        if ladder.get(rung) is None:
            continue
        gap = ends.get(rung)
        rows.append({
            "rung": rung, "error": ladder[rung], "gap": gap, "gap_value": g.get(gap) if gap else None,
            "baselines": {n: b["splits"].get(rung, {}).get("error") for n, b in summary.get("baselines", {}).items()},
        })
    return rows


def ladder_table(summary: dict[str, Any], title: str | None = None) -> Table:
    names = list(summary.get("baselines", {}))
    table = Table(title=title or f"{summary['run']}: error = {summary['error_of']}", title_justify="left")
    table.add_column("rung")
    table.add_column("network", justify="right")
    table.add_column("gap from the rung above", justify="left")
    for n in names:
        table.add_column(n, justify="right", style="dim")
    for row in ladder_rows(summary):
        gap = f"{GAP_LABELS[row['gap']]} {_signed(row['gap_value'], summary)}" if row["gap"] else ""
        table.add_row(RUNG_LABELS[row["rung"]], fmt_error(row["error"], summary), gap,
                      *(fmt_error(row["baselines"].get(n), summary) for n in names))
    return table


def _signed(value: float | None, summary: dict[str, Any]) -> str:
    if value is None:
        return "-"
    text = fmt_error(abs(value), summary)
    return ("+" if value >= 0 else "-") + text


def run_html(run) -> str:
    s = run.summary
    names = list(s.get("baselines", {}))
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["rung", "network", "gap", *names])
    body = []
    for row in ladder_rows(s):
        gap = f"{GAP_LABELS[row['gap']]} {_signed(row['gap_value'], s)}" if row["gap"] else ""
        cells = [RUNG_LABELS[row["rung"]], fmt_error(row["error"], s), gap,
                 *(fmt_error(row["baselines"].get(n), s) for n in names)]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    return (f"<div><b>{html.escape(s['run'])}</b> &middot; {html.escape(s['task'])} &middot; "
            f"error = {html.escape(s['error_of'])}<table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>")
