"""Candidates that differ only in what a vectorised ensemble trains per member (learning rate, weight decay,
momentum, seed, schedule, epochs, early stopping, gradient clipping: `train/ensemble.py`'s PER_MEMBER) train
as one ensemble, each member then written as its own run folder by `training.train_into`. A sweep's
`--batch` (`sweep/batch.py`) and an improve step (`improve/training.py`) train this way.
"""
from __future__ import annotations

import json

from tuneup.config import Config
from tuneup.models.families import is_family
from tuneup.pipeline.folder import new_run_folder
from tuneup.pipeline.preparation import training_tensors
from tuneup.pipeline.trainer import build
from tuneup.pipeline.training import Trained, train_into
from tuneup.train.ensemble import PER_MEMBER, EnsembleTrainer, compatible


def ensemble_key(cfg: Config) -> str | None:
    """What the members of one ensemble must share (the data and model configs and the training settings
    that are not per member), or None when `cfg` must train alone (a one-cycle schedule)."""
    t = cfg.train
    if t.schedule.kind == "onecycle" or cfg.data.split.folds or is_family(cfg.model.kind):
        return None  # linear, hgb: scikit-learn models, fitted one by one
    return json.dumps({"data": cfg.data.model_dump(mode="json"), "model": cfg.model.model_dump(mode="json"),
                       "train": t.model_dump(mode="json", exclude=PER_MEMBER)}, sort_keys=True)


def fit_together(prepared, cfgs: list[Config], on_epoch=None):
    """Train `cfgs` (equal `ensemble_key`s) on `prepared` as one vectorised ensemble, with their shared
    augmentations and importance weights: (trainers holding the trained models, fits, weighting), or None
    when their models turn out not to fit one ensemble (shapes differ). Raises TrainingError when a
    member diverges."""
    trainers = [build(prepared, c) for c in cfgs]
    if compatible([c.train for c in cfgs], [t.model for t in trainers]) is not None:
        return None
    train, weighting = training_tensors(prepared, cfgs[0])
    ens = EnsembleTrainer([t.model for t in trainers], trainers[0].head, [c.train for c in cfgs],
                          prepared.metric, prepared.scorer(), trainers[0].device, trainers[0].augmenter)
    return trainers, ens.fit(train, prepared.evals(), on_epoch=on_epoch), weighting


def write_member(prepared, cfg: Config, name: str, trainer, fit, started: float, weighting=None):
    """A normal run directory for one ensemble member (`pipeline.train_into` with the model it trained)."""
    return train_into(new_run_folder(prepared, cfg, name), prepared, cfg, started=started,
                      trained=Trained(trainer, fit, weighting))
