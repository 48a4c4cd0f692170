"""`tuneup.run(cfg)`: check the data, then train and evaluate one configuration into a new run folder
(`pipeline.train_into`), with K-fold models beside it when the config asks; `resume` continues an
unfinished one.

`train_candidate` is `run` for a step that trains many configurations (a sweep's trials, improve's
candidates), telling the caller about every epoch:

    def on_epoch(record):                    # record["dev"]["error"], record["epoch"], ...
        trial.report(record["dev"]["error"], record["epoch"])
        return trial.should_prune()          # True: stop after this epoch
    c = train_candidate(cfg, {"train.lr": 0.01}, name="wine-t0003", on_epoch=on_epoch)
    c.run, c.dev_error, c.epochs, c.stopped_at

A candidate stopped by `on_epoch` still ends as a complete run directory: training stops after that
epoch, the best weights seen so far are restored and evaluated, and summary.json is written, as for a
run that stopped early."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
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
from tuneup.runs import CHECKPOINT, Run
from tuneup.train.callbacks import EpochReport, OnEpoch, StopNow
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


@dataclass
class Candidate:
    run: Run
    dev_error: float | None  # the run's dev error (its best epoch's weights), as in summary.json's ladder
    epochs: int  # epochs trained
    stopped_at: int | None  # the epoch after which `on_epoch` stopped it (a pruned trial), else None

    def to_dict(self) -> dict[str, Any]:
        return {"run": str(self.run.path), "dev_error": self.dev_error, "epochs": self.epochs,
                "stopped_at": self.stopped_at}


def train_candidate(cfg: Config | str | Path, overrides: dict[str, Any] | None = None, name: str | None = None,
                    on_epoch: OnEpoch | None = None, resume: str | Path | None = None,
                    progress: bool = False) -> Candidate:
    """Train `cfg` with `overrides` into the run folder `name` (or continue the unfinished run `resume`,
    with its saved config)."""
    report = EpochReport(on_epoch) if on_epoch is not None else None
    callbacks = [report] if report is not None else []
    if resume is not None:
        done = run(None, resume=resume, callbacks=callbacks, progress=progress)
    else:
        done = run(cfg, overrides, name=name, callbacks=callbacks, progress=progress)
    return outcome(done, report.stopped_at if report else None)


def finish_stopped(path: str | Path) -> Candidate | None:
    """Evaluate an unfinished run at its last checkpoint, without training further; None when there is
    no checkpoint to evaluate (it stopped before its first epoch ended, or train.checkpoint is false)."""
    done = Run(path)
    if not done.complete:
        if not (done.path / CHECKPOINT).exists():
            return None
        done = run(None, resume=path, callbacks=[StopNow()], progress=False)
    return outcome(done, done.summary["training"]["epochs_run"])


def outcome(run: Run, stopped_at: int | None) -> Candidate:
    s = run.summary
    return Candidate(run, s["ladder"].get("dev"), s["training"]["epochs_run"], stopped_at)
