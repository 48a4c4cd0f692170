"""Skewed classes make accuracy lie: the seeds' example, precision 97% and recall 7.3% -> F1 13.6%."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from tuneup.errors.classes import class_table
from tuneup.errors.skew import skew_warnings

from .errors_helpers import binary_examples


def seeds_example(metric: str = "accuracy"):
    """1,329 abnormal examples among 99 times as many normal ones; 97 found, 3 false alarms."""
    positives, negatives = 1329, 1329 * 99
    y = np.r_[np.ones(positives, int), np.zeros(negatives, int)]
    score = np.full(len(y), 0.1)
    score[:97] = 0.9  # true positives
    score[positives:positives + 3] = 0.9  # false positives
    return binary_examples(y, score, metric=metric), y, (score >= 0.5).astype(int)


def test_the_seeds_f1_example_is_flagged_with_its_numbers():
    ex, y, pred = seeds_example()
    table = class_table(ex)
    (warning,) = skew_warnings(ex, table)
    assert warning["precision"] == pytest.approx(0.97)
    assert warning["recall"] == pytest.approx(97 / 1329)
    assert warning["f1"] == pytest.approx(skm.f1_score(y, pred))
    assert round(warning["f1"], 3) == 0.136
    assert "precision is 97.0%, recall 7.3%, F1 13.6%" in warning["message"]
    assert warning["ratio"] == "99:1" and warning["majority_class"] == "neg"
    assert warning["majority_accuracy"] == pytest.approx(0.99)
    assert table.accuracy > 0.99  # the number that hides it
    assert "set metric: f1" in warning["message"]


def test_no_warning_on_balanced_classes():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    ex = binary_examples(y, np.clip(y * 0.6 + rng.random(500) * 0.4, 0, 1))
    assert skew_warnings(ex, class_table(ex)) == []


def test_a_run_judged_by_f1_is_not_told_to_switch_to_f1():
    ex, _, _ = seeds_example(metric="f1")
    (warning,) = skew_warnings(ex, class_table(ex))
    assert "set metric: f1" not in warning["message"]
