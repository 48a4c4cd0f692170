"""`train_into`: the one way a model becomes a run folder. `tuneup run` and `--resume`, K-fold models, a
sweep's trials and the members of a vectorised ensemble, improve's candidates and its final retrain on
train + dev all call it on a folder `folder.new_run_folder` made."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup import runs as rd
from tuneup.config import Config
from tuneup.models.families import is_family
from tuneup.pipeline.family import fit_into
from tuneup.pipeline.folder import finish_run, fit_baselines, write_epochs
from tuneup.pipeline.preparation import Prepared, training_tensors
from tuneup.pipeline.trainer import build
from tuneup.train.callbacks import Checkpointer, HistoryWriter, ProgressBar, TensorBoardLogger, load_checkpoint
from tuneup.train.loop import Callback, FitResult, Trainer

@dataclass
class Trained:
    """A network trained elsewhere, to be written as a run folder: a member of a vectorised ensemble
    (`train/ensemble.py`), with the importance weights it was trained with."""

    trainer: Trainer
    fit: FitResult
    weighting: Any = None


def train_into(path: Path, prepared: Prepared, cfg: Config | None = None, *, final: bool = False,
               callbacks: list[Callback] | None = None, progress: bool = False, resume: bool = False,
               started: float | None = None, extra: dict[str, Any] | None = None, purpose: str = "run --final",
               trained: Trained | None = None) -> rd.Run:
    """Train `cfg` (default: the prepared config) on `prepared`'s train split into the run folder `path`,
    evaluate it on every split (test only when `final`: the look is recorded in the test ledger, for
    `purpose`) and write the rest of the folder, summary.json last. A network trains by epochs (`callbacks`
    see each; `resume` continues from the folder's checkpoint); a scikit-learn family is fitted in one go;
    `trained` is a network already trained (its epochs are written as its own callbacks would have). `extra`
    adds keys to summary.json."""
    cfg = cfg or prepared.cfg
    started = time.perf_counter() if started is None else started
    timing: dict[str, float] = {"prepare_s": prepared.seconds}
    if trained is None:  # first: a setting that cannot work (target_weight without target rows) fails before any work
        train, weighting = training_tensors(prepared, cfg)
    else:
        weighting = trained.weighting
    t0 = time.perf_counter()
    baselines = fit_baselines(prepared, cfg, final)
    timing["baselines_s"] = time.perf_counter() - t0
    if trained is not None:
        write_epochs(path, cfg.metric, trained.fit.history, trained.trainer)
        timing["train_s"] = trained.fit.seconds
        return finish_run(path, prepared, cfg, trained.trainer, trained.fit, final, started, baselines, timing,
                          weighting, extra, purpose)
    if is_family(cfg.model.kind):  # scikit-learn's models: fitted, not trained by epochs
        return fit_into(path, prepared, cfg, train, final, progress, started, baselines, timing, weighting, extra,
                        purpose)
    trainer = build(prepared, cfg)
    checkpoint = path / rd.CHECKPOINT
    if resume and checkpoint.exists():
        load_checkpoint(checkpoint, trainer)
        _progress.info(f"resuming {path.name} after epoch {trainer.state.epoch}")
    cbs: list[Callback] = [HistoryWriter(path / rd.HISTORY), TensorBoardLogger(path / rd.TENSORBOARD, cfg.metric)]
    if cfg.train.checkpoint:
        cbs.append(Checkpointer(checkpoint))
    if progress:
        cbs.append(ProgressBar(f"training {path.name}", cfg.train.epochs))
    cbs.extend(callbacks or [])
    t0 = time.perf_counter()
    fit = trainer.fit(train, prepared.evals(), callbacks=cbs)
    timing["train_s"] = time.perf_counter() - t0
    return finish_run(path, prepared, cfg, trainer, fit, final, started, baselines, timing, weighting, extra, purpose)
