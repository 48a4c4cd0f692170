"""Slices: one row per value (numbers binned, missing values their own group), errors with intervals."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneup.errors.examples import Examples
from tuneup.errors.slices import OTHER, slice_keys, slice_metrics
from tuneup.exceptions import UserError

from .errors_helpers import classification_frame, errors_frame


def test_numbers_are_binned_by_quantile_with_missing_apart():
    values = pd.Series(np.r_[np.arange(100, dtype=float), [np.nan] * 7])
    codes, labels, binned = slice_keys(values, bins=4)
    assert binned and labels == ["[0, 24.75)", "[24.75, 49.5)", "[49.5, 74.25)", "[74.25, 99]", "missing"]
    assert np.bincount(codes).tolist() == [25, 25, 25, 25, 7]


def test_few_distinct_numbers_are_values_and_many_texts_end_in_other():
    codes, labels, binned = slice_keys(pd.Series([1, 2, 2, 3, 3, 3]))
    assert not binned and labels == ["1", "2", "3"]
    many = pd.Series([f"v{i % 30}" for i in range(300)] + ["v0"] * 10)
    codes, labels, _ = slice_keys(many, max_values=5)
    assert len(labels) == 5 and labels[0] == "v0" and labels[-1] == OTHER
    assert np.bincount(codes)[-1] == 300 - 4 * 10


def test_dates_bin_as_time():
    when = pd.Series(pd.date_range("2021-01-01", periods=100, freq="D"))
    codes, labels, binned = slice_keys(when, bins=2)
    assert binned and labels[0].startswith("[2021-01-01,") and np.bincount(codes).tolist() == [50, 50]


def test_a_clearly_worse_slice_is_called_worse_and_a_small_one_is_not():
    rng = np.random.default_rng(1)
    camera = rng.choice(["old", "new"], 2000)
    wrong = rng.random(2000) < np.where(camera == "old", 0.3, 0.1)
    tiny = np.where(np.arange(2000) < 3, "rare", "common")
    ex = errors_frame(wrong, camera=camera, tiny=tiny)
    cam, small = slice_metrics(ex, ["camera", "tiny"])
    rows = {r.value: r for r in cam.rows}
    assert rows["old"].worse and rows["new"].better
    overall = wrong.mean()
    assert rows["old"].diff == pytest.approx(wrong[camera == "old"].mean() - overall)
    # the difference from overall is (1 - share) x (slice - rest): check the identity by hand
    share = (camera == "old").mean()
    rest = wrong[camera == "new"].mean()
    assert rows["old"].diff == pytest.approx((1 - share) * (wrong[camera == "old"].mean() - rest))
    rare = {r.value: r for r in small.rows}["rare"]
    assert not rare.worse and not rare.better  # 3 examples say nothing either way
    assert rare.diff_ci[0] < 0 < rare.diff_ci[1]


def test_slice_metrics_takes_a_plain_predictions_frame():
    """How other steps (Ship's per-slice check of a compressed model) call it."""
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    p = np.array([0, 1, 2, 0, 0, 0, 0, 1])
    frame = classification_frame(y, p, None, ["a", "b", "c"], lighting=["dim"] * 4 + ["day"] * 4)
    (table,) = slice_metrics(frame, ["lighting"], metric="accuracy", task="multiclass", classes=["a", "b", "c"])
    got = {r.value: (r.n, r.error, r.metric) for r in table.rows}
    assert got["dim"] == (4, 0.0, 1.0) and got["day"][0] == 4
    assert got["day"][1] == pytest.approx(0.5) and got["day"][2] == pytest.approx(0.5)


def test_unknown_column_names_the_nearest_one():
    ex = errors_frame(np.zeros(10, dtype=bool), camera=["a"] * 10, lighting=["b"] * 10)
    with pytest.raises(UserError, match=r"--by 'camra' is not a column.*did you mean 'camera'\?"):
        slice_metrics(ex, ["camra"])


def test_labels_stored_as_text_still_match_number_classes():
    frame = pd.DataFrame({"id": ["a", "b"], "y_true": ["0", "1"], "y_pred": ["0", "0"], "loss": [0.1, 2.0]})
    ex = Examples.from_frame(frame, "multiclass", [0, 1], "accuracy")
    assert ex.y_true.tolist() == [0, 1] and ex.overall_error == 0.5
