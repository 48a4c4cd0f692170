"""The seeds' last step: retrain the chosen configuration on train + dev and evaluate on test, once.

Dev has done its job (choosing), so its examples join the training data; with no dev left to stop
on, the model trains for the number of epochs dev chose for the chosen run (its best epoch), early
stopping off. The encoder is fitted again on the rows the model now trains on. Test is evaluated
once and the look is recorded in the runs folder's test ledger.
"""
from __future__ import annotations

import numpy as np

from tuneup import runs as rd
from tuneup.data.split import Splits
from tuneup.diagnose.bootstrap import error_interval
from tuneup.exceptions import UserError
from tuneup.improve.result import FinalEvaluation

PURPOSE = "improve --final"


def retrain_on_train_and_dev(chosen: rd.Run, name: str, progress: bool = True) -> FinalEvaluation:
    from tuneup.workflow import Prepared, encode, prepare, run_prepared

    epochs = max(int(chosen.summary["training"]["best_epoch"]), 1)
    cfg = chosen.config.with_overrides({"train.epochs": epochs, "train.early_stopping": None})
    prepared = prepare(cfg)
    saved = chosen.splits.aligned_to(prepared.dataset.ids)
    if not np.array_equal(saved.split, prepared.splits.split):
        raise UserError(f"cannot retrain '{chosen.name}': its data or splits changed since it was trained")
    if "test" not in prepared.splits.present():
        raise UserError(f"run '{chosen.name}' has no test split to evaluate on; set data.split.test")
    merged = Splits(saved.ids, np.where(saved.split == "dev", "train", saved.split).astype(object))
    encoder, tensors = encode(prepared.dataset, merged, cfg)
    on_both = Prepared(prepared.cfg, prepared.dataset, merged, encoder, tensors, prepared.metric)
    run = run_prepared(on_both, name, final=True, progress=progress, purpose=PURPOSE,
                       extra={"trained_on": "train+dev", "retrain_of": chosen.name})
    s = run.summary
    test = error_interval(run.predictions("test"), s["metric"], s["task"], run.encoder.classes,
                          cfg.diagnose.resamples, cfg.diagnose.confidence, cfg.diagnose.seed)
    return FinalEvaluation(run.name, chosen.name, epochs, test, s["test_evaluations"], str(run.root / rd.LEDGER))
