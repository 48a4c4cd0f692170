"""Where each rung's and gap's interval comes from.

- bootstrap: the run's own predictions, resampled (one model, a finite sample of examples);
- folds: one error per K-fold model; the interval is Student's t with Nadeau & Bengio's correction
  (the models share most of their training data, so their errors are not independent:
  var = s^2 (1/J + n_dev/n_train) for J models);
- exact: a given number (human-level error).

A gap between two bootstrapped rungs subtracts independent resamples; between two fold rungs, the
per-fold differences (the same model on both splits); otherwise the variances add (normal approximation).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from tuneup.diagnose.bootstrap import Interval, percentile_interval
from tuneup.errors.stats import z_value


@dataclass
class Measured:
    """One rung: its value and the draws its uncertainty comes from."""

    value: float
    draws: np.ndarray  # bootstrap: the error on each resample; folds: one error per model; exact: empty
    method: str  # bootstrap | folds | exact
    n: int  # examples (bootstrap) or models (folds)
    dev_train_ratio: float = 0.0  # folds: n_dev / n_train, for the correction

    @classmethod
    def exact(cls, value: float) -> "Measured":
        return cls(float(value), np.empty(0), "exact", 0)


def folds_interval(value: float, values: np.ndarray, ratio: float, confidence: float) -> Interval:
    j = len(values)
    if j < 2:
        return Interval(value, np.nan, np.nan, np.nan, confidence, "folds", j)
    s = float(np.std(values, ddof=1))
    half = stats.t.ppf(0.5 + confidence / 2, j - 1) * s * np.sqrt(1 / j + ratio)
    return Interval(value, value - half, value + half, s, confidence, "folds", j)


def interval_of(m: Measured, confidence: float) -> Interval:
    """A rung's interval. Errors are never negative, so neither is the t-interval's lower end."""
    if m.method == "exact":
        return Interval.exact(m.value)
    if m.method == "folds":
        iv = folds_interval(m.value, m.draws, m.dev_train_ratio, confidence)
        return replace(iv, low=max(iv.low, 0.0)) if iv.low == iv.low else iv
    return percentile_interval(m.value, m.draws, confidence, "bootstrap", m.n)


def gap_interval(lo: Measured, hi: Measured, confidence: float) -> Interval:
    """The interval of hi - lo."""
    value = hi.value - lo.value
    if lo.method == "exact" or hi.method == "exact":
        moving, sign = (hi, 1.0) if lo.method == "exact" else (lo, -1.0)
        shifted = Measured(value, value + sign * (moving.draws - moving.value), moving.method, moving.n,
                           moving.dev_train_ratio)
        return interval_of(shifted, confidence)
    if lo.method == hi.method == "folds" and len(lo.draws) == len(hi.draws):
        return folds_interval(value, hi.draws - lo.draws, max(lo.dev_train_ratio, hi.dev_train_ratio), confidence)
    if lo.method == hi.method == "bootstrap":
        k = min(len(lo.draws), len(hi.draws))
        return percentile_interval(value, hi.draws[:k] - lo.draws[:k], confidence, "bootstrap", min(lo.n, hi.n))
    a, b = interval_of(lo, confidence), interval_of(hi, confidence)
    z = z_value(confidence)
    std = float(np.hypot((a.high - a.low) / (2 * z), (b.high - b.low) / (2 * z)))
    return Interval(value, value - z * std, value + z * std, std, confidence, "normal approximation", min(a.n, b.n))
