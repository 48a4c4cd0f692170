"""Learning curves follow a power law: err(n) = a * n^(-b) + c (Hestness et al. 2017, "Deep learning
scaling is predictable, empirically"). `c` is where more data of this kind stops helping.

The fit is bounded least squares (a >= 0, 0 <= b <= 5, 0 <= c <= the largest error) on the mean error
per training size, weighted by its spread when there are repeats. For a fixed b the problem is linear
in (a, c), so it is solved exactly on a grid of b (every resample at once) and b is then refined.
Uncertainty: a bootstrap that resamples the repeats at each size (with one repeat, the residuals).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar

MAX_EXPONENT = 5.0
GRID = np.linspace(0.0, MAX_EXPONENT, 501)


@dataclass(frozen=True)
class PowerLaw:
    a: float
    b: float
    c: float

    def __call__(self, n) -> np.ndarray:
        return self.a * np.power(np.asarray(n, dtype=float), -self.b) + self.c


def _solve(u: np.ndarray, e: np.ndarray, w: np.ndarray, top: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min over A >= 0, 0 <= c <= top of sum w (A u + c - e)^2, for many problems at once.
    u, e: (..., S); w: (S,). The minimum of a convex quadratic on a box lies inside or on an edge:
    try the free solution and each edge's, keep the best feasible one. Returns A, c, sse (...)."""
    sw, su, se = w.sum(), (w * u).sum(-1), (w * e).sum(-1)
    suu, sue = (w * u * u).sum(-1), (w * u * e).sum(-1)
    det = sw * suu - su * su
    safe = np.where(np.abs(det) > 1e-300, det, 1.0)
    a_free, c_free = (sw * sue - su * se) / safe, (suu * se - su * sue) / safe
    ok_free = (np.abs(det) > 1e-300) & (a_free >= 0) & (c_free >= 0) & (c_free <= top)
    candidates = [
        (np.zeros_like(se), np.clip(se / sw, 0, top)),  # A = 0
        (np.maximum(sue / np.maximum(suu, 1e-300), 0), np.zeros_like(se)),  # c = 0
        (np.maximum((sue - top * su) / np.maximum(suu, 1e-300), 0), np.full_like(se, top)),  # c = top
    ]
    best_a, best_c = np.where(ok_free, a_free, np.nan), np.where(ok_free, c_free, np.nan)
    best_sse = np.where(ok_free, _sse(best_a, best_c, u, e, w), np.inf)
    for a, c in candidates:
        s = _sse(a, c, u, e, w)
        better = s < best_sse
        best_a, best_c = np.where(better, a, best_a), np.where(better, c, best_c)
        best_sse = np.where(better, s, best_sse)
    return best_a, best_c, best_sse


def _sse(a, c, u, e, w):
    r = np.asarray(a)[..., None] * u + np.asarray(c)[..., None] - e
    return (w * r * r).sum(-1)


def fit_many(n, err, sigma=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit every row of `err` (R, S) at sizes `n` (S,): arrays a, b, c of shape (R,), b on the grid."""
    n, err = np.asarray(n, dtype=float), np.atleast_2d(np.asarray(err, dtype=float))
    x = n / n.max()  # fit A * x^-b on x in (0, 1]: A is of the errors' size
    w = np.ones_like(x) if sigma is None else 1 / np.square(np.asarray(sigma, dtype=float))
    top = max(float(err.max()), 1e-12)
    u = np.power(x[None, :], -GRID[:, None])  # (G, S)
    A, c, sse = _solve(u[None, :, :], err[:, None, :], w, top)  # (R, G)
    best = np.argmin(sse, axis=1)
    rows = np.arange(len(err))
    b = GRID[best]
    return A[rows, best] * n.max() ** b, b, c[rows, best]


def fit_power_law(n, err, sigma=None) -> PowerLaw:
    """The best a, b, c for one curve: the grid's b refined by a bounded scalar search."""
    n, err = np.asarray(n, dtype=float), np.asarray(err, dtype=float)
    x = n / n.max()
    w = np.ones_like(x) if sigma is None else 1 / np.square(np.asarray(sigma, dtype=float))
    top = max(float(err.max()), 1e-12)
    _, b0, _ = fit_many(n, err[None], sigma)
    step = GRID[1] - GRID[0]
    profile = lambda b: float(_solve(np.power(x, -b), err, w, top)[2])  # noqa: E731
    lo, hi = max(b0[0] - step, 0.0), min(b0[0] + step, MAX_EXPONENT)
    b = minimize_scalar(profile, bounds=(lo, hi), method="bounded", options={"xatol": 1e-10}).x if hi > lo else lo
    if profile(b) > profile(b0[0]):
        b = b0[0]
    A, c, _ = _solve(np.power(x, -b), err, w, top)
    return PowerLaw(float(A * n.max() ** b), float(b), float(c))


@dataclass
class FitWithUncertainty:
    law: PowerLaw
    a: np.ndarray  # refits on bootstrap resamples
    b: np.ndarray
    c: np.ndarray

    def _draws(self, n) -> np.ndarray:
        return self.a * np.power(float(n), -self.b) + self.c

    @staticmethod
    def interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
        tail = (1 - confidence) / 2
        lo, hi = np.quantile(values, [tail, 1 - tail])
        return float(lo), float(hi)

    def parameter(self, name: str, confidence: float) -> tuple[float, float]:
        return self.interval(getattr(self, name), confidence)

    def at(self, n: float, confidence: float) -> tuple[float, float, float]:
        """The fitted error at n and its interval."""
        return (float(self.law(n)), *self.interval(self._draws(n), confidence))

    def drop(self, n_from: float, n_to: float, confidence: float) -> tuple[float, float, float]:
        """How much the error falls from n_from to n_to, and its interval."""
        values = self._draws(n_from) - self._draws(n_to)
        return (float(self.law(n_from) - self.law(n_to)), *self.interval(values, confidence))


def fit_with_uncertainty(sizes, errors, resamples: int = 500, seed: int = 0) -> FitWithUncertainty:
    """`errors` is (sizes, repeats): one error per training size and repeat."""
    sizes = np.asarray(sizes, dtype=float)
    errors = np.asarray(errors, dtype=float).reshape(len(sizes), -1)
    if len(sizes) < 3:
        raise ValueError("a power law (3 parameters) needs at least 3 training sizes")
    law = fit_power_law(sizes, errors.mean(axis=1), _sigma(errors))
    rng = np.random.default_rng(seed)
    noise, df = _noise_of_means(sizes, errors, law)
    # parametric bootstrap: the fitted curve plus noise of the size measured, pooled over all sizes;
    # Student-t draws carry the uncertainty of that noise estimate itself
    means = law(sizes) + noise * rng.standard_t(df, size=(resamples, len(sizes)))
    sigma = _sigma(errors)
    a, b, c = fit_many(sizes, means, sigma)
    return FitWithUncertainty(law, a, b, c)


def _noise_of_means(sizes: np.ndarray, errors: np.ndarray, law: PowerLaw) -> tuple[float, int]:
    """The standard deviation of a size's mean error, and its degrees of freedom: the larger of the
    repeats' spread (pooled over sizes) and the means' scatter around the fitted law."""
    s, r = errors.shape
    means = errors.mean(axis=1)
    lack_df = max(s - 3, 1)
    lack = float(np.sum((means - law(sizes)) ** 2)) / lack_df
    if r > 1:
        within = float(np.sum(errors.var(axis=1, ddof=1))) / s / r  # pooled, per mean
        if within >= lack:
            return float(np.sqrt(within)), s * (r - 1)
    return float(np.sqrt(lack)), lack_df


def _sigma(errors: np.ndarray) -> np.ndarray | None:
    if errors.shape[1] < 2:
        return None
    spread = errors.std(axis=1, ddof=1) / np.sqrt(errors.shape[1])
    floor = max(float(np.median(spread)), 1e-3 * max(float(np.abs(errors).max()), 1e-12))
    return np.maximum(spread, floor)  # one size whose repeats happen to agree must not take all the weight
