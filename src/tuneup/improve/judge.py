"""Keep a candidate only if it beats the incumbent beyond the noise, on dev, never on test, and only if it
learned something.

Each candidate is compared with the incumbent by a paired bootstrap of their dev errors on the dev
examples both were measured on (`error_difference`: the same resamples for both, so what they share
cancels out; candidates that re-split the data are compared on the examples still in both dev sets).
The loop picks the best of several candidates, so a lucky one would beat the incumbent by chance
more often than the interval's confidence says: the intervals are widened by Bonferroni over the
candidates of the step (95% for one candidate, 99% for five). A candidate still at or near chance on its
own training data (it did not learn: `diagnose/evidence.py`) is never kept, whatever dev says.

Candidates are judged one by one as they finish (`judge_one`, so progress can say how each did), and
the step keeps the best of those that beat the incumbent (`pick`). When none does, a much simpler model
(at most half the incumbent's parameters: a linear model for a network, a smaller network) that is not
worse beyond the noise and no worse at all in its point estimate is kept instead, as the one-standard-error
rule of CART and glmnet keeps the simplest model within the noise of the best: it is as good as far as dev
can tell, and it is cheaper and less likely to have fit noise. It is reported as that, never as a gain.
"""
from __future__ import annotations

from dataclasses import dataclass

from tuneup.config import Diagnose
from tuneup.diagnose.bootstrap import ErrorDifference, error_difference, split_interval
from tuneup.intervals import Interval
from tuneup.runs import Run
from tuneup.train.loop import LEARNED

SIMPLER = 0.5  # a candidate with at most this share of the incumbent's parameters counts as simpler


@dataclass
class Judgement:
    dev: Interval  # the candidate's own dev error (on its own dev set)
    difference: ErrorDifference  # candidate - incumbent on the shared dev examples
    learned: bool = True  # the candidate's training error is clearly below chance
    outcome: str = ""  # kept | beats | simpler | within noise | worse | did not learn
    why: str = ""
    parameters: tuple[int, int] | None = None  # (candidate's, incumbent's) trainable parameters


def judge_one(incumbent: Run, candidate: Run, settings: Diagnose, k: int, fmt) -> Judgement:
    """`candidate` against `incumbent`, at a confidence widened for the `k` candidates of its step.
    `fmt(value, unit=True, signed=False)` writes an error difference in points or the target's units."""
    s = candidate.summary
    dev = split_interval(candidate, "dev", settings)
    confidence = step_confidence(settings, k)
    diff = error_difference(incumbent, candidate, "dev", settings.resamples, confidence, settings.seed)
    sizes = (s["training"].get("parameters"), incumbent.summary["training"].get("parameters"))
    j = Judgement(dev, diff, learned(s), parameters=sizes if None not in sizes else None)
    j.outcome, j.why = _verdict(j, fmt, k, confidence)
    return j


def pick(judgements: list[Judgement], names: list[str]) -> int | None:
    """The index of the candidate to keep (the largest improvement among those that beat the incumbent
    and learned), or None; the other beaters are told who beat them by more."""
    beaters = [i for i, j in enumerate(judgements) if j.outcome == "beats"]
    best = min(beaters, key=lambda i: judgements[i].difference.difference.value) if beaters else None
    for i in beaters:
        if i == best:
            judgements[i].outcome = "kept"
        else:
            judgements[i].why += f", but {names[best]} beats it by more"
    if best is None:  # nothing better beyond the noise: the simplest model that is as good, if there is one
        simpler = [i for i, j in enumerate(judgements) if j.outcome == "simpler"]
        best = min(simpler, key=lambda i: (judgements[i].difference.candidate, judgements[i].parameters[0])) \
            if simpler else None
        if best is not None:
            judgements[best].outcome = "kept"
    return best


def step_confidence(settings: Diagnose, k: int) -> float:
    return 1 - (1 - settings.confidence) / max(k, 1)


def learned(summary: dict) -> bool:
    """The run's training error is clearly below chance (always answering the majority class / the mean)."""
    from tuneup.diagnose.evidence import chance_level

    chance, train = chance_level(summary), summary["ladder"].get("train")
    return chance is None or train is None or train <= LEARNED * chance


def _verdict(j: Judgement, fmt, k: int, confidence: float) -> tuple[str, str]:
    d = j.difference
    iv = d.difference
    better = f"{fmt(-iv.value)} [{fmt(-iv.high, False)}, {fmt(-iv.low, False)}]"
    shared = f" on {d.n_common} shared dev examples" if d.n_common < max(d.n_incumbent, d.n_candidate) else ""
    conf = f"{confidence:.1%}".replace(".0%", "%") + (f", Bonferroni over {k}" if k > 1 else "")
    if not j.learned:
        return "did not learn", ("did not learn: its training error is at or near chance, so whatever dev says it "
                                 "is not kept")
    if d.beats:
        return "beats", f"beats the incumbent by {better}{shared} ({conf})"
    sizes = j.parameters
    if sizes and not d.worse and iv.value <= 0 and sizes[0] <= SIMPLER * sizes[1]:
        change = f"{fmt(iv.value, signed=True)} [{fmt(iv.low, False, True)}, {fmt(iv.high, False, True)}]"
        return "simpler", (f"as good within the noise (dev error {change}{shared}, {conf}) with {sizes[0]:,} "
                           f"parameters instead of {sizes[1]:,}: the simpler model")
    if d.worse:
        worse = f"{fmt(iv.value)} [{fmt(iv.low, False)}, {fmt(iv.high, False)}]"
        return "worse", f"worse than the incumbent by {worse}{shared} ({conf})"
    change = f"{fmt(iv.value, signed=True)} [{fmt(iv.low, False, True)}, {fmt(iv.high, False, True)}]"
    return "within noise", f"within the noise: dev error {change}{shared} ({conf})"
