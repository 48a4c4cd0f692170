"""The error ladder and its gaps (the seeds' bias/variance reasoning):

    human-level -> train -> train-dev -> dev -> test
    avoidable bias = train - human      variance = train-dev - train (dev - train without train-dev)
    data mismatch  = dev - train-dev    dev overfitting = test - dev
"""
from __future__ import annotations

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
