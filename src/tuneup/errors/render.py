"""An `ErrorReport` for people: one screen of rich tables in a terminal, HTML in a notebook.
Computed data in, text out; the numbers are the report's, never recomputed here."""
from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from tuneup.diagnose.render import fmt_error

SHOW_CLASSES = 12
SHOW_SLICE_ROWS = 8
SHOW_CEILING = 10
SHOW_LOSSES = 5


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _num(v: float | None) -> str:
    return "-" if v is None else f"{v:.4g}"


def _err(report, v: float | None) -> str:
    """An error in the measure's units: a percentage for the error rate, a number for RMSE and the like."""
    return fmt_error(v, {"error_in_units": report.measure not in ("error rate", "1 - R²")})


def _ci(report, ci) -> str:
    return f"[{_err(report, ci[0])}, {_err(report, ci[1])}]" if ci else ""


def _diff(report, value: float, ci) -> str:
    """`+7.3% [+2.4, +12.0]`: the interval in the same units, without repeating them."""
    if report.measure in ("error rate", "1 - R²"):
        return f"{100 * value:+.1f}% [{100 * ci[0]:+.1f}, {100 * ci[1]:+.1f}]"
    return f"{value:+.4g} [{ci[0]:+.4g}, {ci[1]:+.4g}]"


def _metric_differs(report) -> bool:
    """The run's metric per slice says something the error column does not (F1, AUC; not accuracy)."""
    same = {"error rate": "accuracy", "RMSE": "rmse", "MAE": "mae", "MSE": "mse", "1 - R²": "r2"}
    return same.get(report.measure) != report.metric


# ---- sections as (title, headers, rows): one computation feeds both renderings ----------------------
def headline(report) -> str:
    value = "-" if report.metric_value is None else f"{report.metric_value:.4g}"
    human = "" if report.human_level_error is None else f" · human-level {report.human_level_error:g}"
    return (f"{report.run or 'examples'} · {report.split} · {report.n:,} examples · {report.metric} {value} · "
            f"{report.measure} {_err(report, report.error)} {_ci(report, report.error_ci)}{human}")


def class_section(report):
    if report.classes is None:
        return None
    rare = {r["class"]: r["train_examples"] for r in report.rare_classes}
    rows = sorted(report.classes.rows, key=lambda r: r.f1)[:SHOW_CLASSES] if len(report.classes.rows) > SHOW_CLASSES \
        else report.classes.rows
    body = [[r.name, f"{r.support:,}", f"{r.predicted:,}", _pct(r.precision), _pct(r.recall), _pct(r.f1)]
            + ([f"rare: {rare[r.name]} in train" if r.name in rare else ""] if rare else []) for r in rows]
    for name, a in report.classes.averages.items():
        body.append([f"{name} avg", "", "", _pct(a["precision"]), _pct(a["recall"]), _pct(a["f1"])]
                    + ([""] if rare else []))
    more = len(report.classes.rows) > SHOW_CLASSES
    title = "per class" + (f" (the {SHOW_CLASSES} with the lowest F1)" if more else "")
    return title, ["class", "support", "predicted", "precision", "recall", "F1"] + (["train"] if rare else []), body


def confused_line(report) -> str | None:
    if report.classes is None or not report.classes.most_confused:
        return None
    pairs = [f"{p['true']} -> {p['predicted']}: {p['count']} ({_pct(p['share_of_true'])} of {p['true']})"
             for p in report.classes.most_confused[:5]]
    return "most confused (true -> predicted): " + "; ".join(pairs)


def scores_line(report) -> str | None:
    s = report.scores
    if s is not None:
        ece = "" if s.calibration is None else f" · ECE {_pct(s.calibration.ece)} ({s.calibration.of})"
        return f"ROC AUC {_num(s.roc_auc)} · PR AUC {_num(s.pr_auc)} · log loss {_num(s.log_loss)}{ece}"
    r = report.regression
    if r is not None:
        return f"MAE {_num(r.mae)} · RMSE {_num(r.rmse)} · R² {_num(r.r2)}"
    return None


def residual_section(report):
    r = report.regression
    if r is None:
        return None
    body = [[f"[{_num(b['lower'])}, {_num(b['upper'])}]", f"{b['count']:,}", _num(b["mean_residual"]),
             _num(b["mae"]), _num(b["rmse"])] for b in r.by_target]
    return "residuals by true value", ["target", "n", "mean residual", "MAE", "RMSE"], body


def slice_section(report):
    if not report.slices:
        return None
    body = []
    metric = _metric_differs(report)
    for table in report.slices:
        rows = sorted(table.rows, key=lambda r: -r.diff)[:SHOW_SLICE_ROWS]
        for r in rows:
            flag = "worse" if r.worse else "better" if r.better else ""
            body.append([table.column, r.value, f"{r.n:,}", _pct(r.share), _err(report, r.error),
                         _diff(report, r.diff, r.diff_ci)] + ([_num(r.metric)] if metric else []) + [flag])
    headers = ["column", "value", "n", "share", report.measure, "vs overall [95%]"]
    return "slices", headers + ([report.metric] if metric else []) + [""], body


def weak_section(report):
    w = report.weak
    if w is None or not w.slices:
        return None
    body = [[s.rule, f"{s.n:,}", _pct(s.share), _err(report, s.error), _diff(report, s.excess, s.excess_ci),
             f"{s.p_value:.1g}"] for s in w.slices]
    return (f"weak slices (found on one half, measured on the other {w.tested_on:,} examples)",
            ["rule", "n", "share", report.measure, "vs overall [95%]", "p"], body)


def weak_line(report) -> str | None:
    w = report.weak
    if w is None or w.slices:
        return None
    if w.note:
        return f"weak slices: not searched ({w.note})"
    return (f"weak slices: none clearly worse than overall ({w.proposals} proposals tested on {w.tested_on:,} "
            f"held-out examples, family-wise alpha {w.alpha:g})")


def tag_section(report):
    t = report.tags
    if t is None:
        return None
    body = [[r.tag, f"{r.n:,}", f"{r.errors:,}", f"{_pct(r.share_of_errors)} {_pct_ci(r.share_ci)}",
             _pct(r.error_rate), _err(report, r.max_fall)] for r in t.rows]
    return (f"tags ({t.reviewed:,} examples reviewed, {t.reviewed_errors:,} of them errors)",
            ["tag", "tagged", "errors", "share of errors", "error rate", "max fall"], body)


def _pct_ci(ci) -> str:
    return "" if ci is None else f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def ceiling_section(report):
    if not report.ceiling:
        return None
    body = [[r.kind, r.name, _pct(r.share), _pct(r.share_of_errors), _err(report, r.error),
             _err(report, r.human) if r.human is not None else "-", _err(report, r.max_fall)]
            for r in report.ceiling[:SHOW_CEILING]]
    return ("where improvement can come from: max fall = share x (error - human level)",
            ["kind", "slice", "of data", "of errors", report.measure, "human", "max fall"], body)


def loss_section(report, show: int = SHOW_LOSSES):
    if not report.top_losses:
        return None
    sure = {"binary": ("score", "score"), "multiclass": ("p_pred", "p(pred)")}.get(report.task)
    body = [[r["id"], _shown(r["y_true"]), _shown(r["y_pred"])] + ([_num(r.get(sure[0]))] if sure else [])
            + [_num(r["loss"])] for r in report.top_losses[:show]]
    return "highest loss", ["id", "true", "predicted"] + ([sure[1]] if sure else []) + ["loss"], body


def _shown(value) -> str:
    return _num(value) if isinstance(value, float) else str(value)


def threshold_line(report) -> str | None:
    t = report.threshold
    if t is None:
        in_use = getattr(report, "threshold_in_use", None)
        return None if in_use is None else f"decision threshold: {in_use}"
    goal = f"{t.objective} >= {t.target:g}" if t.target is not None else f"max {t.objective.replace('_', ' ')}"
    d = t.at_default
    saved = f"; saved to {report.threshold_saved}" if report.threshold_saved else ""
    return (f"threshold {t.threshold:.4g} ({goal} on {t.split}): precision {_pct(t.precision)}, recall "
            f"{_pct(t.recall)}, F1 {_pct(t.f1)} (at 0.5: {_pct(d['precision'])}, {_pct(d['recall'])}, "
            f"{_pct(d['f1'])}){saved}")


def sample_line(report) -> str | None:
    s = report.sample
    if s is None:
        return None
    png = f" and {s.png}" if s.png else ""
    return (f"wrote {s.n} of {s.of} {report.split} errors to {s.csv}{png}; fill in its tags column and run "
            f"`tuneup errors {report.run} --tags {s.csv}`")


SECTIONS = (class_section, residual_section, slice_section, weak_section, tag_section, ceiling_section, loss_section)


# ---- terminal --------------------------------------------------------------------------------------
def report_renderable(report) -> Group:
    parts: list = [Text(headline(report), style="bold")]
    parts += [Text(f"warning: {w['message']}", style="yellow") for w in report.warnings]
    for line in (scores_line(report), confused_line(report)):
        if line:
            parts.append(Text(line))
    for section in SECTIONS:
        found = section(report)
        if found:
            parts.append(_rich_table(*found))
        if section is weak_section and weak_line(report):
            parts.append(Text(weak_line(report), style="dim"))
    for line in (threshold_line(report), sample_line(report)):
        if line:
            parts.append(Text(line, style="bold"))
    parts += [Text(note, style="dim") for note in report.notes]
    return Group(*parts)


def _rich_table(title: str, headers: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title, title_justify="left", pad_edge=False, box=box.SIMPLE_HEAD)
    for i, h in enumerate(headers):
        table.add_column(h, justify="left" if i < 2 else "right")
    for row in rows:
        style = "red" if row[-1] == "worse" else "green" if row[-1] == "better" else None
        table.add_row(*row, style=style)
    return table
