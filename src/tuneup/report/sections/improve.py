"""The improve session this run took part in: `<runs>/<name>-improve-NNN/improve.json` (tuneup.improve's
`ImproveResult.to_dict`): where it started and ended, every candidate of every step with its dev error and
its paired difference against the incumbent, the ladder after the last step, and the one look at test.
Kept on its own so that a change in that file's shape is followed here only (see saved.KEYS_READ)."""
from __future__ import annotations

from typing import Any

from tuneup.report import html as h
from tuneup.report.charts import Series, line_chart
from tuneup.report.data import ReportData
from tuneup.report.sections.saved import dig, pct, rows_of

KEPT, CANDIDATE, INCUMBENT = "#2ca02c", "#999", "#1f77b4"
RUNGS = ("human", "train", "train_dev", "dev", "test")


def improve(d: ReportData) -> h.Section | None:
    data = d.improve
    steps = [s for s in rows_of(data, "steps") if isinstance(s.get("step"), int)]
    if not steps:
        return None
    units = bool(data.get("error_in_units"))
    parts = [h.para(_lead(data, units), "tu-lead"), _chart(steps, units), _table(steps, units)]
    parts += [_ladder(data, d), _final(data, units)]
    notes = [f"stopped: {data['stopped']}"] if isinstance(data.get("stopped"), str) and data["stopped"] else []
    notes += [str(n) for n in dig(data, "notes", kind=list) or []]
    parts.append(h.notes(notes))
    title = f"Improve {data.get('session', '')}: what was tried".replace("  ", " ")
    return h.Section("improve", title, "".join(p for p in parts if p))


def _error(value: Any, units: bool) -> str:
    if not isinstance(value, (int, float)):
        return "-"
    return f"{value:.4g}" if units else pct(value)


def _interval(iv: Any, units: bool, signed: bool = False, with_level: bool = False) -> str:
    """'12.3% [10.1%, 14.6%]' from an Interval's dict; '-' when absent."""
    if not isinstance(iv, dict) or not isinstance(iv.get("value"), (int, float)):
        return "-"
    sign = "+" if signed and iv["value"] > 0 else ""
    inside = (f" [{_error(iv.get('low'), units)}, {_error(iv.get('high'), units)}]"
              if isinstance(iv.get("low"), (int, float)) and iv.get("low") != iv.get("high") else "")
    level = iv.get("confidence")  # a step's comparisons are Bonferroni-widened: not always 95%
    if inside and with_level and isinstance(level, (int, float)):
        inside += f" ({level:.1%})".replace(".0%", "%")
    return sign + _error(iv["value"], units) + inside


def _lead(data: dict, units: bool) -> str:
    start, best = dig(data, "start", kind=dict) or {}, dig(data, "best", kind=dict) or {}
    lead = (f"from {start.get('run', '?')} (dev error {_interval(start.get('dev'), units)}) to "
            f"{best.get('run', '?')} (dev error {_interval(best.get('dev'), units)})")
    relative = data.get("relative_improvement")
    if isinstance(relative, (int, float)) and relative > 0:
        lead += f": {100 * relative:.0f}% fewer errors on the same dev examples"
    changes = dig(best, "changes", kind=dict)
    if changes:
        lead += "; changes: " + ", ".join(f"{k}={v}" for k, v in changes.items())
    trainings = data.get("trainings")
    if isinstance(trainings, int):
        lead += f"; {trainings} trainings"
    return lead + ("" if data.get("finished") else " (the session had not finished when this was saved)")


def _chart(steps: list[dict], units: bool) -> str:
    """Per step: the incumbent's dev error (with its interval) and every candidate's, the kept one green."""
    xs = [s["step"] for s in steps]
    before = [dig(s, "dev_before", "value", kind=(int, float)) for s in steps]
    low = [dig(s, "dev_before", "low", kind=(int, float)) for s in steps]
    high = [dig(s, "dev_before", "high", kind=(int, float)) for s in steps]
    tried = [(s["step"], t) for s in steps for t in rows_of(s, "tried")]
    value = lambda t: dig(t, "dev", "value", kind=(int, float))  # noqa: E731
    cx = [x for x, _ in tried]
    chart = line_chart([
        Series("incumbent", xs, before, INCUMBENT, points=True, low=low, high=high),
        Series("candidate", cx, [None if t.get("kept") else value(t) for _, t in tried], CANDIDATE, points=True,
               line=False, hollow=True),
        Series("kept", cx, [value(t) if t.get("kept") else None for _, t in tried], KEPT, points=True, line=False),
    ], "step", "dev error", "dev error per improve step", percent=not units, width=520,
       integer_x=True)
    return h.figure(chart, "blue: the incumbent before each step (with its interval); grey: candidates; green: kept")


def _table(steps: list[dict], units: bool) -> str:
    rows, strong = [], []
    for s in steps:
        for t in rows_of(s, "tried"):
            remedy = dig(t, "remedy", kind=dict) or {}
            change = ", ".join(f"{k}={v}" for k, v in (dig(t, "set", kind=dict) or {}).items())
            rows.append([str(s["step"]), str(remedy.get("gap", s.get("gap", ""))).replace("_", " "),
                         str(remedy.get("action", "")), str(t.get("strength", "")), change, str(t.get("run", "")),
                         _interval(t.get("dev"), units), _interval(dig(t, "difference", "difference"), units, True, True),
                         str(t.get("outcome", "")), str(t.get("why", ""))])
            strong.append(bool(t.get("kept")))
    if not rows:
        return ""
    return h.table(["step", "gap", "remedy", "strength", "change", "run", "dev error", "vs incumbent", "outcome",
                    "why"], rows, numeric=[6, 7], strong=strong, title="every candidate (kept in bold)")


def _ladder(data: dict, d: ReportData) -> str:
    ladder = dig(data, "diagnosis", "ladder", kind=dict)
    if not ladder:
        return ""
    units = bool(data.get("error_in_units"))
    rungs = [r for r in RUNGS if isinstance(ladder.get(r), (int, float))]
    verdict = dig(data, "diagnosis", "sentence", kind=str)
    table = h.table(["rung", "error"], [[r.replace("_", "-"), _error(ladder[r], units)] for r in rungs],
                    title=f"the ladder of {dig(data, 'best', 'run', kind=str) or 'the best run'} after the last step")
    return table + (h.para(verdict) if verdict else "")


def _final(data: dict, units: bool) -> str:
    final = dig(data, "final", kind=dict)
    if not final or not isinstance(final.get("test"), dict):
        return ""
    return h.para(f"test error, looked at once: {_interval(final['test'], units)} ({final.get('run', '?')}: "
                  f"{final.get('chosen', 'the best')}'s configuration retrained on train + dev for "
                  f"{final.get('epochs', '?')} epochs; this test set has been looked at {final.get('test_uses', '?')} "
                  "time(s) in all)", "tu-lead")
