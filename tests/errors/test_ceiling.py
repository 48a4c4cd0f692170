"""The ceiling table's arithmetic, by hand: max fall = share x (slice error - human-level error)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneup.errors.ceiling import ceiling_table
from tuneup.errors.examples import Examples
from tuneup.errors.slices import slice_metrics
from tuneup.errors.tags import tag_table

from .errors_helpers import errors_frame


def two_slices(metric: str = "accuracy") -> Examples:
    """200 examples of camera 'old' with 50 errors (25%), 800 of 'new' with 40 errors (5%): 9% overall."""
    camera = np.r_[["old"] * 200, ["new"] * 800]
    wrong = np.zeros(1000, dtype=bool)
    wrong[:50] = True
    wrong[200:240] = True
    return errors_frame(wrong, camera=camera, metric=metric)


def rows_by_name(rows):
    return {r.name: r for r in rows}


def test_max_fall_is_share_times_error_above_human_level():
    ex = two_slices()
    assert ex.overall_error == pytest.approx(0.09)
    rows = ceiling_table(ex, slice_metrics(ex, ["camera"]), human=0.02)
    old, new = rows_by_name(rows)["camera = old"], rows_by_name(rows)["camera = new"]
    assert old.max_fall == pytest.approx(0.2 * (0.25 - 0.02))  # 4.6 points
    assert new.max_fall == pytest.approx(0.8 * (0.05 - 0.02))  # 2.4 points
    assert old.share == pytest.approx(0.2) and old.share_of_errors == pytest.approx(50 / 90)
    assert old.error == pytest.approx(0.25) and old.human == 0.02
    assert [r.name for r in rows][:2] == ["camera = old", "camera = new"]  # sorted by what it could give back


def test_without_human_level_the_bound_is_no_errors():
    ex = two_slices()
    rows = rows_by_name(ceiling_table(ex, slice_metrics(ex, ["camera"])))
    assert rows["camera = old"].max_fall == pytest.approx(0.2 * 0.25)
    assert rows["camera = old"].human is None


def test_a_human_level_in_other_units_is_not_subtracted():
    ex = two_slices(metric="f1")  # human level would be in 1 - F1, not in the error rate
    rows = rows_by_name(ceiling_table(ex, slice_metrics(ex, ["camera"]), human=0.02))
    assert rows["camera = old"].max_fall == pytest.approx(0.05)
    assert rows["camera = old"].human is None


def test_a_slice_already_below_human_level_gives_nothing_back():
    ex = two_slices()
    rows = rows_by_name(ceiling_table(ex, slice_metrics(ex, ["camera"]), human=0.10))
    assert rows["camera = new"].max_fall == 0.0
    assert rows["camera = old"].max_fall == pytest.approx(0.2 * (0.25 - 0.10))


def test_true_class_rows_use_recall():
    ex = two_slices()
    from tuneup.errors.classes import class_table

    rows = rows_by_name(ceiling_table(ex, classes=class_table(ex)))
    # every example is of class 'neg'; its recall is 1 - 9% so it could give back all 9 points
    assert rows["true class neg"].max_fall == pytest.approx(0.09)


def test_rmse_ceiling_works_on_squared_errors():
    y = np.zeros(10)
    p = np.r_[np.full(2, 3.0), np.full(8, 1.0)]  # slice a: squared error 9, slice b: 1
    frame = pd.DataFrame({"id": list("abcdefghij"), "y_true": y, "y_pred": p, "loss": (p - y) ** 2,
                          "g": ["a"] * 2 + ["b"] * 8})
    ex = Examples.from_frame(frame, "regression", None, "rmse")
    overall_mse = (2 * 9 + 8 * 1) / 10
    assert ex.overall_error == pytest.approx(np.sqrt(overall_mse))
    rows = rows_by_name(ceiling_table(ex, slice_metrics(ex, ["g"]), human=0.5))
    # slice a at human level (RMSE 0.5, MSE 0.25): overall MSE = 2.6 - 0.2 * (9 - 0.25)
    assert rows["g = a"].max_fall == pytest.approx(np.sqrt(2.6) - np.sqrt(2.6 - 0.2 * (9 - 0.25)))
    assert rows["g = a"].error == pytest.approx(3.0)


def test_tags_on_a_sample_of_errors_give_their_share_of_the_error():
    ex = two_slices()
    wrong = np.flatnonzero(ex.error > 0)[:10]
    tags = pd.DataFrame({"id": ex.ids[wrong].tolist() + ex.ids[wrong[:2]].tolist(),
                         "tag": ["blurry"] * 4 + ["dark"] * 6 + ["dark", "mislabeled"]})
    table = tag_table(ex, tags)
    rows = {r.tag: r for r in table.rows}
    assert table.reviewed == 10 and table.reviewed_errors == 10 and not table.covers_split
    assert rows["blurry"].share_of_errors == pytest.approx(0.4)
    assert rows["dark"].share_of_errors == pytest.approx(0.7)  # 6 + 1 of the blurry ones
    assert rows["dark"].max_fall == pytest.approx(0.7 * 0.09)
    assert rows["blurry"].error_rate is None  # only errors were tagged: their error rate is unknown
    lo, hi = rows["blurry"].share_ci
    assert lo < 0.4 < hi
    ceiling = rows_by_name(ceiling_table(ex, tags=table))
    assert ceiling["dark"].max_fall == pytest.approx(0.063) and ceiling["dark"].share is None
