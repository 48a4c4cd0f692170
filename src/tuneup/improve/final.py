"""The seeds' last step: retrain the chosen configuration on train + dev and evaluate on test, once.

Dev has done its job (choosing), so its examples join the training data; with no dev left to stop
on, the model trains for the number of epochs dev chose for the chosen run (its best epoch), early
stopping off. The encoder is fitted again on the rows the model now trains on. Test is evaluated
once and the look is recorded in the runs folder's test ledger.
"""
from __future__ import annotations

import time

import numpy as np

from tuneup import runs as rd
from tuneup.data.split import Splits
from tuneup.diagnose.bootstrap import split_interval
from tuneup.exceptions import UserError
from tuneup.improve.result import FinalEvaluation

PURPOSE = "improve --final"


def retrain_on_train_and_dev(chosen: rd.Run, name: str, progress: bool = True) -> FinalEvaluation:
    cfg = chosen.config.with_overrides({"train.epochs": max(int(chosen.summary["training"]["best_epoch"]), 1),
                                        "train.early_stopping": None})
    on_both = _train_and_dev(chosen, cfg)
    run = _train(on_both, name, progress, {"trained_on": "train+dev", "retrain_of": chosen.name})
    s = run.summary
    test = split_interval(run, "test", cfg.diagnose)
    return FinalEvaluation(run.name, chosen.name, cfg.train.epochs, test, s["test_evaluations"],
                           str(run.root / rd.LEDGER))


def _train_and_dev(chosen: rd.Run, cfg):
    """The chosen run's data with its dev examples moved into train (the encoder fitted again on them)."""
    from tuneup.pipeline.preparation import prepare

    prepared = prepare(cfg)
    saved = chosen.splits.aligned_to(prepared.dataset.ids)
    if not np.array_equal(saved.split, prepared.splits.split):
        raise UserError(f"cannot retrain '{chosen.name}': its data or splits changed since it was trained")
    if "test" not in prepared.splits.present():
        raise UserError(f"run '{chosen.name}' has no test split to evaluate on; set data.split.test")
    return prepared.resplit(Splits(saved.ids, np.where(saved.split == "dev", "train", saved.split).astype(object)))


def _train(prepared, name: str, progress: bool, extra: dict) -> rd.Run:
    """Train and evaluate on every split, test included (recorded in the ledger as improve --final)."""
    from tuneup.pipeline.folder import new_run_folder
    from tuneup.pipeline.training import train_into

    started = time.perf_counter()
    path = new_run_folder(prepared, prepared.cfg, name)
    return train_into(path, prepared, final=True, progress=progress, started=started, extra=extra, purpose=PURPOSE)
