"""The verdict rule on the seeds' numbers, and noise is never called a problem."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneup.diagnose.bootstrap import bootstrap_errors, error_interval, metric_inputs
from tuneup.intervals import Interval
from tuneup.diagnose.diagnosis import gap_intervals
from tuneup.diagnose.ladder import default_tolerance, gaps, is_problem, verdict
from tuneup.intervals import Measured
from tuneup.errors.metrics import get_metric


def judge(ladder: dict, tolerance: float = 0.01):
    """The diagnosis' own gap arithmetic and verdict on exact rungs (no uncertainty)."""
    rungs = {r: None if v is None else Measured.exact(v) for r, v in ladder.items()}
    ivs = gap_intervals(rungs, 0.95, ladder.get("human"))
    return {g: None if v is None else round(v.value, 12) for g, v in ivs.items()}, *verdict(ivs, tolerance)


def test_seeds_overfitting_train_1_dev_11():
    g, v, problems = judge({"human": None, "train": 0.01, "train_dev": None, "dev": 0.11, "test": None})
    assert g["avoidable_bias"] == pytest.approx(0.01) and g["variance"] == pytest.approx(0.10)
    assert v == "variance" and problems == ["variance"]  # 1 point of bias is not above the 1-point tolerance


def test_seeds_underfitting_train_15_dev_16():
    g, v, _ = judge({"human": None, "train": 0.15, "train_dev": None, "dev": 0.16, "test": None})
    assert g["avoidable_bias"] == pytest.approx(0.15) and g["variance"] == pytest.approx(0.01)
    assert v == "avoidable_bias"


def test_seeds_human_level_14_is_no_longer_a_bias_problem():
    g, v, problems = judge({"human": 0.14, "train": 0.15, "train_dev": None, "dev": 0.16, "test": None})
    assert g["avoidable_bias"] == pytest.approx(0.01)
    assert v != "avoidable_bias" and "avoidable_bias" not in problems
    assert v == "ok"  # both gaps are 1 point: neither is above the tolerance


def test_ng_lecture_case_human_7_5_train_8_dev_10_is_variance():
    _, v, problems = judge({"human": 0.075, "train": 0.08, "train_dev": None, "dev": 0.10, "test": None})
    assert v == "variance" and problems == ["variance"]


def test_full_ladder_picks_the_largest_gap_and_lists_the_others():
    g, v, problems = judge({"human": 0.01, "train": 0.03, "train_dev": 0.08, "dev": 0.20, "test": 0.23})
    assert g == pytest.approx({"avoidable_bias": 0.02, "variance": 0.05, "data_mismatch": 0.12, "dev_overfit": 0.03})
    assert v == "data_mismatch" and problems == ["data_mismatch", "variance", "dev_overfit", "avoidable_bias"]


def test_plain_arithmetic_agrees_with_the_diagnosis_arithmetic():
    ladder = {"human": 0.02, "train": 0.05, "train_dev": 0.06, "dev": 0.13, "test": None}
    assert judge(ladder)[0] == pytest.approx({k: v for k, v in gaps(ladder).items()})


def test_tolerance_is_configurable():
    ladder = {"human": None, "train": 0.0, "train_dev": None, "dev": 0.03, "test": None}
    assert judge(ladder, tolerance=0.01)[1] == "variance"
    assert judge(ladder, tolerance=0.05)[1] == "ok"


def test_default_tolerance_is_a_point_for_shares_and_relative_for_units():
    assert default_tolerance(False, {"dev": 0.3}) == 0.01
    assert default_tolerance(True, {"train": 10.0, "dev": 50.0}) == pytest.approx(1.0)


def test_an_interval_that_reaches_zero_is_never_a_problem():
    assert not is_problem(Interval(0.004, -0.008, 0.016, 0.006, 0.95, "bootstrap", 500), 0.0)  # 0.4% +- 1.2%
    assert not is_problem(Interval(0.03, -0.001, 0.06, 0.015, 0.95, "bootstrap", 500), 0.01)
    assert is_problem(Interval(0.03, 0.01, 0.05, 0.01, 0.95, "bootstrap", 500), 0.01)
    assert not is_problem(Interval(0.008, 0.004, 0.012, 0.002, 0.95, "bootstrap", 50_000), 0.01)  # real but small


def _predictions(n: int, error: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    wrong = rng.random(n) < error
    pred = np.where(wrong, 1 - y, y)
    return pd.DataFrame({"id": [f"r{i}" for i in range(n)], "y_true": y, "y_pred": pred, "score": pred * 0.8 + 0.1})


def test_a_small_gap_inside_the_noise_is_not_a_problem():
    """Train 10% on 300 examples, dev 10.5% on 200: the 0.5-point gap's interval spans zero."""
    rungs = {}
    for i, (split, n, err) in enumerate([("train", 300, 0.10), ("dev", 200, 0.105)]):
        frame = _predictions(n, err, seed=i)
        iv = error_interval(frame, "accuracy", "binary", classes=[0, 1], seed=i)
        draws = bootstrap_errors(get_metric("accuracy"), metric_inputs(frame, "binary", [0, 1]), seed=i)
        rungs[split] = Measured(iv.value, draws, "bootstrap", n)
    rungs.update(human=None, train_dev=None, test=None)
    ivs = gap_intervals(rungs, 0.95, 0.08)  # human-level 8%
    assert ivs["variance"].low < 0 < ivs["variance"].high
    for tolerance in (0.0, 0.01):
        v, problems = verdict(ivs, tolerance)
        assert "variance" not in problems
