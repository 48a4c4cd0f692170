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
from tuneup.models.families import is_family

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
    from tuneup.workflow import Prepared, encode, prepare

    prepared = prepare(cfg)
    saved = chosen.splits.aligned_to(prepared.dataset.ids)
    if not np.array_equal(saved.split, prepared.splits.split):
        raise UserError(f"cannot retrain '{chosen.name}': its data or splits changed since it was trained")
    if "test" not in prepared.splits.present():
        raise UserError(f"run '{chosen.name}' has no test split to evaluate on; set data.split.test")
    merged = Splits(saved.ids, np.where(saved.split == "dev", "train", saved.split).astype(object))
    encoder, tensors = encode(prepared.dataset, merged, prepared.cfg)
    return Prepared(prepared.cfg, prepared.dataset, merged, encoder, tensors, prepared.metric)


def _train(prepared, name: str, progress: bool, extra: dict) -> rd.Run:
    """Train and evaluate on every split, test included (recorded in the ledger as improve --final)."""
    from tuneup.train.callbacks import HistoryWriter, ProgressBar, TensorBoardLogger
    from tuneup.workflow import build, finish_run, start_run_dir, training_tensors

    started = time.perf_counter()
    cfg = prepared.cfg
    train, weighting = training_tensors(prepared, cfg)
    path = start_run_dir(prepared, cfg, name)
    if is_family(cfg.model.kind):  # scikit-learn's models are fitted in one go, on train + dev as well
        from tuneup.models.families.run import train_into

        return train_into(path, prepared, cfg, train, final=True, progress=progress, started=started,
                          weighting=weighting, extra=extra, purpose=PURPOSE)
    trainer = build(prepared, cfg)
    cbs = [HistoryWriter(path / rd.HISTORY), TensorBoardLogger(path / rd.TENSORBOARD, cfg.metric)]
    if progress:
        cbs.append(ProgressBar(f"training {name}", cfg.train.epochs))
    evals = {s: prepared.tensors[s] for s in ("train_dev",) if s in prepared.tensors}
    fit = trainer.fit(train, evals, callbacks=cbs)
    return finish_run(path, prepared, cfg, trainer, fit, final=True, started=started, weighting=weighting,
                      extra=extra, purpose=PURPOSE)
