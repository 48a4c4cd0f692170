"""Train one candidate configuration as a normal run directory, telling a caller about every epoch.

    def on_epoch(record):                    # record["dev"]["error"], record["epoch"], ...
        trial.report(record["dev"]["error"], record["epoch"])
        return trial.should_prune()          # True: stop after this epoch
    c = train_candidate(cfg, {"train.lr": 0.01}, name="wine-t0003", on_epoch=on_epoch)
    c.run, c.dev_error, c.epochs, c.stopped_at

A candidate stopped by `on_epoch` still ends as a complete run directory: training stops after that
epoch, the best weights seen so far are restored and evaluated, and summary.json is written, as for a
run that stopped early. Sweeps (Optuna, Ray) and the improve loop all train through this function.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneup import workflow
from tuneup.config import Config
from tuneup.runs import CHECKPOINT, Run
from tuneup.train.loop import Callback, Trainer

OnEpoch = Callable[[dict], bool]  # an epoch's record -> stop training now?


@dataclass
class Candidate:
    run: Run
    dev_error: float | None  # the run's dev error (its best epoch's weights), as in summary.json's ladder
    epochs: int  # epochs trained
    stopped_at: int | None  # the epoch after which `on_epoch` stopped it (a pruned trial), else None

    def to_dict(self) -> dict[str, Any]:
        return {"run": str(self.run.path), "dev_error": self.dev_error, "epochs": self.epochs,
                "stopped_at": self.stopped_at}


class EpochReport(Callback):
    """Calls `on_epoch(record)` after every epoch and stops training when it returns True. A resumed
    run first replays the epochs its checkpoint holds, so the caller sees every epoch exactly once."""

    def __init__(self, on_epoch: OnEpoch):
        self.on_epoch = on_epoch
        self.stopped_at: int | None = None

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        for record in trainer.state.history[:start_epoch]:
            self._see(trainer, record)

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        self._see(trainer, record)

    def _see(self, trainer: Trainer, record: dict) -> None:
        if self.stopped_at is None and self.on_epoch(record):
            self.stopped_at = record["epoch"]
            trainer.stop = True


class StopNow(Callback):
    """Ends training before another epoch starts: a run resumed with it is evaluated where its
    checkpoint left it (a trial a scheduler stopped in another process)."""

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        trainer.stop = True


def train_candidate(cfg: Config | str | Path, overrides: dict[str, Any] | None = None, name: str | None = None,
                    on_epoch: OnEpoch | None = None, resume: str | Path | None = None,
                    progress: bool = False) -> Candidate:
    """Train `cfg` with `overrides` into the run folder `name` (or continue the unfinished run `resume`,
    with its saved config)."""
    report = EpochReport(on_epoch) if on_epoch is not None else None
    callbacks = [report] if report is not None else []
    if resume is not None:
        run = workflow.run(None, resume=resume, callbacks=callbacks, progress=progress)
    else:
        run = workflow.run(cfg, overrides, name=name, callbacks=callbacks, progress=progress)
    return outcome(run, report.stopped_at if report else None)


def finish_stopped(path: str | Path) -> Candidate | None:
    """Evaluate an unfinished run at its last checkpoint, without training further; None when there is
    no checkpoint to evaluate (it stopped before its first epoch ended, or train.checkpoint is false)."""
    run = Run(path)
    if not run.complete:
        if not (run.path / CHECKPOINT).exists():
            return None
        run = workflow.run(None, resume=path, callbacks=[StopNow()], progress=False)
    return outcome(run, run.summary["training"]["epochs_run"])


def outcome(run: Run, stopped_at: int | None) -> Candidate:
    s = run.summary
    return Candidate(run, s["ladder"].get("dev"), s["training"]["epochs_run"], stopped_at)
