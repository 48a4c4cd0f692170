"""Rare classes are flagged with their recall; the most-confused pairs come from the confusion matrix."""
from __future__ import annotations

import numpy as np
import pytest

from tuneup.errors.classes import class_table, most_confused, rare_classes
from tuneup.errors.examples import Examples

from .errors_helpers import classification_frame


def test_rare_classes_are_the_ones_with_few_training_examples():
    y = np.array([0] * 50 + [1] * 50 + [2] * 10)
    p = y.copy()
    p[100:108] = 0  # the rare class is mostly missed
    ex = Examples.from_frame(classification_frame(y, p, None, ["cat", "dog", "fox"]), "multiclass",
                             ["cat", "dog", "fox"], "accuracy")
    table = class_table(ex)
    (rare,) = rare_classes(table, {"cat": 500, "dog": 480, "fox": 12})
    assert rare["class"] == "fox" and rare["train_examples"] == 12
    assert rare["recall"] == pytest.approx(0.2) and rare["support"] == 10
    assert rare["share_of_train"] == pytest.approx(12 / 992)
    assert rare_classes(table, {"cat": 100, "dog": 100, "fox": 90}) == []


def test_most_confused_pairs_in_order():
    matrix = np.array([[10, 5, 0], [1, 20, 7], [0, 2, 30]])
    pairs = most_confused(matrix, ["a", "b", "c"])
    assert [(p["true"], p["predicted"], p["count"]) for p in pairs] == [
        ("b", "c", 7), ("a", "b", 5), ("c", "b", 2), ("b", "a", 1)]
    assert pairs[0]["share_of_true"] == pytest.approx(7 / 28) and pairs[0]["share_of_errors"] == pytest.approx(7 / 15)


def test_another_models_predictions_on_the_same_examples():
    """What Ship does: the same examples, scored by a compressed model, sliced the same way."""
    from tuneup.errors.slices import slice_metrics

    y = np.array([0, 1, 0, 1, 0, 1])
    ex = Examples.from_frame(classification_frame(y, y, None, ["a", "b"], light=["dim"] * 3 + ["day"] * 3),
                             "binary", ["a", "b"], "accuracy")
    worse = ex.with_predictions(np.array([1, 1, 1, 1, 0, 1]), None)
    assert ex.overall_error == 0.0 and worse.overall_error == pytest.approx(2 / 6)
    (table,) = slice_metrics(worse, ["light"])
    assert {r.value: r.error for r in table.rows} == pytest.approx({"dim": 2 / 3, "day": 0.0})  # both in dim
