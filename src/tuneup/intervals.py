"""Every interval tuneup shows is made here, from one normal quantile and one confidence convention (a
`confidence` of 0.95 is a 95% interval; `alpha` names only a test's significance level):

- from group sums (a slice's, a tag's, a window's n errors, their sum s and sum of squares q; vectorised over
  groups): Wilson score intervals for 0/1 errors (Newcombe's hybrid for a difference), which behave at 0% and
  100% where the normal approximation does not, and normal ones for other errors; one- and two-sided p-values;
- from draws: the percentile interval of bootstrap resamples (`percentile_interval`; the resampling itself is
  `resample_draws` / `resample_counts`, shared by a run's vectorised bootstrap in `diagnose/bootstrap.py` and
  the live windows of `watch/stats.py`);
- a rung or gap of the error ladder (`Measured`, `interval_of`, `gap_interval`):
- bootstrap: the run's own predictions, resampled (one model, a finite sample of examples);
- folds: one error per K-fold model; the interval is Student's t with Nadeau & Bengio's correction
  (the models share most of their training data, so their errors are not independent:
  var = s^2 (1/J + n_dev/n_train) for J models);
- exact: a given number (human-level error).

A gap between two bootstrapped rungs subtracts independent resamples; between two fold rungs, the
per-fold differences (the same model on both splits); otherwise the variances add (normal approximation).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from statistics import NormalDist

import numpy as np
from scipy.special import ndtr, stdtrit  # the normal CDF, Student's t quantile; scipy.stats would add seconds to imports

CONFIDENCE = 0.95
_CELLS = 4_000_000  # resample counts per chunk: bounded memory for large splits


@dataclass(frozen=True)
class Interval:
    """An error (or a gap) and its confidence interval."""

    value: float
    low: float
    high: float
    std: float  # of the resampled values (folds: their standard deviation)
    confidence: float
    method: str  # "bootstrap", "folds", "exact" (human-level: given, not measured)
    n: int  # examples (bootstrap) or models (folds)

    @property
    def above_zero(self) -> bool:
        return self.low > 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def exact(cls, value: float) -> "Interval":
        return cls(value, value, value, 0.0, 1.0, "exact", 0)


# ---- from group sums -------------------------------------------------------------------------------
def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: a `confidence` interval is the estimate +- z_value * its standard error."""
    return normal_quantile(0.5 + confidence / 2)


def normal_quantile(p: float) -> float:
    return NormalDist().inv_cdf(p)


def two_sided_p(z) -> np.ndarray:
    """The two-sided p-value of a standard normal statistic."""
    return 2 * ndtr(-np.abs(z))


def wilson(s, n, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion s / n (arrays allowed; n = 0 gives [0, 1])."""
    s, n = np.asarray(s, dtype=float), np.asarray(n, dtype=float)
    z = z_value(confidence)
    safe = np.maximum(n, 1.0)
    p = s / safe
    centre = (p + z**2 / (2 * safe)) / (1 + z**2 / safe)
    half = z * np.sqrt(p * (1 - p) / safe + z**2 / (4 * safe**2)) / (1 + z**2 / safe)
    lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    return np.where(n > 0, lo, 0.0), np.where(n > 0, hi, 1.0)


def mean_interval(s, q, n, binary: bool, confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a group's mean error."""
    if binary:
        return wilson(s, n, confidence)
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    m = np.asarray(s) / n
    se = np.sqrt(_variance(s, q, n) / n)
    z = z_value(confidence)
    return m - z * se, m + z * se


def difference_interval(s1, q1, n1, s2, q2, n2, binary: bool,
                        confidence: float = CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Interval for mean1 - mean2 of two independent groups (Newcombe's hybrid score method for 0/1)."""
    m1 = np.asarray(s1) / np.maximum(n1, 1)
    m2 = np.asarray(s2) / np.maximum(n2, 1)
    d = m1 - m2
    if binary:
        l1, u1 = wilson(s1, n1, confidence)
        l2, u2 = wilson(s2, n2, confidence)
        return d - np.sqrt((m1 - l1) ** 2 + (u2 - m2) ** 2), d + np.sqrt((u1 - m1) ** 2 + (m2 - l2) ** 2)
    se = np.sqrt(_variance(s1, q1, n1) / np.maximum(n1, 1) + _variance(s2, q2, n2) / np.maximum(n2, 1))
    z = z_value(confidence)
    return d - z * se, d + z * se


def worse_p_value(s1, q1, n1, s2, q2, n2, binary: bool) -> np.ndarray:
    """One-sided p-value that group 1's mean error exceeds group 2's (pooled z for 0/1, Welch's z otherwise)."""
    n1, n2 = np.maximum(np.asarray(n1, dtype=float), 1), np.maximum(np.asarray(n2, dtype=float), 1)
    d = np.asarray(s1) / n1 - np.asarray(s2) / n2
    if binary:
        p = (np.asarray(s1) + np.asarray(s2)) / (n1 + n2)
        se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    else:
        se = np.sqrt(_variance(s1, q1, n1) / n1 + _variance(s2, q2, n2) / n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, d / np.where(se > 0, se, 1), np.where(d > 0, np.inf, 0.0))
    return ndtr(-z)  # the upper tail


def _variance(s, q, n) -> np.ndarray:
    """Sample variance (n - 1) from the sums; 0 for groups of one."""
    n = np.asarray(n, dtype=float)
    m = np.asarray(s) / np.maximum(n, 1)
    return np.maximum(np.asarray(q) - n * m**2, 0.0) / np.maximum(n - 1, 1)


# ---- from draws ------------------------------------------------------------------------------------
def resample_draws(n: int, resamples: int, rng: np.random.Generator, size: int | None = None) -> Iterator[np.ndarray]:
    """Chunks of (b, size) indices of examples drawn with replacement, `resamples` rows in all (`size`: n, or
    m for an m-out-of-n bootstrap)."""
    size = n if size is None else size
    chunk = max(1, min(resamples, _CELLS // max(size, 1)))
    done = 0
    while done < resamples:
        b = min(chunk, resamples - done)
        yield rng.integers(0, n, size=(b, size))
        done += b


def resample_counts(n: int, resamples: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Chunks of (b, n) counts: how often each example is drawn in each resample."""
    for draws in resample_draws(n, resamples, rng):
        b = len(draws)
        flat = (draws + (np.arange(b) * n)[:, None]).ravel()
        yield np.bincount(flat, minlength=b * n).reshape(b, n).astype(np.float64)


def percentile_interval(value: float, samples: np.ndarray, confidence: float, method: str, n: int) -> Interval:
    if len(samples) == 0:
        return Interval(value, np.nan, np.nan, np.nan, confidence, method, n)
    tail = (1 - confidence) / 2
    low, high = np.quantile(samples, [tail, 1 - tail])
    return Interval(float(value), float(low), float(high), float(np.std(samples)), confidence, method, n)


# ---- the error ladder's rungs and gaps ---------------------------------------------------------------
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
    half = stdtrit(j - 1, 0.5 + confidence / 2) * s * np.sqrt(1 / j + ratio)
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
