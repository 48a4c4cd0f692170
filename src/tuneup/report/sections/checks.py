"""The data checks, from the run's `check.json` (tuneup check; kept by tuneup run): findings, class
counts, a histogram per column, shift between sources and splits, duplicates, leakage, suspected label errors."""
from __future__ import annotations

import datetime
import math
from typing import Any

from tuneup.report import html as h
from tuneup.report.charts import hbar_chart, spark_bars
from tuneup.report.data import ReportData
from tuneup.report.sections.saved import SHOWN, dig, num, pct, rows_of, yes

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
        facts = [str(col.get("type") or "")]
        facts += [f"{num(col['distinct'])} distinct"] if isinstance(col.get("distinct"), int) else []
        facts += [f"{pct(missing)} missing"] if isinstance(missing, (int, float)) and missing > 0 else []
        meta = " · ".join(f for f in facts if f)
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
        edge = _day if col.get("type") == "datetime" else num  # dates are binned as days since 1970
        e = hist["edges"]
        tips = [f"[{edge(e[i])}, {edge(e[i + 1])}): {num(k)}" for i, k in enumerate(counts)]
        ends = (edge(e[0]), edge(e[-1]))
    elif isinstance(hist.get("values"), list) and len(hist["values"]) == len(counts):
        tips = [f"{num(v) if not isinstance(v, str) else v}: {num(k)}" for v, k in zip(hist["values"], counts)]
        ends = (str(num(hist["values"][0])), str(num(hist["values"][-1])))
    else:
        return ""
    return spark_bars([float(k) for k in counts], tips, f"histogram of {col.get('column')}", ends)


def _day(days: Any) -> str:
    if not isinstance(days, (int, float)) or not math.isfinite(days):
        return "-"
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


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
