"""`tuneup.monitor(run, log=PATH)`: has the input changed, has the model got worse, is the candidate better.

Reads the server's prediction log (tuneup.watch.log), compares it with the run (training split, dev
predictions, dev metric) and returns a `MonitorReport`: plain data first, rendered by watch/render.py.
The last report is also kept in the run folder (`monitor.json`) for the HTML report.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tuneup import _progress
from tuneup import runs as rd
from tuneup.config import Watch
from tuneup.exceptions import ConfigError, DataError
from tuneup.watch import drift as drift_
from tuneup.watch.abtest import ARMS, ABTest, ab_test
from tuneup.watch.audit import audit_sample, import_feedback
from tuneup.watch.log import PredictionLog, read_log
from tuneup.watch.nextgen import export_new_data
from tuneup.watch.performance import LivePerformance, live_performance
from tuneup.watch.result import MonitorReport
from tuneup.data.labels import label_keys
from tuneup.watch.scoring import Scorer
from tuneup.watch.windows import Windows, cut



def monitor(run, log: str | Path, since: str | pd.Timestamp | None = None, *, window: str | None = None,
            settings: dict[str, Any] | None = None, audit: int | None = None, audit_out: str | Path | None = None,
            export_new_data_to: str | Path | None = None, import_feedback_from: str | Path | None = None,
            save: bool = True) -> MonitorReport:
    """Monitor `run` (a Run, its folder or its name) from the prediction log at `log`.

    since: only predictions at or after this time (ISO-8601, or 30m / 24h / 7d back from now).
    window: time window length (1h, 1D, ...; default watch.window). settings: watch.* overrides.
    audit + audit_out: also write a stratified sample of `audit` unlabelled predictions to label.
    export_new_data_to: also write the labelled production examples as a data source (CSV).
    import_feedback_from: first append the labels filled into an audit CSV to the log as feedback.
    """
    from tuneup.runs import Run

    run = Run.open(run)
    summary = run.summary  # an unfinished run raises here, with how to finish it
    cfg = watch_settings(run, settings, window)
    if (audit is None) != (audit_out is None):
        raise ConfigError("--audit N and --audit-out FILE go together: how many predictions to sample, and where")
    times: dict[str, float] = {}
    scorer = Scorer(run)
    imported = None
    if import_feedback_from is not None:
        imported = import_feedback(log, import_feedback_from, scorer)
    with _stage(times, "read_log"):
        plog = read_log(log, since)
    if len(plog.predictions) == 0:
        when = f" since {plog.since}" if plog.since is not None else ""
        raise DataError(f"--log {log}: no predictions{when} in {len(plog.files)} file(s); nothing to monitor")
    windows = cut(plog.predictions["time"], cfg.window)
    with _stage(times, "data_drift"):
        data = _data_drift(run, plog, windows, cfg)
    mine = (plog.predictions["model"].astype(str) == run.name).to_numpy()
    notes = _log_notes(plog, run, mine)
    with _stage(times, "prediction_drift"):
        predicted = _prediction_drift(run, scorer, plog, mine, windows, cfg) if mine.any() else None
    with _stage(times, "performance"):
        perf = _performance(run, scorer, plog, mine, windows, cfg) if mine.any() else None
    with _stage(times, "ab_test"):
        ab = _ab(scorer, plog, cfg)
    audited = audit_sample(plog, audit, audit_out, scorer.task, cfg.seed) if audit is not None else None
    new_data = export_new_data(plog, run, export_new_data_to) if export_new_data_to is not None else None
    report = MonitorReport(
        run=run.name, task=scorer.task, metric=summary["metric"], error_of=summary["error_of"], log=plog.summary(),
        windows={"length": windows.label, "count": len(windows)}, settings=cfg.model_dump(), data_drift=data,
        prediction_drift=predicted, performance=perf, ab_test=ab, notes=notes, timing=times, audit=audited,
        new_data=new_data, imported=imported,
    )
    if save:
        _save(run, report)
    return report


def watch_settings(run, overrides: dict[str, Any] | None, window: str | None) -> Watch:
    """The run's watch: section, with `watch.*` overrides (--set) and --window on top."""
    overrides = dict(overrides or {})
    if window is not None:
        overrides["watch.window"] = window
    wrong = [k for k in overrides if not k.startswith("watch.")]
    if wrong:
        raise ConfigError(f"--set {wrong[0]}: monitor reads only watch.* settings (e.g. --set watch.drift_auc=0.8); "
                          f"keys: {', '.join(Watch.model_fields)}")
    return run.config.with_overrides(overrides).watch if overrides else run.config.watch


class _stage:
    """Time a stage into `times` (the benchmark and --json show where the seconds go)."""

    def __init__(self, times: dict[str, float], name: str):
        self.times, self.name = times, name

    def __enter__(self):
        self.start = time.perf_counter()

    def __exit__(self, *exc):
        self.times[self.name] = round(time.perf_counter() - self.start, 4)


def _data_drift(run, plog: PredictionLog, windows: Windows, cfg: Watch) -> drift_.DataDrift:
    from tuneup.watch.reference import load_reference

    ref = load_reference(run, cfg.reference, cfg.seed)
    if ref.images is None:
        return drift_.data_drift(ref.frame, plog.inputs, ref.types, windows, cfg.min_rows, ref.label, cfg.seed)
    from tuneup.watch import images

    stats, source, pixels = images.current_stats(plog, run)
    found = drift_.data_drift(ref.frame, stats, ref.types, windows, cfg.min_rows, ref.label, cfg.seed)
    found.images = {"source": source, "medians": images.medians(ref.frame, stats)}
    if pixels is not None and len(pixels) >= 50 and run.family is None:  # linear, hgb: no learned features
        found.embedding = images.embedding_shift(run, ref.images, pixels, cfg.seed)
    return found


def _log_notes(plog: PredictionLog, run, mine: np.ndarray) -> list[str]:
    notes = []
    if plog.truncated:
        notes.append(f"{plog.truncated} last line(s) cut short (a server killed mid-write) were skipped")
    for kind, n in plog.ignored.items():
        notes.append(f"{n} log lines of type '{kind}' were ignored (only prediction and feedback lines count)")
    if not mine.any():
        models = ", ".join(sorted(map(str, plog.predictions["model"].dropna().unique())))
        notes.append(f"no logged predictions come from '{run.name}' (models in the log: {models}): only the inputs "
                     "were compared; pass the run that served them to see predictions and live performance")
    if run.config.data.target is not None and run.config.watch.reference == "train":
        notes.append("this run trained on data.train and was judged on data.target: inputs are compared with the "
                     "training split, so the known mismatch shows too (--set watch.reference=dev compares with dev)")
    return notes


def _prediction_drift(run, scorer: Scorer, plog: PredictionLog, mine: np.ndarray, windows: Windows,
                      cfg: Watch) -> drift_.PredictionDrift:
    dev = scorer.dev_predictions(run)
    live = plog.take(np.flatnonzero(mine))
    name, dev_score, live_score = _scores(scorer, dev, live)
    classify = scorer.task in ("binary", "multiclass")
    dev_frame = pd.DataFrame({"prediction": label_keys(dev["y_pred"]) if classify else None, "score": dev_score})
    live_frame = pd.DataFrame({"prediction": label_keys(live.predictions["prediction"]) if classify else None,
                               "score": live_score})
    return drift_.prediction_drift(dev_frame, live_frame, windows.subset(mine), cfg.min_rows, name,
                                   f"dev predictions ({len(dev):,})")


def _scores(scorer: Scorer, dev: pd.DataFrame, live: PredictionLog) -> tuple[str, np.ndarray, np.ndarray]:
    """The number each prediction carries: P(positive), the top probability, or the predicted value."""
    from tuneup.watch.audit import confidence

    if scorer.task == "regression":
        return ("prediction", dev["y_pred"].to_numpy(np.float64),
                pd.to_numeric(live.predictions["prediction"], errors="coerce").to_numpy(np.float64))
    if scorer.task == "binary":
        live_score = pd.to_numeric(live.predictions["score"], errors="coerce").to_numpy(np.float64)
        return f"P({scorer.classes[1]})", dev["score"].to_numpy(np.float64), live_score
    dev_conf = dev[[c for c in dev.columns if c.startswith("p:")]].max(axis=1).to_numpy(np.float64)
    live_conf = confidence(live, scorer.task)
    return "top probability", dev_conf, live_conf if live_conf is not None else np.full(len(live.predictions), np.nan)


def _performance(run, scorer: Scorer, plog: PredictionLog, mine: np.ndarray, windows: Windows,
                 cfg: Watch) -> LivePerformance:
    dev = scorer.from_dev(scorer.dev_predictions(run))
    labelled = mine & plog.labelled
    part = plog.take(np.flatnonzero(labelled))
    live, ok = scorer.from_log(part.predictions, part.probabilities)
    rows = np.flatnonzero(labelled)[ok]
    keep = np.zeros(len(mine), dtype=bool)
    keep[rows] = True
    return live_performance(scorer, dev, live, windows.subset(keep), cfg, unscored=int((~ok).sum()))


def _ab(scorer: Scorer, plog: PredictionLog, cfg: Watch) -> ABTest | None:
    variants = plog.predictions["variant"].astype(str)
    if not all((variants == v).any() for v in ARMS):
        return None
    arms = {}
    for arm in ARMS:
        rows = (variants == arm).to_numpy()
        part = plog.take(np.flatnonzero(rows & plog.labelled))
        outcomes, _ = scorer.from_log(part.predictions, part.probabilities)
        models = sorted(map(str, plog.predictions.loc[rows, "model"].dropna().unique()))
        arms[arm] = (outcomes, models, int(rows.sum()))
    return ab_test(scorer, arms, cfg)


def _save(run, report: MonitorReport) -> None:
    from tuneup._io import write_json

    try:
        write_json(run.path / rd.MONITOR, report.to_dict())
    except OSError as e:  # a read-only run folder: the report on screen is what matters
        _progress.warn(f"could not keep the report in {run.path / rd.MONITOR} ({e.strerror})")
