"""Keep a candidate only if it beats the incumbent beyond the noise, on dev, never on test.

Each candidate is compared with the incumbent by a paired bootstrap of their dev errors on the dev
examples both were measured on (`error_difference`: the same resamples for both, so what they share
cancels out; candidates that re-split the data are compared on the examples still in both dev sets).
The loop picks the best of several candidates, so a lucky one would beat the incumbent by chance
more often than the interval's confidence says: the intervals are widened by Bonferroni over the
candidates of the step (95% for one candidate, 99% for five).
"""
from __future__ import annotations

from dataclasses import dataclass

from tuneup.config import Diagnose
from tuneup.diagnose.bootstrap import ErrorDifference, Interval, error_difference, error_interval
from tuneup.runs import Run


@dataclass
class Judgement:
    dev: Interval  # the candidate's own dev error (on its own dev set)
    difference: ErrorDifference  # candidate - incumbent on the shared dev examples
    outcome: str = ""  # kept | beats | within noise | worse
    why: str = ""


def judge(incumbent: Run, candidates: list[Run], settings: Diagnose, fmt) -> tuple[list[Judgement], int | None]:
    """Judgements in the candidates' order, and the index of the one to keep (None: keep the incumbent).
    `fmt(value, unit=True, signed=False)` writes an error difference in points or the target's units."""
    if not candidates:
        return [], None
    confidence = 1 - (1 - settings.confidence) / len(candidates)
    out = []
    for run in candidates:
        s = run.summary
        dev = error_interval(run.predictions("dev"), s["metric"], s["task"], run.encoder.classes,
                             settings.resamples, settings.confidence, settings.seed)
        diff = error_difference(incumbent, run, "dev", settings.resamples, confidence, settings.seed)
        out.append(Judgement(dev, diff))
    beaters = [i for i, j in enumerate(out) if j.difference.beats]
    best = min(beaters, key=lambda i: out[i].difference.difference.value) if beaters else None
    for i, j in enumerate(out):
        j.outcome, j.why = _verdict(j.difference, i == best, fmt, len(candidates), confidence)
        if j.outcome == "beats":
            j.why += f", but {candidates[best].name} beats it by more"
    return out, best


def _verdict(d: ErrorDifference, kept: bool, fmt, k: int, confidence: float) -> tuple[str, str]:
    iv = d.difference
    better = f"{fmt(-iv.value)} [{fmt(-iv.high, False)}, {fmt(-iv.low, False)}]"
    shared = f" on {d.n_common} shared dev examples" if d.n_common < max(d.n_incumbent, d.n_candidate) else ""
    conf = f"{confidence:.1%}".replace(".0%", "%") + (f", Bonferroni over {k}" if k > 1 else "")
    if d.beats:
        return ("kept" if kept else "beats"), f"beats the incumbent by {better}{shared} ({conf})"
    if d.worse:
        worse = f"{fmt(iv.value)} [{fmt(iv.low, False)}, {fmt(iv.high, False)}]"
        return "worse", f"worse than the incumbent by {worse}{shared} ({conf})"
    change = f"{fmt(iv.value, signed=True)} [{fmt(iv.low, False, True)}, {fmt(iv.high, False, True)}]"
    return "within noise", f"within the noise: dev error {change}{shared} ({conf})"
