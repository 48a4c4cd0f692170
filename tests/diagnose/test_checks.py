"""What the per-epoch history says: overfitting, underfitting, an unstable loss, training cut short."""
from __future__ import annotations

import numpy as np

from tuneup.diagnose.training_checks import training_checks


def history(fit, train, dev, lr=0.001):
    return [{"epoch": i + 1, "fit_loss": f, "lr": lr, "train": {"loss": t, "metric": 0.0, "error": t / 3},
             "dev": {"loss": d, "metric": 0.0, "error": d / 3}, "seconds": 0.1}
            for i, (f, t, d) in enumerate(zip(fit, train, dev))]


def kinds(h, epochs_run=None, limit=50, stopped=False, early=True, bias=False):
    training = {"epochs_run": epochs_run or len(h), "stopped_early": stopped}
    return {c.kind: c for c in training_checks(h, training, limit, early, bias)}


def test_dev_loss_rising_while_train_loss_falls_is_overfitting_from_its_best_epoch():
    train = np.geomspace(1.0, 0.01, 20)
    dev = np.r_[np.linspace(1.0, 0.4, 8), np.linspace(0.42, 0.9, 12)]  # best at epoch 8
    found = kinds(history(train, train, dev), limit=20, early=False)
    assert "overfitting" in found and found["overfitting"].epoch == 8
    assert "dev loss rises from epoch 9" in found["overfitting"].message
    assert "early stopping at epoch 8" in found["overfitting"].message
    assert "turn early stopping on" in found["overfitting"].message


def test_a_dev_loss_rising_while_train_dev_loss_falls_is_a_growing_mismatch_not_overfitting():
    """The demo's shape: the network keeps learning its own distribution (train and train-dev loss fall) while
    the target's loss rises; calling that overfitting would point at regularisation instead of the mismatch."""
    train = np.geomspace(1.0, 0.01, 20)
    dev = np.r_[np.linspace(1.0, 0.4, 8), np.linspace(0.42, 0.9, 12)]
    h = history(train, train, dev)
    for record, loss in zip(h, train * 1.3):
        record["train_dev"] = {"loss": float(loss), "metric": 0.0, "error": float(loss) / 3}
    found = kinds(h, limit=20)
    assert "overfitting" not in found and found["drifting"].epoch == 8
    assert "not overfitting" in found["drifting"].message and "train-dev loss does not rise" in found["drifting"].message
    for record, loss in zip(h, dev * 0.9):  # train-dev rising with dev: overfitting after all
        record["train_dev"]["loss"] = float(loss)
    assert "overfitting" in kinds(h, limit=20)


def test_a_dev_loss_that_keeps_falling_is_not_overfitting():
    train = np.geomspace(1.0, 0.1, 20)
    assert "overfitting" not in kinds(history(train, train, train * 1.2), limit=20)


def test_a_loss_that_jumps_up_is_unstable():
    fit = np.array([1.0, 0.8, 1.5, 0.9, 2.0, 1.1, 1.0, 0.95])
    found = kinds(history(fit, fit, fit), limit=8)
    assert "unstable" in found and found["unstable"].epoch == 3
    assert "learning rate" in found["unstable"].message


def test_small_wobbles_of_a_loss_near_zero_are_not_instability():
    fit = np.r_[np.geomspace(1.0, 0.03, 10), [0.04, 0.03, 0.045, 0.032, 0.041, 0.03]]  # +33%, +50%, ... of almost 0
    assert "unstable" not in kinds(history(fit, fit, fit), limit=16, stopped=True)


def test_a_loss_that_ends_above_where_it_started_is_unstable():
    fit = np.array([1.0, 0.9, 0.95, 1.05, 1.1, 1.2])
    assert "unstable" in kinds(history(fit, fit, fit), limit=6)


def test_a_smoothly_falling_loss_cut_off_by_the_epoch_limit_is_still_improving():
    loss = np.geomspace(1.0, 0.2, 10)
    found = kinds(history(loss, loss, loss * 1.1), limit=10)
    assert set(found) == {"still_improving"}
    assert found["still_improving"].epoch == 10
    assert "still_improving" not in kinds(history(loss, loss, loss * 1.1), limit=10, stopped=True)
    assert "still_improving" not in kinds(history(loss, loss, loss * 1.1), epochs_run=10, limit=30)


def test_poor_and_flat_is_underfitting_only_when_bias_is_the_problem():
    loss = np.r_[np.linspace(1.2, 0.9, 6), np.full(12, 0.9) + np.linspace(0, 0.005, 12)]
    assert "underfitting" in kinds(history(loss, loss, loss + 0.05), limit=18, bias=True)
    assert "underfitting" not in kinds(history(loss, loss, loss + 0.05), limit=18, bias=False)


def test_short_histories_say_nothing():
    assert kinds(history([1.0, 2.0], [1.0, 2.0], [1.0, 2.0])) == {}
