"""The run's own sections: the header with the verdict, the error ladder with the remedies, the
baselines, the per-epoch curves and the learning curve. Each takes the loaded data and returns a
Section, or None when it has nothing to show."""
from __future__ import annotations

import math
import shlex

from tuneup.diagnose.render import (
    DIAGNOSIS_COLUMNS,
    GAP_LABELS,
    RUNG_LABELS,
    baseline_rows,
    bias_reference,
    curve_fit_lines,
    diagnosis_cells,
    diagnosis_rows,
    ladder_rows,
    on_config,
    remedy_command,
    signed_error,
)
from tuneup.exceptions import counted
from tuneup.report import html as h
from tuneup.report.charts import Gap, LadderChart, Mark, Rung, Series, ladder_chart, line_chart
from tuneup.report.data import ReportData
from tuneup.runs import CONFIG

SPLIT_COLORS = {"human": "#7f7f7f", "train": "#1f77b4", "train_dev": "#9467bd", "dev": "#d62728",
                "test": "#2ca02c"}


# ---- header ----------------------------------------------------------------------------------------
def header(d: ReportData) -> h.Section | None:
    diag, s = d.diagnosis, d.summary
    if diag is None and s is None:
        return None
    parts = []
    if diag is not None:
        kind = "ok" if diag.verdict == "ok" else "problem"
        parts.append(f'<p class="tu-verdict tu-{kind}">{h.esc(diag.sentence)}</p>')
    if s is not None:
        parts.append(_tiles(d))
        parts.append(_facts(s))
    return h.Section("summary", "In one look", "".join(parts))


def _tiles(d: ReportData) -> str:
    """The ladder's numbers as large figures, each with its interval."""
    s, diag = d.summary, d.diagnosis
    intervals = diag.intervals["ladder"] if diag is not None else {}
    tiles = []
    for rung in ("human", "train", "train_dev", "dev", "test"):
        value = s["ladder"].get(rung)
        if value is None:
            continue
        iv = intervals.get(rung)
        band = f"{d.fmt(iv.low)} to {d.fmt(iv.high)}" if iv is not None and iv.method != "exact" and \
            math.isfinite(iv.low) else ("given" if rung == "human" else "")
        tiles.append(f'<div class="tu-tile"><div class="tu-tile-label">{h.esc(RUNG_LABELS[rung])} error</div>'
                     f'<div class="tu-tile-value" style="color:{SPLIT_COLORS[rung]}">{h.esc(d.fmt(value))}</div>'
                     f'<div class="tu-tile-band">{h.esc(band)}</div></div>')
    return '<div class="tu-tiles">' + "".join(tiles) + "</div>"


def _facts(s: dict) -> str:
    data, t = s["data"], s["training"]
    sources = "; ".join(f"{role}: {src.get('path')} ({src.get('rows', '?'):,} rows)" if isinstance(src.get("rows"), int)
                        else f"{role}: {src.get('path')}" for role, src in (data.get("sources") or {}).items())
    sizes = " · ".join(f"{RUNG_LABELS.get(k, k)} {v:,}" for k, v in (data.get("split_sizes") or {}).items())
    classes = data.get("classes") or []
    shape = data.get("image_shape")
    what = (f"images {'x'.join(map(str, shape))}" if shape else f"{data.get('n_features')} features") \
        + (f", {len(classes)} classes" if classes and s["task"] != "regression" else "")
    facts = [
        ("task", f"{s['task']} · metric {s['metric']} · error = {s['error_of']}"),
        ("data", f"{data.get('kind')}: {what}"),
        ("sources", sources), ("splits", sizes),
        ("model", f"{t['model']}, {t['parameters']:,} parameters, on {t['device']}"),
        ("training", f"{t['epochs_run']} epochs{' (stopped early)' if t.get('stopped_early') else ''}, "
                     f"kept epoch {t['best_epoch']}, {s['timing'].get('train_s', 0):.1f} s"),
        ("test", "evaluated once, at the end (--final)" if s.get("final") else
         "not looked at (tuneup run --final evaluates it once, at the end)"),
        ("created", f"{s.get('created', '')} by tuneup {s.get('tuneup_version', '')}"),
    ]
    rows = "".join(f"<dt>{h.esc(k)}</dt><dd>{h.esc(v)}</dd>" for k, v in facts if v)
    return f'<dl class="tu-facts">{rows}</dl>'


# ---- the error ladder ------------------------------------------------------------------------------
def ladder(d: ReportData) -> h.Section | None:
    diag = d.diagnosis
    if diag is None:
        return None
    units = {"error_in_units": diag.error_in_units}
    rows = diagnosis_rows(diag)
    chart = ladder_chart(ladder_spec(rows, units, diag.reference), d.fmt, not diag.error_in_units,
                         f"error ladder of {diag.run}: {diag.error_of}")
    table = h.table(DIAGNOSIS_COLUMNS, [diagnosis_cells(r, units, bias_reference(diag)) for r in rows],
                    strong=[r["verdict"] for r in rows], numeric=(1, 2, 4, 5))
    caption = (f"bars: the network's error on each rung with its {diag.confidence:.0%} interval; arrows: the gaps "
               "(red: the verdict, orange: another problem, grey: within the noise or the tolerance "
               f"of {signed_error(diag.tolerance, units).lstrip('+')})")
    body = h.row(h.figure(chart, caption), remedies_html(diag, "CONFIG" if d.run is None else shlex.quote(str(d.run.path / CONFIG)))) + table
    return h.Section("ladder", "Error ladder and what to do", body + h.notes(diag.notes))


def ladder_spec(rows: list[dict], units: dict, reference: dict | None = None) -> LadderChart:
    """The chart of ladder rows: a diagnosis's (intervals, problems, the verdict) or a summary's (values only).
    `reference`: the diagnosis's `reference`, what avoidable bias is measured from without human level."""
    ref = reference or {}
    rungs, gaps = [], []
    for i, r in enumerate(rows):
        iv = r.get("interval")
        shown = iv is not None and iv.method != "exact" and math.isfinite(iv.low)
        rungs.append(Rung(RUNG_LABELS[r["rung"]], r["error"], iv.low if shown else None, iv.high if shown else None,
                          SPLIT_COLORS[r["rung"]]))
        if r["gap"] and r["gap_value"] is not None:
            # avoidable bias with no human-level rung starts from the reference (a baseline, or zero)
            start = (ref.get("error") or 0.0) if i == 0 else None
            state = "verdict" if r.get("verdict") else "problem" if r.get("problem") else "ok"
            gaps.append(Gap(GAP_LABELS[r["gap"]], i, signed_error(r["gap_value"], units), state, start))
    names = list(rows[0]["baselines"]) if rows else []
    baselines = {n: [r["baselines"].get(n) for r in rows] for n in names if n != "majority" or len(names) == 1}
    line = None
    if ref.get("against") == "baseline":
        b = ref["best_baseline"]
        line = (b["error"], f"{b['name']} baseline's {RUNG_LABELS.get(b['split'], b['split'])} error")
    return LadderChart(rungs, gaps, baselines, line)


def summary_ladder(d: ReportData) -> h.Section | None:
    """The ladder from summary.json alone (no diagnosis: no intervals, nothing judged), for a quick look."""
    s = d.summary
    if d.diagnosis is not None or not s:
        return None
    units = {"error_in_units": s["error_in_units"]}
    rows = ladder_rows(s)
    if not rows:
        return None
    chart = ladder_chart(ladder_spec(rows, units), d.fmt, not s["error_in_units"], f"error ladder of {s['run']}")
    note = h.para(f"tuneup.diagnose({s['run']!r}) adds intervals, the verdict and the remedies", "tu-muted")
    return h.Section("ladder", "Error ladder", h.figure(chart, "bars: the network's error on each rung; arrows: the "
                                                               "gaps between them") + note)


def remedies_html(diag, config: str = "CONFIG") -> str:
    """The remedies as commands on `config` (the run's own config.yaml), as the terminal shows them."""
    if not diag.remedies and not diag.advice:
        return ""
    parts = ["<h3>Remedies, most promising first</h3><ol class=\"tu-remedies\">"]
    for r in diag.remedies:
        parts.append(f"<li><span class=\"tu-gap\">{h.esc(GAP_LABELS[r.gap])}</span> <b>{h.esc(r.action)}</b>"
                     f"<div>{h.esc(r.why)}</div><code>{h.esc(remedy_command(r, config))}</code></li>")
    parts.append("</ol>")
    parts.append(h.items([on_config(a, config) for a in diag.advice], "tu-advice"))
    return "".join(parts)


# ---- baselines -------------------------------------------------------------------------------------
def baselines(d: ReportData) -> h.Section | None:
    diag = d.diagnosis
    if diag is None or not diag.baselines:
        return None
    rungs, rows = baseline_rows(diag.baselines, diag.ladder, {"error_in_units": diag.error_in_units})
    head = ["model", *(RUNG_LABELS[r] for r in rungs)]
    model = (d.summary or {}).get("training", {}).get("model")
    name = model if model in ("linear", "hgb") else "network"
    network = [f"{name} (this run)", *(d.fmt(diag.ladder.get(r)) for r in rungs)]
    saved = (d.summary or {}).get("baselines", {})
    if saved:  # how each baseline was fitted
        head += ["fitted on", "seconds"]
        network += ["", ""]
        for row in rows:
            b = saved.get(row[0], {})
            row += [f"{b['fit_rows']:,}" if isinstance(b.get("fit_rows"), int) else "-",
                    f"{b['seconds']:.2f}" if isinstance(b.get("seconds"), (int, float)) else "-"]
    body = h.table(head, [network, *rows], strong=[True] + [False] * len(rows))
    lead = h.para("Simple models trained on the same splits: the network should beat them, on dev above all.")
    return h.Section("baselines", "Baselines", lead + body)


# ---- per-epoch curves ------------------------------------------------------------------------------
def training(d: ReportData) -> h.Section | None:
    s, history = d.summary, d.history
    if not s or not history:
        return None
    t = s["training"]
    epochs = [r["epoch"] for r in history]
    splits = [sp for sp in ("train", "train_dev", "dev") if any(isinstance(r.get(sp), dict) for r in history)]
    best = t.get("best_epoch")
    marks = [Mark(best, f"kept: epoch {best}" + (" (early stopping)" if t.get("stopped_early") else ""))] \
        if best else []
    percent = not s["error_in_units"]

    def series(key: str) -> list[Series]:
        return [Series(RUNG_LABELS[sp], epochs, [_value(r, sp, key) for r in history], SPLIT_COLORS[sp],
                       points=len(epochs) <= 40) for sp in splits]

    loss = line_chart(series("loss"), "epoch", "loss", f"{s['run']}: loss per epoch", marks=marks,
                      integer_x=True)
    metric = line_chart(series("metric"), "epoch", s["metric"], f"{s['run']}: {s['metric']} per epoch",
                        percent=percent, marks=marks, integer_x=True)
    figures = [h.figure(loss, "loss per epoch (the training objective)"),
               h.figure(metric, f"{s['metric']} per epoch")]
    lrs = [r.get("lr") for r in history]
    if len({lr for lr in lrs if lr is not None}) > 1:
        figures.append(h.figure(line_chart([Series("learning rate", epochs, lrs, "#555")], "epoch", "learning rate",
                                           "learning rate per epoch", integer_x=True), "learning rate (the schedule)"))
    checks = [c.message for c in d.diagnosis.checks] if d.diagnosis is not None else []
    body = h.row(*figures) + h.items(checks, "tu-checks")
    return h.Section("training", "Training curves", body)


def _value(record: dict, split: str, key: str) -> float | None:
    part = record.get(split)
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


# ---- the learning curve ----------------------------------------------------------------------------
def learning(d: ReportData) -> h.Section | None:
    c = d.curve
    if c is None or not c.sizes:
        return None
    percent = not c.error_in_units
    series = []
    for split in c.splits:
        mean, std = c.mean(split), c.std(split)
        low = [None if m is None or v is None else m - v for m, v in zip(mean, std)]
        high = [None if m is None or v is None else m + v for m, v in zip(mean, std)]
        series.append(Series(f"{RUNG_LABELS[split]} (measured)", c.sizes, mean, SPLIT_COLORS[split], points=True,
                             low=low, high=high))
    for split, fit in c.fits.items():
        xs = [c.sizes[0] * (10 * c.sizes[-1] / c.sizes[0]) ** (k / 40) for k in range(41)]
        series.append(Series(f"{RUNG_LABELS[split]} fit a·n^-b + c", xs, [fit.a * x ** -fit.b + fit.c for x in xs],
                             SPLIT_COLORS[split], dashed=True))
        ahead = [fit.predictions[k] for k in ("2x", "10x") if k in fit.predictions]
        series.append(Series(f"{RUNG_LABELS[split]} expected with 2x, 10x", [p["n"] for p in ahead],
                             [p["error"] for p in ahead], SPLIT_COLORS[split], line=False, hollow=True,
                             low=[p["low"] for p in ahead], high=[p["high"] for p in ahead]))
    chart = line_chart(series, "training examples (log scale)", "error", f"learning curve of {c.name}",
                       percent=percent, log_x=True,
                       marks=[Mark(c.sizes[-1], f"all {c.sizes[-1]:,} training examples")], width=640, height=340)
    caption = (f"mean of {counted(c.repeats, 'seed')} per size, whiskers ±1 std; dashed: the fitted power law, "
               "hollow dots: what 2x and 10x more data of the same kind would give, with intervals")
    body = (f'<p class="tu-answer">{h.esc(c.answer)}</p>' + h.figure(chart, caption)
            + h.items(curve_fit_lines(c)) + h.notes([*c.notes, f"saved in {c.path}"] if c.path else c.notes))
    return h.Section("learning-curve", "Will more data help?", body)
