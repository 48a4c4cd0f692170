"""Has the model got worse? The metric on predictions whose ground truth came back, overall and per
window, with intervals, next to the dev figure: the alarm for concept drift, which inputs alone can't show.

A window (or the whole log) counts as worse when its error exceeds dev's by more than the tolerance
(`watch.performance_drop`) AND the rise is significant (one-sided, at `watch.alpha` over the number of
windows judged: Bonferroni), so noise in a small window raises nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuneup.config import Watch
from tuneup.watch.scoring import Outcomes, Scorer
from tuneup.watch.stats import Difference, Estimate, difference, estimate
from tuneup.watch.windows import Windows


@dataclass
class WindowPerformance:
    start: object
    end: object
    n_labelled: int
    estimate: Estimate | None  # None: fewer labels than watch.min_labels
    error_increase: float | None = None
    p_value: float | None = None  # one-sided: live error above dev's
    worse: bool = False

    def to_dict(self) -> dict:
        d = dict(self.__dict__)
        d["estimate"] = self.estimate.to_dict() if self.estimate else None
        return d


@dataclass
class LivePerformance:
    metric: str
    error_of: str
    higher_is_better: bool
    dev: Estimate
    live: Estimate
    change: Difference | None  # live - dev, in the metric's units
    error_increase: float | None  # live error - dev error
    tolerance: float  # the rise in error that counts (absolute)
    level: float  # the one-sided significance level each judgement used
    p_value: float | None  # one-sided: all live labels' error above dev's
    overall_worse: bool  # all labelled traffic together
    windows: list[WindowPerformance]
    unscored: int = 0  # labelled predictions whose label or prediction the run does not know
    notes: list[str] = field(default_factory=list)

    @property
    def worse(self) -> bool:
        return self.overall_worse or any(w.worse for w in self.windows)

    @property
    def worse_windows(self) -> list[WindowPerformance]:
        return [w for w in self.windows if w.worse]

    def to_dict(self) -> dict:
        return {"metric": self.metric, "error_of": self.error_of, "higher_is_better": self.higher_is_better,
                "dev": self.dev.to_dict(), "live": self.live.to_dict(),
                "change": self.change.to_dict() if self.change else None, "error_increase": self.error_increase,
                "tolerance": self.tolerance, "level": self.level, "p_value": self.p_value,
                "overall_worse": self.overall_worse, "worse": self.worse,
                "windows": [w.to_dict() for w in self.windows], "unscored": self.unscored, "notes": self.notes}


def tolerance(scorer: Scorer, dev_error: float, share: float) -> float:
    """`share` as an absolute rise for errors in [0, 1]; relative to dev's error for errors in units."""
    return share * abs(dev_error) if scorer.metric.error_in_units else share


def live_performance(scorer: Scorer, dev: Outcomes, live: Outcomes, windows: Windows, settings: Watch,
                     unscored: int = 0) -> LivePerformance:
    """`live`: the labelled predictions of this run's model, in time order, cut by `windows`."""
    rng = np.random.default_rng(settings.seed)
    alpha, b = settings.alpha, settings.bootstrap
    dev_est = estimate(scorer, dev, 1 - alpha, b, rng)
    tol = tolerance(scorer, scorer.error(dev_est.value), settings.performance_drop)
    counts = [windows.size(i) for i in range(len(windows))]
    judged = [i for i in range(len(windows)) if counts[i] >= settings.min_labels]
    level = alpha / (1 + len(judged))
    live_est = estimate(scorer, live, 1 - alpha, b, rng)
    enough = len(live) >= settings.min_labels
    overall = _judge(scorer, dev, live, dev_est, tol, level, settings, rng) if enough else None
    rows = []
    for i in range(len(windows)):
        span = windows.span(i)
        if i not in judged:
            rows.append(WindowPerformance(span["start"], span["end"], int(counts[i]), None))
            continue
        span_rows = windows.rows(i)
        part = live.take(np.arange(span_rows.start, span_rows.stop))
        change, rise, p, worse = _judge(scorer, dev, part, dev_est, tol, level, settings, rng)
        rows.append(WindowPerformance(span["start"], span["end"], len(part), estimate(scorer, part, 1 - alpha, b, rng),
                                      rise, p, worse))
    change, rise, p_value, worse = overall or (None, None, None, False)
    notes = []
    if len(live) < settings.min_labels:
        notes.append(f"{len(live)} labelled predictions so far; the live metric is judged from "
                     f"{settings.min_labels} (watch.min_labels)")
    return LivePerformance(scorer.metric.name, scorer.metric.error_of, scorer.metric.higher_is_better, dev_est,
                           live_est, change, rise, tol, level, p_value, worse, rows, unscored, notes)


def _judge(scorer: Scorer, dev: Outcomes, live: Outcomes, dev_est: Estimate, tol: float, level: float,
           settings: Watch, rng: np.random.Generator) -> tuple[Difference | None, float | None, float | None, bool]:
    """(live - dev, rise in error, one-sided p of a rise, worse?)."""
    change = difference(scorer, dev, live, settings.alpha, settings.bootstrap, rng)
    if change is None:
        return None, None, None, False
    rise = scorer.error(dev_est.value + change.diff) - scorer.error(dev_est.value)
    one_sided = change.p_value / 2 if rise > 0 else 1 - change.p_value / 2
    return change, float(rise), float(one_sided), bool(rise > tol and one_sided < level)
