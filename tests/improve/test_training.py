"""Candidates trained as one vectorised ensemble give the runs that training them one by one gives."""
from __future__ import annotations

import json

import numpy as np
import pytest

import tuneup
from tuneup.diagnose.recipe import Remedy
from tuneup.improve.budget import Budget
from tuneup.improve.candidates import Candidate
from tuneup.improve.strengths import strengths
from tuneup.improve.training import CandidateTrainer, ensemble_groups
from tuneup.runs import CANDIDATE as CANDIDATE_FILE
from tuneup.train.loop import predict

RAW = {"name": "digits", "data": {"train": {"path": "builtin:digits"}, "split": {"dev": 0.5, "test": 0.1}},
       "model": {"hidden": [32, 16]}, "baselines": ["majority"],
       "train": {"lr": 0.001, "epochs": 6, "batch_size": 32, "checkpoint": False, "early_stopping": {"patience": 2}}}


def candidates(cfg, *remedies):
    return [Candidate(r, s, cfg.with_overrides(s.set), False) for r in remedies for s in strengths(r, cfg)]


WD = Remedy("variance", "weight decay 0.01", "", {"train.weight_decay": 0.01})
LR = Remedy("avoidable_bias", "lr", "", {"train.lr": 0.003})
DROPOUT = Remedy("variance", "dropout 0.3", "", {"model.dropout": 0.3})


def test_the_budget_cuts_a_group_rather_than_overspend():
    cfg = tuneup.load_config(RAW)
    budget = Budget.parse(2).start()
    trained = CandidateTrainer("cut", budget).train(candidates(cfg, WD), 1)
    assert [t.ensemble for t in trained] == [2, 2] and budget.used == 2 and budget.spent


def test_optimizer_variants_group_together_and_architecture_changes_train_alone():
    cfg = tuneup.load_config(RAW)
    cands = candidates(cfg, WD, DROPOUT, LR)  # 3 weight decays, 3 dropouts, 2 learning rates (not 0.001 again)
    assert ensemble_groups(cands) == [[0, 1, 2, 6, 7], [3], [4], [5]]
    folds = candidates(cfg.with_overrides({"data.split.folds": 3}), WD)
    assert ensemble_groups(folds) == [[0], [1], [2]]  # the ensemble path writes no fold models


@pytest.mark.slow
def test_the_ensemble_path_gives_the_dev_errors_of_training_one_by_one():
    cfg = tuneup.load_config(RAW)
    cands = candidates(cfg, WD, LR)
    together = CandidateTrainer("together", Budget.parse(10).start()).train(cands, 1)
    alone = [CandidateTrainer("alone", Budget.parse(10).start())._alone(c, f"alone-{i}", 1)
             for i, c in enumerate(cands)]
    assert [t.ensemble for t in together] == [5] * 5 and [t.ensemble for t in alone] == [1] * 5
    for a, b in zip(alone, together):
        sa, sb = a.run.summary, b.run.summary
        assert sb["splits"]["dev"]["error"] == pytest.approx(sa["splits"]["dev"]["error"], abs=0.01)
        assert sb["training"]["best_epoch"] == sa["training"]["best_epoch"]
        assert sb["training"]["epochs_run"] == sa["training"]["epochs_run"] == len(b.run.history)
        assert json.loads((b.run.path / CANDIDATE_FILE).read_text())["ensemble"] == 5
        assert json.loads((a.run.path / CANDIDATE_FILE).read_text())["ensemble"] == 1
        assert sb["baselines"].keys() == sa["baselines"].keys()
        assert b.run.config.train.weight_decay == a.run.config.train.weight_decay
        assert list((b.run.path / "tensorboard").glob("events.out.tfevents.*"))
        # the saved weights are the member's: they reproduce the saved dev predictions
        prepared = tuneup.prepare(b.run.config)
        out = predict(b.run.load_model(), b.run.head(), prepared.tensors["dev"])
        saved = b.run.predictions("dev")
        assert np.array_equal(b.run.encoder.decode_target(out.pred), saved["y_pred"].to_numpy())
