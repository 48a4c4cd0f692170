"""What a sweep tried: `<runs>/<study>.sweep.json` (SweepResult.to_dict: the trial history, the best trial,
hyperparameter importance)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from tuneup.report import html as h
from tuneup.report.charts import Series, hbar_chart, line_chart
from tuneup.report.data import ReportData
from tuneup.report.sections.saved import SHOWN, dig, num, pct, rows_of

def sweep(d: ReportData) -> h.Section | None:
    s = d.sweep
    trials = [t for t in rows_of(s, "trials") if isinstance(t.get("number"), int)]
    if not trials:
        return None
    units = bool(s.get("error_in_units"))
    fmt = (lambda v: num(v, 4)) if units else pct  # noqa: E731
    parts = [h.para(_sweep_lead(s, trials), "tu-lead")]
    figures = [_trial_chart(trials, units)]
    importance = dig(s, "importance", kind=dict) or {}
    ranked = sorted(((k, v) for k, v in importance.items() if isinstance(v, (int, float))), key=lambda kv: -kv[1])
    if ranked:
        figures.append(h.figure(hbar_chart([(k, v, f"{100 * v:.0f}%") for k, v in ranked], "hyperparameter importance",
                                           color="#9467bd", width=460, label_width=140),
                                "hyperparameter importance: share of the variation in dev error"))
    elif isinstance(s.get("importance_note"), str):
        parts.append(h.para(s["importance_note"], "tu-muted"))
    parts.append(h.row(*figures))
    done = sorted((t for t in trials if isinstance(t.get("dev_error"), (int, float))), key=lambda t: t["dev_error"])
    params = sorted({k for t in done[:SHOWN] for k in (t.get("params") or {})})
    parts.append(h.table(["trial", "state", "dev error", *params, "run"], [
        [str(t["number"]), str(t.get("state", "")), fmt(t["dev_error"]),
         *(_param((t.get("params") or {}).get(p)) for p in params), _folder(t.get("run"))] for t in done[:SHOWN]],
        numeric_from=2, title=f"the {min(SHOWN, len(done))} best trials"))
    return h.Section("sweep", f"Sweep {s.get('study', '')}".strip(), "".join(parts))


def _sweep_lead(s: dict, trials: list[dict]) -> str:
    best = dig(s, "best", kind=dict)
    counts = dig(s, "counts", kind=dict) or {}
    told = ", ".join(f"{v} {k}" for k, v in counts.items() if isinstance(v, int) and v)
    lead = f"{len(trials)} trials" + (f" ({told})" if told else "")
    if best and isinstance(best.get("dev_error"), (int, float)):
        value = num(best["dev_error"], 4) if s.get("error_in_units") else pct(best["dev_error"])
        lead += f"; best: trial {best.get('number')} with dev error {value} (run {_folder(best.get('run'))})"
    return lead


def _trial_chart(trials: list[dict], units: bool) -> str:
    ordered = sorted(trials, key=lambda t: t["number"])
    xs = [t["number"] for t in ordered]
    complete = [t["dev_error"] if t.get("state") == "complete" else None for t in ordered]
    pruned = [t.get("dev_error") if t.get("state") == "pruned" else None for t in ordered]
    best, so_far = [], math.inf
    for e in complete:
        so_far = min(so_far, e) if isinstance(e, (int, float)) else so_far
        best.append(so_far if math.isfinite(so_far) else None)
    chart = line_chart([Series("complete", xs, complete, "#1f77b4", points=True, line=False),
                        Series("pruned (when stopped)", xs, pruned, "#999", points=True, line=False, hollow=True),
                        Series("best so far", xs, best, "#2ca02c")],
                       "trial", "dev error", "dev error per trial", percent=not units, width=520,
                       integer_x=True)
    return h.figure(chart, "dev error of every trial in the order they ran")


def _param(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}"
    return "" if value is None else str(value)


def _folder(run: Any) -> str:
    """A trial's run as its folder name (sweeps record the full path)."""
    return Path(run).name if isinstance(run, str) and run else ""
