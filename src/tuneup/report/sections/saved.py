"""Sections drawn from what other steps saved as JSON: monitoring (`monitor.json`), the data checks
(`check.json`), the improve loop (`improve.json`) and a sweep (`<study>.sweep.json`).

These files are read defensively: a part that is present and recognised is shown, anything else is
left out (never an empty box). Every key read is named in `KEYS_READ` below, so a change of format on
the writing side is easy to follow here."""
from __future__ import annotations

import math
from typing import Any

from tuneup.report import html as h
from tuneup.report.charts import Series, hbar_chart, line_chart, spark_bars
from tuneup.report.data import ReportData

SHOWN = 12


def dig(data: Any, *path: str | int, kind: type | tuple[type, ...] = object) -> Any:
    """data[path[0]][path[1]]... when every step exists and the value is of `kind`; else None."""
    for key in path:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return None
    return data if isinstance(data, kind) and data is not None else None


def rows_of(data: Any, *path: str) -> list[dict]:
    found = dig(data, *path, kind=list) or []
    return [r for r in found if isinstance(r, dict)]


def num(v: Any, digits: int = 3) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        return "-"
    return f"{v:,}" if isinstance(v, int) else f"{v:.{digits}g}"


def pct(v: Any) -> str:
    return f"{100 * v:.1f}%" if isinstance(v, (int, float)) and math.isfinite(v) else "-"


def yes(v: Any) -> str:
    return "yes" if v is True else "no" if v is False else "-"


# ---- monitoring ------------------------------------------------------------------------------------
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


# ---- data checks -----------------------------------------------------------------------------------
SEVERITY = {"error": "problem", "warning": "warning", "info": "ok"}


def check(d: ReportData) -> h.Section | None:
    c = d.check
    if not c:
        return None
    parts = [_findings(c), _class_counts(c), _columns(c), _shift(c), _duplicates(c), _leakage(c), _suspects(c)]
    body = "".join(p for p in parts if p)
    return h.Section("check", "Data checks", body) if body else None


def _findings(c: dict) -> str:
    found = rows_of(c, "findings")
    if not found:
        return ""
    lines = [f"<li>{h.badge(str(f.get('severity', '?')), SEVERITY.get(f.get('severity'), 'ok'))} "
             f"<b>{h.esc(f.get('check', ''))}</b>: {h.esc(f.get('title', ''))}"
             + (f"<div class=\"tu-muted\">{h.esc(f['advice'])}</div>" if f.get("advice") else "") + "</li>"
             for f in found]
    return '<ul class="tu-findings">' + "".join(lines) + "</ul>"


def _class_counts(c: dict) -> str:
    counts = rows_of(c, "sections", "classes", "classes")
    if not counts:
        return ""
    shown = counts[:30]
    chart = hbar_chart([(str(r.get("class")), float(r.get("count") or 0), f"{num(r.get('count'))} ({pct(r.get('share'))})")
                        for r in shown], "examples per class", label_width=120, width=480)
    ratio = dig(c, "sections", "classes", "imbalance_ratio", kind=(int, float))
    caption = "examples per class, all splits" + (f"; largest / smallest = {ratio:.1f}" if ratio else "")
    return "<h3>Classes</h3>" + h.figure(chart, caption)


def _columns(c: dict) -> str:
    """One small card per column: its histogram (numbers) or top values (categories), type and missing share."""
    cards = []
    for col in rows_of(c, "sections", "columns", "columns")[:60]:
        picture = _histogram(col) or _top_values(col)
        missing = col.get("missing_share")
        meta = f"{col.get('type', '')} · {num(col.get('distinct'))} distinct" + (
            f" · {pct(missing)} missing" if isinstance(missing, (int, float)) and missing > 0 else "")
        problem = f"<div class=\"tu-warning\">{h.esc(col['problem'])}</div>" if col.get("problem") else ""
        cards.append(f'<div class="tu-card"><b>{h.esc(col.get("column", "?"))}</b><div class="tu-muted">'
                     f"{h.esc(meta)}</div>{picture}{problem}</div>")
    return ("<h3>Columns</h3><div class=\"tu-cards\">" + "".join(cards) + "</div>") if cards else ""


def _histogram(col: dict) -> str:
    hist = dig(col, "histogram", kind=dict)
    counts = dig(hist, "counts", kind=list)
    if not counts:
        return ""
    if isinstance(hist.get("edges"), list) and len(hist["edges"]) == len(counts) + 1:
        e = hist["edges"]
        tips = [f"[{num(e[i])}, {num(e[i + 1])}): {num(k)}" for i, k in enumerate(counts)]
        ends = (num(e[0]), num(e[-1]))
    elif isinstance(hist.get("values"), list) and len(hist["values"]) == len(counts):
        tips = [f"{num(v) if not isinstance(v, str) else v}: {num(k)}" for v, k in zip(hist["values"], counts)]
        ends = (str(num(hist["values"][0])), str(num(hist["values"][-1])))
    else:
        return ""
    return spark_bars([float(k) for k in counts], tips, f"histogram of {col.get('column')}", ends)


def _top_values(col: dict) -> str:
    top = rows_of(col, "top")[:5]
    if not top:
        return ""
    return spark_bars([float(t.get("count") or 0) for t in top], [f"{t.get('value')}: {num(t.get('count'))}"
                                                                   for t in top],
                      f"top values of {col.get('column')}", (str(top[0].get("value"))[:12], ""), color="#9467bd")


def _shift(c: dict) -> str:
    shift = dig(c, "sections", "shift", kind=dict) or {}
    parts = []
    for name, result in shift.items():
        if not isinstance(result, dict):
            continue
        features = sorted(rows_of(result, "features"), key=lambda f: -(f.get("effect") or 0))[:SHOWN]
        clf = dig(result, "domain_classifier", kind=dict)
        lead = f"{name.replace('_vs_', ' against ').replace('_', '-')}"
        if clf and isinstance(clf.get("auc"), (int, float)):
            lead += f": a classifier tells them apart with AUC {clf['auc']:.2f} (0.5: it cannot)"
        rows = [[f.get("column", "?"), f"{num(f.get('effect'))} {f.get('effect_name', '')}", num(f.get("p_value"), 2),
                 yes(f.get("flagged"))] for f in features]
        images = dig(result, "images", kind=dict)
        medians = []
        if images and isinstance(images.get("reference"), dict) and isinstance(images.get("current"), dict):
            medians = [[k, num(v), num(images["current"].get(k))] for k, v in images["reference"].items()]
        if not rows and not medians:
            continue
        parts.append(h.para(lead, "tu-lead"))
        parts.append(h.table(["feature", "effect", "p-value", "differs"], rows, numeric_from=1) if rows else "")
        parts.append(h.table(["image statistic", "median (reference)", "median (other)"], medians) if medians else "")
        parts.append(h.items([str(x) for x in dig(images, "reasons", kind=list) or []]))
    return "<h3>Shift between sources and splits</h3>" + "".join(parts) if parts else ""


def _duplicates(c: dict) -> str:
    dup = dig(c, "sections", "duplicates", kind=dict) or {}
    rows = []
    within = dig(dup, "within", kind=dict)
    if within:
        rows.append(["within the data", num(within.get("rows")), num(within.get("exact_copies")),
                     num(within.get("near_pairs")), "-"])
    for key, value in dup.items():
        if key.endswith(tuple(f"_vs_{s}" for s in ("holdout", "train_dev", "test", "dev"))) and isinstance(value, dict):
            rows.append([key.replace("_vs_", " vs ").replace("_", "-"), num(value.get("rows")), num(value.get("exact")),
                         num(value.get("near")), pct(value.get("share"))])
    if not rows:
        return ""
    return "<h3>Duplicates</h3>" + h.table(["where", "rows", "exact copies", "near copies", "share"], rows)


def _leakage(c: dict) -> str:
    features = rows_of(c, "sections", "leakage", "features")[:8]
    if not features:
        return ""
    scorer = dig(c, "sections", "leakage", "scorer", kind=str) or "score"
    items = [(str(f.get("column")), max(float(f.get("score") or 0), 0.0), num(f.get("score"))) for f in features
             if isinstance(f.get("score"), (int, float))]
    return ("<h3>Leakage: how well each feature alone predicts the target</h3>"
            + h.figure(hbar_chart(items, f"single-feature {scorer}", color="#ff7f0e", width=480), f"{scorer} on dev"))


def _suspects(c: dict) -> str:
    section = dig(c, "sections", "label_errors", kind=dict) or {}
    suspects = rows_of(section, "suspects")[:SHOWN]
    if not suspects:
        return ""
    lead = h.para(f"{num(section.get('suspected'))} suspected label errors ({pct(section.get('share'))}); the "
                  "most suspicious:")
    return "<h3>Suspected label errors</h3>" + lead + h.table(
        ["id", "split", "labelled", "the model says", "confidence"],
        [[s.get("id", ""), s.get("split", ""), s.get("given", ""), s.get("suggested", ""), pct(s.get("confidence"))]
         for s in suspects], numeric_from=4)


# ---- improve and sweeps ----------------------------------------------------------------------------
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


KEYS_READ = {
    "monitor.json": ["log.predictions", "log.labelled", "log.first", "log.last", "alarms.drift", "alarms.performance",
                     "reasons.drift", "reasons.performance", "ab_test.sentence", "data_drift.reference",
                     "data_drift.features[].{column,kind,effect,effect_name,p_value,reference_summary,"
                     "current_summary,flagged}", "data_drift.windows[].{start,n,compared,drifted}", "notes"],
    "check.json": ["findings[].{severity,check,title,advice}",
                   "sections.classes.classes[].{class,count,share}", "sections.classes.imbalance_ratio",
                   "sections.columns.columns[].{column,type,distinct,missing_share,problem,"
                   "histogram.{counts,edges|values},top[].{value,count}}",
                   "sections.shift.<a>_vs_<b>.{features[].{column,effect,effect_name,p_value,flagged},"
                   "domain_classifier.auc,images.{reference,current,reasons}}",
                   "sections.duplicates.within.{rows,exact_copies,near_pairs}",
                   "sections.duplicates.<a>_vs_<b>.{rows,exact,near,share}",
                   "sections.leakage.{scorer,features[].{column,score}}",
                   "sections.label_errors.{suspected,share,suspects[].{id,split,given,suggested,confidence}}"],
    "improve.json": ["steps[].{step,round,gap,action,remedy,set,run,dev_error,kept|accepted,why,note}",
                     "final_ladder|ladder.{human,train,train_dev,dev,test}", "run|best_run|final_run"],
    "<study>.sweep.json": ["study", "error_in_units", "counts", "best.{number,dev_error,run}",
                           "trials[].{number,state,dev_error,params,run}", "importance", "importance_note"],
}
