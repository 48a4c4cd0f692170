"""The error ladder and its gaps (the seeds' bias/variance reasoning):

    human-level -> train -> train-dev -> dev -> test
    avoidable bias = train - human      variance = train-dev - train (dev - train without train-dev)
    data mismatch  = dev - train-dev    dev overfitting = test - dev
"""
from __future__ import annotations

import math

RUNGS = ("human", "train", "train_dev", "dev", "test")
GAPS = ("avoidable_bias", "variance", "data_mismatch", "dev_overfit")


def gap_steps(ladder: dict[str, float | None]) -> dict[str, tuple[str, str]]:
    """Which two rungs each gap is measured between, given the rungs this run has."""
    has_train_dev = ladder.get("train_dev") is not None
    return {
        "avoidable_bias": ("human", "train"),
        "variance": ("train", "train_dev" if has_train_dev else "dev"),
        "data_mismatch": ("train_dev", "dev"),
        "dev_overfit": ("dev", "test"),
    }


def gaps(ladder: dict[str, float | None]) -> dict[str, float | None]:
    """Each gap as plain arithmetic on the ladder; None where a rung is missing."""
    out: dict[str, float | None] = {}
    for gap, (lo, hi) in gap_steps(ladder).items():
        a, b = ladder.get(lo), ladder.get(hi)
        out[gap] = None if a is None or b is None else b - a
    return out


def default_tolerance(error_in_units: bool, ladder: dict[str, float | None]) -> float:
    """The smallest gap worth acting on when the config gives none: one point of error for errors that
    are shares of examples; 2% of the dev error (else of the largest rung) for errors in the target's units."""
    if not error_in_units:
        return 0.01
    scale = ladder.get("dev")
    if scale is None:
        scale = max((v for v in ladder.values() if v is not None), default=0.0)
    return 0.02 * abs(scale)


def is_problem(gap, tolerance: float) -> bool:
    """A gap (an Interval) is a problem when its whole interval lies above zero AND it is larger than the
    tolerance: a 0.4% +- 1.2% gap is noise, a 0.3% +- 0.1% one is real but too small to act on."""
    if gap is None or not math.isfinite(gap.low):
        return False
    return gap.low > 0 and round(gap.value, 12) > tolerance  # rounding: 0.16 - 0.15 is not above 0.01


def verdict(gap_intervals: dict, tolerance: float) -> tuple[str, list[str]]:
    """The largest gap that is a problem ('ok' when none is), and every problem gap, largest first."""
    problems = [g for g in GAPS if is_problem(gap_intervals.get(g), tolerance)]
    problems.sort(key=lambda g: -gap_intervals[g].value)
    return (problems[0] if problems else "ok"), problems
