"""`tuneup.run(cfg)`: check the data, then train and evaluate one configuration into a new run folder
(`pipeline.train_into`), with K-fold models beside it when the config asks; `resume` continues an
unfinished one."""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np

from tuneup import _progress
from tuneup import runs as rd
from tuneup._io import write_json
from tuneup.config import Config, load_config
from tuneup.exceptions import ConfigError, UserError
from tuneup.pipeline.folder import absolute_paths, write_inputs
from tuneup.pipeline.preparation import Prepared, as_resolved, prepare
from tuneup.pipeline.staging import Staged
from tuneup.pipeline.training import train_into
from tuneup.train.loop import Callback


def run(
    cfg: Config | str | Path,
    overrides: dict[str, Any] | None = None,
    name: str | None = None,
    final: bool = False,
    resume: str | Path | None = None,
    callbacks: list[Callback] | None = None,
    progress: bool = True,
    force: bool = False,
) -> rd.Run:
    """Check the data, then train and evaluate one configuration; returns the Run (a handle on its
    directory). Errors found by the checks stop it (`ChecksFailed`) unless `force`."""
    from tuneup.checks.runner import before_run

    if resume is not None:
        return _resume(resume, cfg, overrides, final, callbacks, progress)
    cfg = load_config(cfg, overrides)
    started = time.perf_counter()

    def check(data: Staged):
        for note in data.notes if data.fresh else []:  # said once per data set, not once per candidate
            _progress.info(f"inferred {note}")
        return before_run(data, force, progress)

    prepared = prepare(cfg, check=check)  # the checks look at the data before it is encoded
    cfg, report = prepared.cfg, prepared.checks
    path = rd.new_run_dir(cfg.runs_path(), cfg.name, name)
    try:
        write_inputs(path, prepared, cfg)
        write_json(path / rd.CHECK, report.to_dict())
        extra = _folds(path, prepared, cfg, progress)
        return train_into(path, prepared, cfg, final=final, callbacks=callbacks, progress=progress, started=started,
                          extra=extra)
    except (UserError, ConfigError):
        shutil.rmtree(path, ignore_errors=True)  # bad input leaves nothing half-written behind
        raise


def _resume(ref, cfg, overrides, final, callbacks, progress) -> rd.Run:
    run_ = rd.Run.open(ref)
    if run_.complete:
        raise UserError(f"run '{run_.name}' already finished; nothing to resume (start a new one with `tuneup run`)")
    saved = run_.config
    if cfg is not None:
        wanted = as_resolved(absolute_paths(load_config(cfg, overrides)), saved)
        diff = rd.config_diff(saved, wanted)
        if diff:
            raise UserError(
                f"cannot resume '{run_.name}': its config differs from the one given ({'; '.join(diff[:6])}); "
                "resume without a config to use the saved one, or start a new run"
            )
    elif overrides:
        raise UserError("--resume continues a run with its saved config; --set cannot change it")
    started = time.perf_counter()
    prepared = prepare(saved)
    if not np.array_equal(prepared.splits.split, run_.splits.aligned_to(prepared.dataset.ids).split):
        raise UserError(f"cannot resume '{run_.name}': the data or its splits changed since the run started")
    extra = _folds(run_.path, prepared, saved, progress)
    return train_into(run_.path, prepared, saved, final=final, callbacks=callbacks, progress=progress, resume=True,
                      started=started, extra=extra)


def _folds(path: Path, prepared: Prepared, cfg: Config, progress: bool) -> dict[str, Any]:
    """K-fold models inside the run folder when data.split.folds is set (`tuneup run --folds K`)."""
    if not cfg.data.split.folds:
        return {}
    from tuneup.diagnose.folds import run_folds

    return {"folds": run_folds(path, prepared, cfg, progress)}
