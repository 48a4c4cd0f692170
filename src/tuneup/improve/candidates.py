"""One step's candidates: the remedies of the dominant gap, each at a few strengths, as configs.

The verdict's remedies come first; when every one of them was tried (at every strength), the next
problem gap's. Within a gap, every remedy's recommended strength comes before any variant, so a small
budget tries each recommendation once before it tries a recommendation harder or softer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tuneup.config import Config
from tuneup.diagnose.result import Diagnosis
from tuneup.diagnose.recipe import Remedy
from tuneup.exceptions import UserError
from tuneup.improve.strengths import Strength, strengths
from tuneup.runs import config_fingerprint


@dataclass
class Candidate:
    remedy: Remedy
    strength: Strength
    cfg: Config  # the incumbent's config with the strength's change
    resplit: bool  # a data setting changed: its train, dev and test examples differ from the incumbent's

    @property
    def fingerprint(self) -> str:
        return config_fingerprint(self.cfg)


@dataclass
class Plan:
    gap: str | None  # the gap these candidates attack
    candidates: list[Candidate]
    skipped: list[str] = field(default_factory=list)  # strengths that make no valid config, and why


def plan_step(diag: Diagnosis, incumbent: Config, tried: set[str]) -> Plan:
    """Untried candidates for the first problem gap (verdict first) that has any; `tried` holds the
    fingerprints of every config trained so far (the incumbent's included)."""
    skipped: list[str] = []
    for gap in diag.problems or ["ok"]:  # ok: what is still plausible (another family, more capacity)
        remedies = [r for r in diag.remedies if r.gap == gap]
        found = _candidates(remedies, incumbent, tried, skipped)
        if found:
            return Plan(gap, found, skipped)
    return Plan(None, [], skipped)


def _candidates(remedies: list[Remedy], incumbent: Config, tried: set[str], skipped: list[str]) -> list[Candidate]:
    ladders = [strengths(r, incumbent) for r in remedies]
    order = [(r, s) for r, ladder in zip(remedies, ladders) for s in ladder[:1]]  # every recommendation first
    order += [(r, s) for r, ladder in zip(remedies, ladders) for s in ladder[1:]]
    out: list[Candidate] = []
    seen = set(tried)
    for remedy, strength in order:
        try:
            cfg = incumbent.with_overrides(strength.set)
        except UserError as e:  # e.g. a strength past a key's range
            skipped.append(f"{remedy.action} at {strength.label}: {e}")
            continue
        cand = Candidate(remedy, strength, cfg, cfg.to_dict()["data"] != incumbent.to_dict()["data"])
        if cand.fingerprint not in seen:
            seen.add(cand.fingerprint)
            out.append(cand)
    return out
