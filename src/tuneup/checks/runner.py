"""`tuneup.check(cfg)`: load, split and run every check, timing each; and the gate `tuneup run` passes
first (errors stop it unless forced, warnings are printed, the report is kept for the run folder)."""
from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup._threads import one_thread
from tuneup.checks import classes, columns, conflicts, distribution, duplicates, label_errors, leakage, split_values
from tuneup.checks.context import CheckData, feature_types, load
from tuneup.checks.result import CheckReport, ChecksFailed, Finding
from tuneup.config import Config, load_config

Check = Callable[[CheckData], tuple[dict[str, Any], list[Finding]]]
CHECKS: dict[str, Check] = {
    "columns": columns.check,
    "classes": classes.check,
    "leakage": leakage.check,
    "split_values": split_values.check,
    "duplicates": duplicates.check,
    "conflicting_labels": conflicts.check,
    "shift": distribution.check,
    "label_errors": label_errors.check,
}


def check(cfg: Config | str | Path | dict, overrides: dict[str, Any] | None = None,
          progress: bool = True) -> CheckReport:
    """Understand and validate the data of a config before trusting any number trained on it."""
    cfg = load_config(cfg, overrides)
    started = time.perf_counter()
    data = load(cfg)
    return run_checks(data, {"load_and_split": time.perf_counter() - started}, progress)


def run_checks(data: CheckData, timing: dict[str, float] | None = None, progress: bool = True) -> CheckReport:
    timing = dict(timing or {})
    started = time.perf_counter()
    sections: dict[str, dict[str, Any]] = {}
    findings: list[Finding] = []
    bar_or_not = _progress.task("checking the data", total=len(CHECKS)) if progress else nullcontext(None)
    with bar_or_not as bar, one_thread():
        for name, run in CHECKS.items():
            t0 = time.perf_counter()
            sections[name], found = run(data)
            findings.extend(found)
            timing[name] = time.perf_counter() - t0
            if bar is not None:
                bar.advance(note=f"{name} ({timing[name]:.1f}s)")
    timing["checks"] = time.perf_counter() - started
    return CheckReport(overview(data), findings, sections, timing)


def overview(data: CheckData) -> dict[str, Any]:
    ds, cfg = data.dataset, data.cfg
    return {
        "config": cfg.source_name, "name": cfg.name, "kind": ds.kind, "task": cfg.task, "metric": cfg.metric,
        "inferred": data.notes, "rows": len(ds), "sources": ds.sources, "splits": data.splits.sizes(),
        "target": ds.target_name,
        "features": len(data.types) if ds.kind == "table" else None,
        "image_shape": list(ds.images.shape[1:]) if ds.kind == "image" else None,
    }


# ---- the gate in front of `tuneup run` ------------------------------------------------------------
# The improve loop and sweeps call `tuneup.run` many times on one prepared data set: check it once per
# data set (held weakly) and per setting the advice depends on.
_cache: dict[str, Any] = {"dataset": None, "splits": None, "reports": {}}
_said: set[str] = set()  # warnings said in full in this process: an improve session alternating data settings
# (20% of the target in training, then none) prepares the data again for each, and finds the same ones again


def before_run(prepared, force: bool = False, progress: bool = True) -> CheckReport:
    """Check the split data (`pipeline.Staged`, before encoding, or `Prepared`); print warnings; raise
    ChecksFailed on errors unless `force`."""
    cfg = prepared.cfg
    settings = (cfg.metric, cfg.train.class_weights, cfg.data.split.target_in_train, tuple(map(str, cfg.data.drop)))
    same_data = _cache["dataset"] is not None and _cache["dataset"]() is prepared.dataset \
        and _cache["splits"]() is prepared.splits
    if not same_data:
        _cache.update(dataset=weakref.ref(prepared.dataset), splits=weakref.ref(prepared.splits), reports={})
    report = _cache["reports"].get(settings)
    if report is None:
        data = CheckData(cfg, prepared.dataset, prepared.splits, feature_types(prepared.dataset, cfg),
                         [str(n) for n in prepared.notes])
        report = _cache["reports"][settings] = run_checks(data, progress=progress)
    _say(report)
    if report.errors and not force:
        raise ChecksFailed(report, _config_name(cfg))
    for f in report.errors:
        _progress.warn(f"check error, going on because of --force: {f.line()}")
    return report


def _say(report: CheckReport) -> None:
    """Each warning in full the first time this process finds it; the rest counted in one line."""
    lines = [f.line() for f in report.warnings]
    new = [line for line in lines if line not in _said]
    for line in new:
        _progress.warn(f"check: {line}")
    again = len(lines) - len(new)
    if again:
        _progress.info(f"check: {again} more warning{'s' if again > 1 else ''} as before")
    _said.update(lines)


def _config_name(cfg: Config) -> str:
    name = cfg.source_name
    return name if name and name != "config" else "CONFIG"
