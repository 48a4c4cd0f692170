"""Is the candidate better? The two variants the server split traffic between, scored on the requests
whose ground truth came back: each one's metric, the difference with its interval, a test suited to the
metric (two-proportion z-test for accuracy, bootstrap otherwise), how many more labelled requests the
observed difference needs at the chosen power, and a plain verdict.

Verdicts: `candidate_better` / `candidate_worse` (significant at watch.alpha), `no_difference` (the whole
interval lies within +-watch.min_effect: equivalence), and `not_yet_known` otherwise, or while an arm
has fewer than watch.min_labels labels. Requests of one client stick to one variant, so requests are
not fully independent; with many clients this matters little.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tuneup.config import Watch
from tuneup.watch.scoring import Outcomes, Scorer
from tuneup.watch.stats import Difference, Estimate, difference, estimate, more_needed

ARMS = ("primary", "candidate")
VERDICTS = ("candidate_better", "candidate_worse", "no_difference", "not_yet_known")


@dataclass
class Arm:
    variant: str
    models: list[str]
    requests: int
    labelled: int
    estimate: Estimate

    def to_dict(self) -> dict:
        return {"variant": self.variant, "models": self.models, "requests": self.requests,
                "labelled": self.labelled, "estimate": self.estimate.to_dict()}


@dataclass
class ABTest:
    metric: str
    higher_is_better: bool
    primary: Arm
    candidate: Arm
    difference: Difference | None  # candidate - primary, in the metric's units
    margin: float  # differences within +-margin count as none
    more_needed: int | None  # labelled requests (both arms) still needed for the observed difference
    verdict: str
    sentence: str

    def to_dict(self) -> dict:
        return {"metric": self.metric, "higher_is_better": self.higher_is_better,
                "primary": self.primary.to_dict(), "candidate": self.candidate.to_dict(),
                "difference": self.difference.to_dict() if self.difference else None, "margin": self.margin,
                "more_needed": self.more_needed, "verdict": self.verdict, "sentence": self.sentence}


def ab_test(scorer: Scorer, arms: dict[str, tuple[Outcomes, list[str], int]], settings: Watch) -> ABTest:
    """`arms`: variant -> (labelled outcomes, model names, requests)."""
    rng = np.random.default_rng(settings.seed)
    a, b = arms["primary"][0], arms["candidate"][0]
    built = {v: Arm(v, arms[v][1], arms[v][2], len(arms[v][0]),
                    estimate(scorer, arms[v][0], 1 - settings.alpha, settings.bootstrap, rng)) for v in ARMS}
    d = difference(scorer, a, b, settings.alpha, settings.bootstrap, rng)
    base = built["primary"].estimate.value
    relative = scorer.metric.error_in_units and base is not None
    margin = settings.min_effect * abs(base) if relative else settings.min_effect
    needed = more_needed(scorer, a, b, d, settings.alpha, settings.power) if d is not None else None
    verdict, sentence = _verdict(scorer, d, len(a), len(b), margin, needed, settings)
    return ABTest(scorer.metric.name, scorer.metric.higher_is_better, built["primary"], built["candidate"], d,
                  margin, needed, verdict, sentence)


def _verdict(scorer: Scorer, d: Difference | None, na: int, nb: int, margin: float, needed: int | None,
             settings: Watch) -> tuple[str, str]:
    name = scorer.metric.name
    if min(na, nb) < settings.min_labels or d is None:
        return "not_yet_known", (f"not yet known: {na} and {nb} labelled requests so far; each variant needs "
                                 f"{settings.min_labels} (watch.min_labels)")
    if -margin < d.low and d.high < margin:
        return "no_difference", (f"no difference that matters: {name} differs by {d.diff:+.4g} "
                                 f"({100 * (1 - settings.alpha):.0f}% interval {d.low:+.4g} to {d.high:+.4g}, "
                                 f"inside +-{margin:.4g})")
    if d.p_value < settings.alpha:
        better = (d.diff > 0) == scorer.metric.higher_is_better
        word = "better" if better else "worse"
        return f"candidate_{word}", (f"candidate {word}: {name} {d.diff:+.4g} ({100 * (1 - settings.alpha):.0f}% "
                                     f"interval {d.low:+.4g} to {d.high:+.4g}, p = {d.p_value:.2g}, {d.method})")
    more = f"about {needed:,} more labelled requests" if needed else "more labelled requests"
    return "not_yet_known", (f"not yet known: {name} differs by {d.diff:+.4g} (p = {d.p_value:.2g}); "
                             f"{more} would tell a difference this size at {settings.power:.0%} power")
