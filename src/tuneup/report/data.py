"""Everything a report can show about one run, loaded once: the run folder's files, the diagnosis, the
error analysis, a saved learning curve, and what other steps left behind (monitor.json, check.json,
an improve session's improve.json, a sweep's sweep.json). A part that is absent stays None and its section is left out; a part
that could not be computed says why in `missing` (the page lists it at the end)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup._io import read_json
from tuneup.exceptions import UserError
from tuneup.diagnose.render import fmt_error
from tuneup.runs import CHECK, IMPROVE, MONITOR, SWEEP, TRIAL, Run, sweep_file

THUMB = 96  # pixels per side of a top-loss image


@dataclass
class ReportData:
    run: Run | None = None
    summary: dict[str, Any] | None = None
    history: list[dict] = field(default_factory=list)
    diagnosis: Any = None  # Diagnosis
    errors: Any = None  # ErrorReport (dev)
    images: dict[str, bytes] = field(default_factory=dict)  # top-loss example id -> PNG
    curve: Any = None  # LearningCurve saved for this run's config
    monitor: dict | None = None
    check: dict | None = None
    improve: dict | None = None
    sweep: dict | None = None
    missing: list[str] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)

    @property
    def error_in_units(self) -> bool:
        source = self.summary or (self.diagnosis.__dict__ if self.diagnosis is not None else {})
        return bool(source.get("error_in_units"))

    def fmt(self, value: float | None) -> str:
        return fmt_error(value, {"error_in_units": self.error_in_units})

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        yield
        self.timing[name] = round(time.perf_counter() - start, 4)


def load(run: Run | str | Path, diagnosis=None, errors=None, quick: bool = False) -> ReportData:
    """Read and compute every part of the report. `diagnosis` / `errors`: already computed (tuneup run
    has the diagnosis it printed); `quick`: the diagnosis reads only the run folder (no measuring)."""
    run = Run.open(run)
    d = ReportData(run=run)
    with _progress.task(f"reading and analysing {run.name} for its report", total=4) as bar:
        with d.stage("run"):
            d.summary, d.history = run.summary, run.history
        with d.stage("diagnosis"):
            d.diagnosis = diagnosis if diagnosis is not None else _diagnose(run, quick)
        bar.advance(note="diagnosed")
        with d.stage("errors"):
            d.errors = errors if errors is not None else _errors(run, d)
        bar.advance(note="errors analysed")
        with d.stage("images"):
            d.images = _images(run, d)
        bar.advance(note="example images drawn")
        with d.stage("files"):
            _saved_parts(run, d)
        bar.advance(note="saved analyses read")
    return d


def _diagnose(run: Run, quick: bool):
    from tuneup.diagnose.diagnosis import diagnose

    return diagnose(run, measure=not quick)


def _errors(run: Run, d: ReportData):
    """The dev error analysis (nothing written: no threshold.json); None, with the reason, when the run's
    data cannot be read again."""
    if "dev" not in run.prediction_splits():
        return None
    from tuneup.errors.asked import FILE as ASKED
    from tuneup.errors.asked import asked_slices
    from tuneup.errors.analysis import errors

    try:
        asked = asked_slices(run.path)  # slices `tuneup errors --by` computed before
    except UserError as e:
        d.missing.append(f"{ASKED}: {e}")
        asked = []
    try:
        return errors(run, split="dev", save=False, more_by=asked)
    except UserError as e:
        if asked:  # a column asked for earlier that the data no longer has: the default slices still show
            d.missing.append(f"{ASKED}: {e}")
            return _errors_without_asked(run, d)
        d.missing.append(f"error analysis: {e}")
        return None


def _errors_without_asked(run: Run, d: ReportData):
    from tuneup.errors.analysis import errors

    try:
        return errors(run, split="dev", save=False)
    except UserError as e:
        d.missing.append(f"error analysis: {e}")
        return None


def _images(run: Run, d: ReportData) -> dict[str, bytes]:
    if d.errors is None or not d.errors.top_losses or d.summary["data"].get("kind") != "image":
        return {}
    from tuneup.errors.images import example_images, png_bytes

    ids = [r["id"] for r in d.errors.top_losses]
    try:
        pictures = example_images(run, ids)
    except UserError as e:
        d.missing.append(f"top-loss images: {e}")
        return {}
    return {i: png_bytes(p, THUMB) for i, p in zip(ids, pictures)}


def _saved_parts(run: Run, d: ReportData) -> None:
    from tuneup.diagnose.curves import saved_curve

    try:
        d.curve = saved_curve(run)
    except (TypeError, KeyError) as e:  # a curve saved by another version of tuneup
        d.missing.append(f"learning curve: a saved curve could not be read ({e})")
    d.monitor = _json(run.path / MONITOR, d)
    d.check = _json(run.path / CHECK, d)
    d.improve = _in_runs_folder(run, f"*/{IMPROVE}", d)  # <runs>/<name>-improve-NNN/improve.json
    d.sweep = _sweep(run, d)


def _json(path: Path, d: ReportData) -> dict | None:
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except (OSError, ValueError) as e:
        d.missing.append(f"{path.name}: not readable ({e})")
        return None
    if not isinstance(data, dict):
        d.missing.append(f"{path.name}: not a JSON object")
        return None
    return data


def _sweep(run: Run, d: ReportData) -> dict | None:
    """The sweep this run was a trial of: named by the trial's trial.json, else found by its run name."""
    trial = _json(run.path / TRIAL, d)
    if trial and trial.get("study"):
        found = _json(run.root / sweep_file(trial["study"]), d)
        if found:
            return found
    return _in_runs_folder(run, f"*{SWEEP}", d)


def _in_runs_folder(run: Run, pattern: str, d: ReportData) -> dict | None:
    """The newest file in the runs folder that names this run (as its best run, or in a step or trial)."""
    for path in sorted(run.root.glob(pattern), key=lambda p: p.stat().st_mtime, reverse=True):
        data = _json(path, d)
        if data and run.name in _run_names(data):
            return data
    return None


NAMED_BY = ("run", "best_run", "final_run", "incumbent", "chosen")  # keys whose values name run folders


def _run_names(data: Any) -> set[str]:
    """Every run folder a sweep or improve file names, anywhere in it (trials, best, steps, candidates),
    as folder names (sweeps record full paths)."""
    if isinstance(data, list):
        return set().union(*(_run_names(v) for v in data)) if data else set()
    if not isinstance(data, dict):
        return set()
    names = {Path(v).name for k, v in data.items() if k in NAMED_BY and isinstance(v, str) and v}
    return names.union(*(_run_names(v) for v in data.values() if isinstance(v, (dict, list))))
