"""Monitoring, from the run's `monitor.json` (tuneup monitor): the alarms with their reasons, the
inputs that drifted, the windows."""
from __future__ import annotations

from tuneup.report import html as h
from tuneup.report.data import ReportData
from tuneup.report.sections.saved import SHOWN, dig, num, rows_of, yes


def monitor(d: ReportData) -> h.Section | None:
    m = d.monitor
    if not m:
        return None
    parts = []
    log = dig(m, "log", kind=dict) or {}
    if log:
        parts.append(h.para(f"{num(log.get('predictions'))} logged predictions from {log.get('first') or '-'} to "
                            f"{log.get('last') or '-'}, {num(log.get('labelled'))} with ground truth", "tu-lead"))
    for alarm, question in (("drift", "Has the input changed?"), ("performance", "Has the model got worse?")):
        raised = dig(m, "alarms", alarm, kind=bool)
        if raised is None:
            continue
        reasons = "; ".join(dig(m, "reasons", alarm, kind=list) or []) or (
            "no drift found" if alarm == "drift" else "no worse than dev, or no labels yet")
        parts.append(f"<p>{h.badge('YES' if raised else 'no', 'problem' if raised else 'ok')} <b>{question}</b> "
                     f"{h.esc(reasons)}</p>")
    sentence = dig(m, "ab_test", "sentence", kind=str)
    if sentence:
        parts.append(f"<p><b>Is the candidate better?</b> {h.esc(sentence)}</p>")
    features = rows_of(m, "data_drift", "features")[:SHOWN]
    if features:
        parts.append(h.table(["feature", "kind", "effect", "p-value", "reference", "traffic", "drifted"], [
            [f.get("column", "?"), f.get("kind", ""), f"{num(f.get('effect'))} {f.get('effect_name', '')}",
             num(f.get("p_value"), 2), f.get("reference_summary", ""), f.get("current_summary", ""),
             yes(f.get("flagged"))] for f in features], numeric_from=2,
            title=f"inputs against the {dig(m, 'data_drift', 'reference', kind=str) or 'reference'}"))
    windows = rows_of(m, "data_drift", "windows")
    if windows:
        parts.append(h.table(["window from", "rows", "drifted inputs"], [
            [str(w.get("start") or "-")[:16], num(w.get("n")),
             ", ".join(w.get("drifted") or []) or ("none" if w.get("compared") else "too few rows")]
            for w in windows], numeric_from=1, title="by window"))
    parts.append(h.items([str(n) for n in dig(m, "notes", kind=list) or []], "tu-muted"))
    return h.Section("monitor", "In production", "".join(parts)) if len(parts) > 1 or log else None
