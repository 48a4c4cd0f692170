"""What improve and sweeps tried: `improve.json` (the step table and the final ladder) and a sweep's
`<study>.sweep.json` (trial history, the best trial, hyperparameter importance)."""
from __future__ import annotations

import math
from typing import Any

from tuneup.report import html as h
from tuneup.report.charts import Series, hbar_chart, line_chart
from tuneup.report.data import ReportData
from tuneup.report.sections.saved import SHOWN, dig, num, pct, rows_of, yes

STEP_COLUMNS = (("step", "step"), ("round", "round"), ("gap", "gap"), ("action", "action"), ("remedy", "remedy"),
                ("set", "change"), ("run", "run"), ("dev_error", "dev error"), ("kept", "kept"),
                ("accepted", "kept"), ("why", "why"), ("note", "note"))


def improve(d: ReportData) -> h.Section | None:
    data = d.improve
    steps = rows_of(data, "steps")
    if not steps:
        return None
    columns = [(k, label) for k, label in STEP_COLUMNS if any(k in s for s in steps)]
    rows = [[_cell(s.get(k), k, d) for k, _ in columns] for s in steps]
    parts = []
    errors = [s.get("dev_error") for s in steps]
    if sum(isinstance(e, (int, float)) for e in errors) >= 2:
        xs = list(range(1, len(steps) + 1))
        kept = [e if (s.get("kept", s.get("accepted")) is True) else None for s, e in zip(steps, errors)]
        parts.append(h.figure(line_chart([Series("every candidate", xs, errors, "#999", points=True, line=False),
                                          Series("kept", xs, kept, "#2ca02c", points=True)],
                                         "step", "dev error", "dev error per improve step",
                                         percent=not d.error_in_units), "dev error of each candidate; green: kept"))
    parts.append(h.table([label for _, label in columns], rows, numeric_from=len(columns)))
    final = dig(data, "final_ladder", kind=dict) or dig(data, "ladder", kind=dict)
    if final:
        rungs = [r for r in ("human", "train", "train_dev", "dev", "test") if isinstance(final.get(r), (int, float))]
        parts.append(h.table(["rung", "error"], [[r.replace("_", "-"), d.fmt(final[r])] for r in rungs],
                             title="the ladder after the last step"))
    return h.Section("improve", "Improve: what was tried", "".join(parts))


def _cell(value: Any, key: str, d: ReportData) -> str:
    if key == "dev_error" and isinstance(value, (int, float)):
        return d.fmt(value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return yes(value) if isinstance(value, bool) else "" if value is None else str(value)


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
         *(str((t.get("params") or {}).get(p, "")) for p in params), str(t.get("run") or "")] for t in done[:SHOWN]],
        numeric_from=2, title=f"the {min(SHOWN, len(done))} best trials"))
    return h.Section("sweep", f"Sweep {s.get('study', '')}".strip(), "".join(parts))


def _sweep_lead(s: dict, trials: list[dict]) -> str:
    best = dig(s, "best", kind=dict)
    counts = dig(s, "counts", kind=dict) or {}
    told = ", ".join(f"{v} {k}" for k, v in counts.items() if isinstance(v, int) and v)
    lead = f"{len(trials)} trials" + (f" ({told})" if told else "")
    if best and isinstance(best.get("dev_error"), (int, float)):
        value = num(best["dev_error"], 4) if s.get("error_in_units") else pct(best["dev_error"])
        lead += f"; best: trial {best.get('number')} with dev error {value} (run {best.get('run')})"
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
                       "trial", "dev error", "dev error per trial", percent=not units, width=520)
    return h.figure(chart, "dev error of every trial in the order they ran")
