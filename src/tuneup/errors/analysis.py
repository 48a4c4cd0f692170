"""`tuneup.errors(run)`: where the model fails and where improvement can come from, as plain data.

    report = tuneup.errors(run, split="dev", by=["camera"], tags="tags.csv", sample=100)
    report.to_dict()     # what `tuneup errors --json` prints
    report               # a table in a terminal (rich), HTML in a notebook

`analyse(examples, ...)` computes everything from an `Examples` and writes nothing; `errors(run, ...)`
adds what needs the run folder: its data, human level and training counts, the test ledger, the chosen
threshold (`threshold.json`) and the sample for tagging. Every input is checked before anything is written.
"""
from __future__ import annotations

import dataclasses
import time
from contextlib import contextmanager
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from tuneup import _progress
from tuneup import intervals
from tuneup.errors.asked import FILE as SLICES
from tuneup.errors.asked import remember_slices
from tuneup.errors.ceiling import ceiling_table
from tuneup.errors.curve import BinaryCurve
from tuneup.errors.classes import class_table, rare_classes
from tuneup.errors.examples import Examples
from tuneup.errors.regression import regression_errors
from tuneup.errors.sample import write_sample
from tuneup.errors.scores import probability_scores
from tuneup.errors.skew import skew_warnings
from tuneup.errors.slices import BINS, SliceTable, check_columns, slice_metrics
from tuneup.errors.tags import read_tags, tag_columns, tag_table
from tuneup.errors.threshold import (choose_threshold, describe, load_threshold, parse_objective,
                                     save_threshold)
from tuneup.errors.toploss import TOP, top_losses
from tuneup.errors.weak import find_weak_slices
from tuneup.errors.result import ErrorReport
from tuneup.exceptions import UserError

SAMPLE_FOLDER = "errors"  # inside the run folder


class _Clock:
    """Seconds per stage, for `timing` and bench/errors.py."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def analyse(examples: Examples, by: list[str] | None = None, tags: pd.DataFrame | None = None,
            tags_path: str = "", human: float | None = None, train_counts: dict[str, int] | None = None,
            threshold: str | None = None, top: int = TOP, bins: int = BINS, seed: int = 0, split: str = "dev",
            run: str = "", weak: bool = True, clock: _Clock | None = None,
            more_by: Sequence[str] = ()) -> ErrorReport:
    """Everything about one split's errors, computed and returned; nothing is written. Slices: by `by`
    (default: the metadata), and by `more_by` too."""
    clock = clock or _Clock()
    by = examples.slice_columns() if by is None else list(by)
    by += [c for c in more_by if c not in by]
    check_columns(examples, by)
    if threshold is not None:
        parse_objective(threshold)
    report = _headline(examples, split, run, human)
    with clock.stage("classes"):
        if examples.classification:
            report.classes = class_table(examples)
            report.warnings = skew_warnings(examples, report.classes)
            if train_counts:
                report.rare_classes = rare_classes(report.classes, train_counts)
    curve = None
    with clock.stage("scores"):
        if examples.task == "binary" and examples.proba is not None:
            curve = BinaryCurve.of(examples.y_true, examples.proba)  # one sort for AUCs and the threshold
        report.scores = probability_scores(examples, curve=curve)
        report.regression = regression_errors(examples)
    with clock.stage("slices"):
        report.slices = slice_metrics(examples, by, bins=bins)
    if weak:
        with clock.stage("weak_slices"):
            report.weak = find_weak_slices(examples, seed=seed)
    if tags is not None:
        with clock.stage("tags"):
            report.tags = tag_table(examples, tags, tags_path)
            if report.tags.covers_split:
                report.slices += _tag_slices(examples, tags, bins)
    with clock.stage("ceiling"):
        report.ceiling = ceiling_table(examples, report.slices, report.weak, report.tags, report.classes, human)
    with clock.stage("top_losses"):
        report.top_losses = top_losses(examples, top)
    if threshold is not None and curve is not None:
        with clock.stage("threshold"):
            if curve.positives and curve.negatives:
                report.threshold = choose_threshold(examples.y_true, examples.proba, threshold, split, curve)
            else:
                report.notes.append(f"no threshold: the {split} split holds one class only")
    report.notes += _notes(examples, report, human)
    report.timing = clock.seconds
    return report


def _headline(examples: Examples, split: str, run: str, human: float | None) -> ErrorReport:
    m, e = examples.measure, examples.error
    lo, hi = intervals.mean_interval(e.sum(), (e * e).sum(), len(e), m.binary)
    return ErrorReport(
        run=run, split=split, task=examples.task, metric=examples.metric.name, error_of=examples.metric.error_of,
        measure=m.name, n=len(examples), metric_value=examples.metric_value(), error=examples.overall_error,
        error_ci=(float(m.error(max(float(lo), 0.0))), float(m.error(max(float(hi), 0.0)))),
        human_level_error=human, human_comparable=m.human_comparable,
    )


def _tag_slices(examples: Examples, tags: pd.DataFrame, bins: int) -> list[SliceTable]:
    columns = tag_columns(examples, tags)
    tagged = dataclasses.replace(examples, columns=columns, kinds={c: "tag" for c in columns.columns})
    return slice_metrics(tagged, list(columns.columns), bins=bins)


def _notes(examples: Examples, report: ErrorReport, human: float | None) -> list[str]:
    notes = []
    if examples.classification and examples.metric.name != "accuracy":
        notes.append(f"slices and the ceiling table add up the error rate (share misclassified), which splits "
                     f"into parts; the run's {examples.metric.name} does not, so it is shown per slice beside it")
    if human is not None and not examples.measure.human_comparable:
        notes.append(f"the human-level error {human:g} is in units of {examples.metric.error_of}, not the "
                     f"{examples.measure.name}; the ceiling's bound is a slice with no errors")
    if human is None:
        notes.append("no human-level error in the config (human_level_error): the ceiling's bound is a slice "
                     "with no errors")
    if report.threshold is not None:
        notes.append(f"the threshold is chosen on {report.split}: its {report.split} precision and recall are a "
                     "little optimistic; test measures them honestly, once")
    return notes


# ---- the run-folder half ---------------------------------------------------------------------------
def errors(run, split: str = "dev", by: list[str] | None = None, tags: str | Path | None = None,
           sample: int | None = None, top: int = TOP, bins: int = BINS, threshold: str | None = None,
           save: bool = True, seed: int = 0, more_by: Sequence[str] = ()) -> ErrorReport:
    """Analyse a finished run's errors on `split`. `threshold` (binary, dev): choose a new decision
    threshold by that objective (f1, accuracy, balanced_accuracy, precision=P, recall=R) and (with `save`)
    write it to `threshold.json`, which export and serving then apply; without it the run's own threshold
    stays (`tuneup run` chose one for f1 and balanced accuracy, none for accuracy: 0.5).
    `sample` writes that many misclassified examples to tag. With `save`, the `by` columns are kept in
    `slices.json` for the run's next report, which passes them as `more_by` (slices beside the default)."""
    from tuneup.runs import Run

    run = Run.open(run)
    summary = run.summary
    if sample is not None and sample < 1:
        raise UserError(f"--sample {sample}: give the number of misclassified examples to export (1 or more)")
    if threshold is not None:
        parse_objective(threshold)
    clock = _Clock()
    with _progress.task(f"analysing the errors of {run.name} on {split.replace('_', '-')}", total=2) as bar:
        with clock.stage("load"):
            examples = Examples.from_run(run, split)
        bar.advance(note="data and predictions read")
        if by is not None:
            check_columns(examples, by)
        tag_rows = read_tags(tags, examples, split) if tags is not None else None
        choose = threshold if split != "test" else None
        report = analyse(examples, by, tag_rows, str(tags or ""), summary.get("human_level_error"),
                         _train_counts(run), choose, top, bins, seed, split, run.name, clock=clock, more_by=more_by)
        bar.advance(note="analysed")
    report.path = str(run.path)
    if _is_the_metric(examples):  # the number diagnose shows: its interval, not a second one
        from tuneup.diagnose.bootstrap import split_interval

        iv = split_interval(run, split)
        report.error_ci = (iv.low, iv.high)
    if examples.task == "binary":
        report.threshold_in_use = describe(load_threshold(run.path))
    if split == "test":
        report.notes.append(_record_test_look(run, examples, report))
    if report.threshold is not None and save and split == "dev":
        report.threshold_saved = str(save_threshold(run.path, report.threshold, run.name,
                                                    by=f"tuneup errors --threshold {threshold}"))
    elif report.threshold is not None:
        report.notes.append(f"threshold not saved: only one chosen on dev is written to {run.name}/threshold.json")
    if by and save:
        remember_slices(run.path, by)
        report.notes.append(f"the next report of {run.name} shows these slices too (kept in {run.name}/{SLICES})")
    if sample is not None:
        with clock.stage("sample"):
            report.sample = write_sample(examples, sample, run.path / SAMPLE_FOLDER, split, seed)
    return report


def _is_the_metric(examples: Examples) -> bool:
    """The headline error is the run's own metric's error (accuracy, RMSE, MAE, MSE, R²), not a stand-in
    that adds up over examples (the error rate under F1)."""
    name = examples.metric.name
    return name in ("accuracy", "rmse", "mae", "mse", "r2") and (examples.task == "regression") == (name != "accuracy")


def _train_counts(run) -> dict[str, int] | None:
    if "train" not in run.prediction_splits() or run.encoder.task == "regression":
        return None
    y = run.predictions("train")["y_true"]
    if run.encoder.task == "multilabel":
        y = y.fillna("").astype(str).str.split("|").explode()
    return {str(k): int(v) for k, v in y.astype(str).value_counts().items()}


def _record_test_look(run, examples: Examples, report: ErrorReport) -> str:
    from tuneup import runs as rd

    uses = rd.record_test_use(run.root, run.name, rd.config_fingerprint(run.config), rd.ids_hash(examples.ids),
                              report.metric,
                              None if report.metric_value is None else examples.metric.error(report.metric_value),
                              purpose="errors")
    if uses > 1:
        _progress.warn(f"the test set has now been looked at {uses} times (see {run.root / rd.LEDGER}); "
                       "changing the model because of what test shows makes it a second dev set")
    return (f"test looked at (recorded in the ledger, {uses} looks so far); nothing is chosen on test: "
            "no threshold, and what you change after reading this is tuned on test")

