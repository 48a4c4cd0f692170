"""Intervals and tests for error rates and mean errors, from group sums (vectorised over groups).

A group is summarised by n (examples), s (sum of per-example errors) and q (sum of their squares).
0/1 errors (misclassified or not) get score intervals (Wilson; Newcombe's hybrid for a difference),
which behave at 0% and 100% where the normal approximation does not; other errors get normal ones.
"""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
from scipy.special import ndtr  # the normal CDF; scipy.stats would add seconds to `import tuneup`

CONFIDENCE = 0.95


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
