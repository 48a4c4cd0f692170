"""A metric with its uncertainty, and the difference between two samples with a test suited to the metric.

Accuracy is a share of right answers: Wilson intervals, and the two-proportion z-test for differences.
Any other metric: the bootstrap (resampling examples). Beyond BOOTSTRAP_ROWS examples a resample of that
size is drawn and its spread scaled by sqrt(m / n) (the m-out-of-n bootstrap, valid for the smooth,
asymptotically normal metrics here), so a million labelled rows cost what twenty thousand do.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from tuneup.intervals import normal_quantile, percentile_interval, resample_draws, two_sided_p, wilson, z_value
from tuneup.watch.scoring import Outcomes, Scorer

BOOTSTRAP_ROWS = 20_000


@dataclass
class Estimate:
    value: float | None
    low: float | None
    high: float | None
    se: float | None
    n: int
    method: str  # wilson | bootstrap | none

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Difference:
    """b - a in the metric's own units, with its interval and a two-sided p-value."""

    diff: float
    low: float
    high: float
    se: float
    p_value: float
    method: str  # two-proportion z-test | bootstrap

    def to_dict(self) -> dict:
        return asdict(self)


def estimate(scorer: Scorer, o: Outcomes, confidence: float, resamples: int, rng: np.random.Generator) -> Estimate:
    """The metric on `o` with its interval at `confidence`: Wilson's for a proportion, else the bootstrap's."""
    n = len(o)
    if n == 0:
        return Estimate(None, None, None, None, 0, "none")
    value = scorer.value(o)
    if scorer.is_proportion:
        k = int(scorer.correct(o).sum())
        low, high = (float(x) for x in wilson(k, n, confidence))
        return Estimate(value, low, high, math.sqrt(value * (1 - value) / n), n, "wilson")
    draws = bootstrap(scorer, o, resamples, rng)
    if len(draws) < 10:
        return Estimate(value, None, None, None, n, "none")
    se = float(np.std(draws, ddof=1)) * _scale(n)
    if n <= BOOTSTRAP_ROWS:
        iv = percentile_interval(value, draws, confidence, "bootstrap", n)
        low, high = iv.low, iv.high
    else:
        low, high = value - z_value(confidence) * se, value + z_value(confidence) * se
    if scorer.metric.bounded:
        low, high = max(low, 0.0), min(high, 1.0)
    return Estimate(value, float(low), float(high), se, n, "bootstrap")


def bootstrap(scorer: Scorer, o: Outcomes, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The metric on `resamples` resamples with replacement (of at most BOOTSTRAP_ROWS rows); resamples
    where the metric is undefined (a single class for ROC AUC) are left out."""
    n = len(o)
    out = []
    for draws in resample_draws(n, resamples, rng, size=min(n, BOOTSTRAP_ROWS)):
        for rows in draws:
            try:
                out.append(scorer.value(o.take(rows)))
            except ValueError:
                continue
    return np.asarray([v for v in out if np.isfinite(v)], dtype=np.float64)


def _scale(n: int) -> float:
    return math.sqrt(min(n, BOOTSTRAP_ROWS) / n) if n else 1.0


def difference(scorer: Scorer, a: Outcomes, b: Outcomes, alpha: float, resamples: int,
               rng: np.random.Generator) -> Difference | None:
    """metric(b) - metric(a): the two-proportion z-test for accuracy (pooled for the p-value, unpooled
    for the interval), otherwise independent bootstraps of each sample."""
    if len(a) == 0 or len(b) == 0:
        return None
    q = z_value(1 - alpha)
    if scorer.is_proportion:
        ka, kb = int(scorer.correct(a).sum()), int(scorer.correct(b).sum())
        na, nb = len(a), len(b)
        pa, pb = ka / na, kb / nb
        se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
        pooled = (ka + kb) / (na + nb)
        se0 = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
        p = float(two_sided_p((pb - pa) / se0)) if se0 > 0 else 1.0
        return Difference(pb - pa, pb - pa - q * se, pb - pa + q * se, se, float(p), "two-proportion z-test")
    da, db = bootstrap(scorer, a, resamples, rng), bootstrap(scorer, b, resamples, rng)
    if len(da) < 10 or len(db) < 10:
        return None
    diff = scorer.value(b) - scorer.value(a)
    se = math.sqrt(np.var(da, ddof=1) * _scale(len(a)) ** 2 + np.var(db, ddof=1) * _scale(len(b)) ** 2)
    p = float(two_sided_p(diff / se)) if se > 0 else (1.0 if diff == 0 else 0.0)
    return Difference(diff, diff - q * se, diff + q * se, se, float(p), "bootstrap")


def more_needed(scorer: Scorer, a: Outcomes, b: Outcomes, d: Difference, alpha: float, power: float) -> int | None:
    """How many more labelled examples (both arms together, split as now) a two-sided test at `alpha`
    needs to detect the observed difference with probability `power`. None when the difference is 0."""
    na, nb = len(a), len(b)
    if d.diff == 0 or na == 0 or nb == 0:
        return None
    za, zb = z_value(1 - alpha), normal_quantile(power)
    if scorer.is_proportion:
        pa, pb = scorer.correct(a).mean(), scorer.correct(b).mean()
        k = nb / na  # the arms keep their current ratio
        pooled = (pa + k * pb) / (1 + k)
        spread0 = math.sqrt(pooled * (1 - pooled) * (1 + 1 / k))  # under "no difference"
        spread1 = math.sqrt(pa * (1 - pa) + pb * (1 - pb) / k)  # under the observed difference
        n_a = (za * spread0 + zb * spread1) ** 2
        total = n_a / d.diff**2 * (1 + k)
    else:  # the standard error shrinks as 1/sqrt(n) at a fixed split
        total = (na + nb) * ((za + zb) * d.se / abs(d.diff)) ** 2
    return max(0, math.ceil(total) - (na + nb))
