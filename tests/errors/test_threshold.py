"""The decision threshold: it meets the precision or recall asked for on dev, and F1's is the best F1."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from tuneup.errors.threshold import choose_threshold, load_threshold, parse_objective, save_threshold
from tuneup.exceptions import UserError


def scored(n: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    score = 1 / (1 + np.exp(-(2.0 * y - 1 + rng.normal(0, 1.2, n))))
    return y, score


def every_threshold(y, score):
    """Precision, recall and F1 at every distinct score, by counting (an independent check)."""
    t = np.unique(score)
    positive = score[None, :] >= t[:, None]  # (T, N)
    tp = (positive & (y == 1)).sum(1)
    precision = tp / np.maximum(positive.sum(1), 1)
    recall = tp / (y == 1).sum()
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)
    return t, precision, recall, f1


def at(y, score, t):
    pred = (score >= t).astype(int)  # the rule serving applies (Head: p >= threshold)
    return (skm.precision_score(y, pred, zero_division=0), skm.recall_score(y, pred), skm.f1_score(y, pred))


@pytest.mark.parametrize("target", [0.6, 0.8, 0.9])
def test_threshold_meets_the_requested_precision_with_the_most_recall(target):
    y, score = scored()
    choice = choose_threshold(y, score, f"precision={target}")
    precision, recall, _ = at(y, score, choice.threshold)
    assert precision >= target
    assert (precision, recall) == pytest.approx((choice.precision, choice.recall))
    # no other threshold reaching the target keeps more recall
    _, p, r, _ = every_threshold(y, score)
    assert recall == pytest.approx(r[p >= target].max())


def test_threshold_meets_the_requested_recall():
    y, score = scored(seed=1)
    choice = choose_threshold(y, score, "recall=0.9")
    precision, recall, _ = at(y, score, choice.threshold)
    assert recall >= 0.9 and precision == pytest.approx(choice.precision)


def test_f1_threshold_has_the_best_f1_of_all_thresholds():
    y, score = scored(800, seed=2)
    choice = choose_threshold(y, score, "f1")
    brute = every_threshold(y, score)[3].max()
    assert choice.f1 == pytest.approx(brute) and at(y, score, choice.threshold)[2] == pytest.approx(brute)
    assert choice.at_default["f1"] == pytest.approx(at(y, score, 0.5)[2])
    assert choice.curve and all(0 <= p["threshold"] <= 1 for p in choice.curve)


def test_an_unreachable_precision_says_the_best_there_is():
    y, score = scored(300, seed=3)
    with pytest.raises(UserError, match=r"no threshold reaches precision 1 on dev \(the best is"):
        choose_threshold(y, np.full(300, 0.5) + 0.0 * score, "precision=1")


@pytest.mark.parametrize("bad", ["f2", "precision", "precision=1.5", "recall=abc", "f1=0.3"])
def test_bad_objectives_name_the_choices(bad):
    with pytest.raises(UserError, match="precision="):
        parse_objective(bad)


def test_saved_threshold_is_what_the_run_uses(trained_table_run, tmp_path):
    import shutil

    from tuneup.runs import Run

    run = Run(shutil.copytree(trained_table_run.path, tmp_path / "run"))
    assert run.head().threshold == 0.5
    preds = run.predictions("dev")
    y = (preds["y_true"] == run.encoder.classes[1]).astype(int).to_numpy()
    choice = choose_threshold(y, preds["score"].to_numpy(), "recall=0.8")
    path = save_threshold(run.path, choice, run.name)
    saved = load_threshold(run.path)
    assert path.name == "threshold.json"
    assert {"threshold", "objective", "precision", "recall", "f1"} <= set(saved)
    assert Run(run.path).head().threshold == choice.threshold
