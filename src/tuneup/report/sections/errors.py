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
INPUT_COLUMNS = 40  # a top-loss row shows at most this many of its feature and metadata values
CELL_CHARS = 40  # a longer text value is cut there
THUMB_SHOWN = 64  # pixels per side of a top-loss image in the table


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
    """The highest-loss examples as fastai's plot_top_losses shows them: each row with its input (the image,
    or the feature and metadata values) beside truth, prediction, confidence and loss."""
    r = d.errors
    if r is None or not r.top_losses:
        return None
    title, headers, body = er.loss_section(r, show=len(r.top_losses))
    examples = r.top_losses[: len(body)]
    names = _input_columns(examples)
    rows = [cells + [_cell(e["columns"].get(c)) for c in names] for cells, e in zip(body, examples)]
    headers = headers + names
    numeric = [j for j in range(len(headers)) if j >= 3 and (j < len(body[0]) or _numbers(examples, headers[j]))]
    if d.images:
        rows = [[h.png(d.images[e["id"]], f"example {e['id']}", THUMB_SHOWN) if e["id"] in d.images else ""] + row
                for row, e in zip(rows, examples)]
        headers, numeric = ["image"] + headers, [j + 1 for j in numeric]
    hidden = len({c for e in examples for c in e["columns"]}) - len(names)
    lead = h.para("The examples the model gets most wrong, with their inputs: what do they have in common? "
                  "(click a heading to sort)")
    more = h.para(f"{hidden} more columns not shown; `tuneup errors {r.run} --json` lists every value",
                  "tu-muted") if hidden > 0 else ""
    return h.Section("top-losses", "Highest-loss examples",
                     lead + h.table(headers, rows, numeric=numeric, title=title) + more)


def _input_columns(examples: list[dict]) -> list[str]:
    """The columns the examples carry (metadata and features), in their order, at most INPUT_COLUMNS."""
    names: dict[str, None] = {}
    for e in examples:
        names.update(dict.fromkeys(e["columns"]))
    return list(names)[:INPUT_COLUMNS]


def _numbers(examples: list[dict], column: str) -> bool:
    values = [e["columns"].get(column) for e in examples]
    return all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.5g}"  # 20,611 and 0.065012, not 2.061e+04
    text = str(value)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
