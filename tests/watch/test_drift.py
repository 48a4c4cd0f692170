"""Drift: a planted shift is found in its feature and nowhere else, at small and large sample sizes; a
stationary stream raises no alarm."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tuneup
from tuneup.watch import drift
from tuneup.watch.windows import cut

TYPES = {"a": "numeric", "b": "numeric", "c": "numeric", "city": "categorical"}


def test_planted_drift_in_one_feature_is_found_there_only(logs, trained_table_run):
    report = tuneup.monitor(trained_table_run, logs("age", drift={"age": 0.8}, drift_from=0.5))
    d = report.data_drift
    assert d.drifted == ["age"]
    late = [w for w in d.windows if w.start >= pd.Timestamp("2026-03-06", tz="UTC")]
    early = [w for w in d.windows if w.start < pd.Timestamp("2026-03-06", tz="UTC")]
    assert all(w.drifted == ["age"] for w in late) and all(w.compared and not w.drifted for w in early)
    assert report.alarms["drift"] and "age" in report.drift_reasons()[0]
    assert d.classifier.top_features[0][0] == "age"


def test_a_stationary_stream_raises_no_alarm(logs, trained_table_run):
    report = tuneup.monitor(trained_table_run, logs("stationary", feedback=0.5))
    assert report.data_drift.drifted == [] and not any(w.drifted for w in report.data_drift.windows)
    assert report.prediction_drift.drifted == []
    assert report.data_drift.classifier.auc < 0.6
    assert report.alarms == {"drift": False, "performance": False}
    page = report._repr_html_()
    assert "Has the input changed?</b> no" in page and page.count("<table>") == 2


def test_a_changed_category_mix_is_found(logs, trained_table_run):
    report = tuneup.monitor(trained_table_run, logs("city", drift={"city": ("oslo", 0.7)}, drift_from=0.3))
    assert report.data_drift.drifted == ["city"]


def synthetic(n: int, seed: int, shift: float = 0.0, tiny: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"a": rng.normal(0, 1, n) + shift, "b": rng.normal(5, 2, n) + tiny,
                         "c": rng.exponential(1.0, n), "city": rng.choice(["paris", "rome", "oslo"], n)})


def times(n: int) -> pd.Series:
    return pd.Series(pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(np.linspace(0, 3 * 86400, n), unit="s"))


@pytest.mark.slow
def test_large_samples_flag_the_shift_and_not_the_trivial(tmp_path):
    """A million rows against 200,000: a 0.3-sd shift in `a` is flagged; a 0.05-sd nudge in `b` is
    significant but too small to matter; the rest is noise."""
    ref, cur = synthetic(200_000, 0), synthetic(1_000_000, 1, shift=0.3, tiny=0.1)
    found = drift.data_drift(ref, cur, TYPES, cut(times(len(cur)), "1D"), 100, "train split")
    assert found.drifted == ["a"]
    b = next(s for s in found.features if s.column == "b")
    assert b.p_value < 1e-6 and b.effect < 0.1 and not b.flagged  # significant, but too small to matter
    assert all(w.drifted == ["a"] for w in found.windows if w.compared) and found.windows[0].compared
    still = drift.data_drift(ref, synthetic(1_000_000, 2), TYPES, cut(times(1_000_000), "1D"), 100, "train split")
    assert still.drifted == [] and not any(w.drifted for w in still.windows)


def test_small_samples_find_a_large_shift_and_ignore_noise():
    ref = synthetic(2000, 0)
    found = drift.data_drift(ref, synthetic(300, 1, shift=1.0), TYPES, cut(times(300), "auto"), 100, "train")
    assert found.drifted == ["a"]
    for seed in range(5):
        quiet = drift.data_drift(ref, synthetic(300, seed + 10), TYPES, cut(times(300), "auto"), 100, "train")
        assert quiet.drifted == [] and not any(w.drifted for w in quiet.windows)


def test_windows_too_small_are_not_compared():
    ref = synthetic(2000, 0)
    found = drift.data_drift(ref, synthetic(60, 1, shift=2.0), TYPES, cut(times(60), "1D"), 100, "train")
    assert [w.compared for w in found.windows] == [False] * len(found.windows)
    assert found.drifted == ["a"]  # all rows together still are enough


@pytest.mark.slow
def test_image_brightness_drift_is_found(tmp_path, trained_image_run):
    from loggen import simulate

    dark = simulate(trained_image_run, tmp_path / "dark", n=170, splits=("train_dev",),
                    image_drift={"brightness": 0.5}, drift_from=0.5)
    report = tuneup.monitor(trained_image_run, dark)
    assert "brightness" in report.data_drift.drifted
    assert report.data_drift.images["source"].startswith("measured on the logged images")
    med = report.data_drift.images["medians"]["brightness"]
    assert med["current"] < med["reference"]
    same = simulate(trained_image_run, tmp_path / "same", n=170, splits=("train_dev",), seed=3)
    quiet = tuneup.monitor(trained_image_run, same)
    assert quiet.data_drift.drifted == [] and quiet.data_drift.embedding.auc < 0.7
