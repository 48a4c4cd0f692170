"""The error analysis of dev as sections: classes (with calibration), the confusion matrix, slices, where
improvement can come from, and the highest-loss examples with their images. The tables are the ones
`tuneup errors` prints (errors/render.py), so the numbers are the ErrorReport's, never recomputed."""
from __future__ import annotations

from tuneup.errors import render as er
from tuneup.report import html as h
from tuneup.report.charts import Series, hbar_chart, line_chart
from tuneup.report.charts.heatmap import heatmap
from tuneup.report.data import ReportData

MATRIX_CLASSES = 20  # more classes than this: the matrix of the classes with the most mistakes
BAR_ROWS = 20


def _table(found, numeric_from: int = 1) -> str:
    """One of `tuneup errors`' tables (title, headers, rows); label columns before `numeric_from`."""
    if not found:
        return ""
    title, headers, rows = found
    return h.table(headers, rows, numeric_from=numeric_from, title=title)


def classes(d: ReportData) -> h.Section | None:
    r = d.errors
    if r is None:
        return None
    parts = [h.para(er.headline(r), "tu-lead")]
    parts += [h.para(f"warning: {w['message']}", "tu-warning") for w in r.warnings]
    line = er.scores_line(r)
    parts.append(h.para(line) if line else "")
    figures = []
    if r.classes is not None:
        worst = sorted(r.classes.rows, key=lambda c: c.f1)[:BAR_ROWS]
        figures.append(h.figure(hbar_chart([(c.name, c.f1, f"{100 * c.f1:.1f}%") for c in worst],
                                           "F1 per class", color="#1f77b4", width=460, label_width=120),
                                "F1 per class" + (f" (the {BAR_ROWS} lowest)" if len(r.classes.rows) > BAR_ROWS else "")))
    if r.scores is not None and r.scores.calibration is not None:
        figures.append(h.figure(calibration_chart(r.scores.calibration),
                                f"calibration: {r.scores.calibration.of} against how often it is right"))
    parts.append(h.row(*figures))
    parts.append(_table(er.class_section(r)) + _table(er.residual_section(r)))
    threshold = er.threshold_line(r)
    parts.append(h.para(threshold, "tu-strong") if threshold else "")
    return h.Section("classes", "Per class" if r.classes is not None else "Errors on dev", "".join(parts))


def calibration_chart(cal) -> str:
    bins = cal.bins
    xs = [b["predicted"] for b in bins]
    return line_chart([Series("perfectly calibrated", [0, 1], [0, 1], "#999", dashed=True),
                       Series("observed", xs, [b["observed"] for b in bins], "#d62728", points=True)],
                      cal.of, "observed rate", f"reliability diagram, ECE {100 * cal.ece:.1f}%", percent=True,
                      x_fmt=lambda v: f"{v:.1f}", width=420, height=300)


def confusion(d: ReportData) -> h.Section | None:
    r = d.errors
    if r is None or r.classes is None or not r.classes.confusion:
        return None
    matrix, labels = r.classes.confusion, [c.name for c in r.classes.rows]
    keep = list(range(len(labels)))
    if len(labels) > MATRIX_CLASSES:
        wrong = [sum(matrix[i]) - matrix[i][i] + sum(row[i] for row in matrix) - matrix[i][i] for i in keep]
        keep = sorted(sorted(keep, key=lambda i: -wrong[i])[:MATRIX_CLASSES])
    shown = [[matrix[i][j] for j in keep] for i in keep]
    names = [labels[i] for i in keep]
    caption = "rows: the true class, columns: the prediction; shade: share of the true class" + (
        f" (the {MATRIX_CLASSES} classes with the most mistakes of {len(labels)})" if len(keep) < len(labels) else "")
    line = er.confused_line(r)
    body = h.figure(heatmap(shown, names, f"confusion matrix of {r.run} on {r.split}"), caption) + (
        h.para(line) if line else "")
    return h.Section("confusion", "Confusion matrix", body)


def slices(d: ReportData) -> h.Section | None:
    r = d.errors
    if r is None:
        return None
    body = _table(er.slice_section(r), 2) + _table(er.weak_section(r)) + _table(er.tag_section(r))
    line = er.weak_line(r)
    body += h.para(line, "tu-muted") if line else ""
    if not body:
        return None
    return h.Section("slices", "Slices: where the errors are", body)


def ceiling(d: ReportData) -> h.Section | None:
    r = d.errors
    if r is None or not r.ceiling:
        return None
    rows = r.ceiling[:BAR_ROWS]
    chart = hbar_chart([(f"{c.kind}: {c.name}", c.max_fall, er._err(r, c.max_fall)) for c in rows],
                       "largest possible fall in error per slice", color="#2ca02c", label_width=220)
    body = h.figure(chart, "how much the overall error could fall if this part were fixed down to human level") \
        + _table(er.ceiling_section(r), 2)
    return h.Section("ceiling", "Where improvement can come from", body + h.notes(r.notes))


def top_losses(d: ReportData) -> h.Section | None:
    r = d.errors
    if r is None or not r.top_losses:
        return None
    gallery = ""
    if d.images:
        cards = []
        for row in r.top_losses:
            if row["id"] in d.images:
                picture = h.png(d.images[row["id"]], f"example {row['id']}", 96)
                cards.append(f'<figure class="tu-example">{picture}'
                             f"<figcaption><b>{h.esc(er._shown(row['y_true']))} → {h.esc(er._shown(row['y_pred']))}"
                             f"</b><br>{h.esc(row['id'])} · loss {row['loss']:.3g}</figcaption></figure>")
        gallery = '<div class="tu-gallery">' + "".join(cards) + "</div>"
    lead = h.para("The examples the model gets most wrong (true → predicted): what do they have in common?")
    return h.Section("top-losses", "Highest-loss examples", lead + gallery + _table(er.loss_section(r), 3))
