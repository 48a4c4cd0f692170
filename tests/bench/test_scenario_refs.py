"""LR and HGB scored the way tuneup scores a run: the predictions frame of the run-directory contract read by
`tuneup.error_interval` gives scikit-learn's own metric, with the encoder's second class as positive."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bench.scenario_models import Reference
from bench.scenario_refs import predictions
from bench.scenario_tables import flip_labels, sparse_linear
from sklearn.metrics import accuracy_score, f1_score

import tuneup


@pytest.fixture(scope="module")
def table():
    frame = sparse_linear(400, np.random.default_rng(0), features=6, informative=3)
    frame["converted"], _ = flip_labels(frame["converted"], 0.15, np.random.default_rng(1))  # some errors to score
    return frame.drop(columns=["converted"]), frame["converted"].to_numpy()


@pytest.mark.parametrize("name", ["LR", "HGB"])
def test_binary_f1_counts_the_encoders_second_class_as_positive(table, name):
    x, y = table
    ref = Reference(name, x.iloc[:300], y[:300])
    dev, y_dev = x.iloc[300:].reset_index(drop=True), y[300:]
    ids = np.array([f"r{i}" for i in range(len(y_dev))])
    for classes in (["no", "yes"], ["yes", "no"]):  # the positive class follows the encoder's order
        frame = predictions(ref, dev, y_dev, ids, "binary", classes)
        got = tuneup.error_interval(frame, "f1", "binary", classes)
        want = 1 - f1_score(y_dev, ref.predict(dev), pos_label=classes[1])
        assert got.value == pytest.approx(want)
        assert got.low <= got.value <= got.high


def test_multiclass_accuracy_equals_scikit_learns():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    y = np.array(["a", "b", "c"])[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)]
    ref = Reference("LR", x[:200], y[:200])
    frame = predictions(ref, x[200:], y[200:], np.arange(100).astype(str), "multiclass", ["a", "b", "c"])
    assert list(frame.columns) == ["id", "y_true", "y_pred", "p:a", "p:b", "p:c"]
    got = tuneup.error_interval(frame, "accuracy", "multiclass", ["a", "b", "c"])
    assert got.value == pytest.approx(1 - accuracy_score(y[200:], ref.predict(x[200:])))


def test_hgb_keeps_the_training_categories():
    frame = pd.DataFrame({"kind": ["a", "b"] * 50, "v": np.arange(100.0)})
    y = np.where(frame["kind"] == "a", "yes", "no")
    ref = Reference("HGB", frame, y)
    unseen = pd.DataFrame({"kind": ["b", "zzz", "a"], "v": [1.0, 2.0, 3.0]})  # 'zzz' is missing, not a new code
    assert list(ref.predict(unseen)[[0, 2]]) == ["no", "yes"]
