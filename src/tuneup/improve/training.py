"""Train a step's candidates, each into a normal run folder, with the sweep's machinery.

Candidates that differ only in what a vectorised ensemble lets members differ in (learning rate,
weight decay, momentum, seed, schedule, early stopping, clipping: `train/ensemble.py`'s PER_MEMBER)
train together through `pipeline.ensemble.fit_together` and are written by `write_member`; the
others one by one through `workflow.train_candidate`. Each candidate's folder also gets
`improve-candidate.json`: the session, step, remedy and strength it came from.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tuneup import _progress
from tuneup import runs as rd
from tuneup._io import write_json
from tuneup.exceptions import UserError
from tuneup.improve.budget import Budget
from tuneup.improve.candidates import Candidate
from tuneup.pipeline.ensemble import ensemble_key, fit_together, write_member
from tuneup.workflow import train_candidate



@dataclass
class Trained:
    candidate: Candidate
    name: str
    run: rd.Run | None  # None: it could not be trained (`failed` says why)
    seconds: float
    ensemble: int = 1  # members trained together with it (1: alone)
    failed: str | None = None
    cut: bool = False  # stopped at the budget's deadline (its best epoch so far was kept)


class CandidateTrainer:
    """Trains the candidates of an improve session, step by step, within the budget: a candidate starts
    only while a few of its epochs fit, and one under way stops at the deadline (keeping its best epoch)."""

    def __init__(self, session: str, budget: Budget, task: "_progress.Task | None" = None):
        self.session, self.budget, self.task = session, budget, task
        self.epoch_seconds: float | None = None  # the last training's median epoch: what a start must fit

    def train(self, cands: list[Candidate], step: int, on_done: Callable[[Trained], None] | None = None
              ) -> list[Trained]:
        """Train while the budget allows, in the candidates' order (a group as one ensemble); `on_done` sees
        every candidate as it finishes."""
        out: list[Trained] = []
        names = [f"{self.session}-s{step}-{i + 1}" for i in range(len(cands))]
        for group in ensemble_groups(cands):
            if not self.budget.can_start(self.epoch_seconds):
                break
            group = group[: self.budget.left() or len(group)]  # a count budget is never overspent by a group
            self.budget.spend(len(group))
            members = [(cands[i], names[i]) for i in group]
            done = self._together(members, step) if len(group) > 1 else [self._alone(*members[0], step)]
            for t in done:
                self._timed(t)
                if on_done is not None:
                    on_done(t)
            out += done
        return sorted(out, key=lambda t: names.index(t.name))

    def _timed(self, t: Trained) -> None:
        if t.run is not None:
            per_epoch = t.run.summary.get("timing", {}).get("per_epoch_s")
            self.epoch_seconds = per_epoch * t.ensemble if per_epoch else self.epoch_seconds

    def _alone(self, cand: Candidate, name: str, step: int) -> Trained:
        started = time.perf_counter()
        _live_note(self.task, f"training {name}")
        note = _EpochNote(self.task, name, cand.cfg.train.epochs, self.budget)
        try:
            run = train_candidate(cand.cfg, name=name, on_epoch=note).run
        except UserError as e:  # a diverged or impossible candidate is a result, not the end of the session
            return Trained(cand, name, None, time.perf_counter() - started, failed=str(e))
        return self._record(Trained(cand, name, run, time.perf_counter() - started, cut=note.cut), step)

    def _together(self, members: list[tuple[Candidate, str]], step: int) -> list[Trained]:
        from tuneup.pipeline.preparation import as_resolved, prepare

        started = time.perf_counter()
        _live_note(self.task, f"training {', '.join(n for _, n in members)} together")
        try:
            prepared = prepare(members[0][0].cfg)
            cfgs = [as_resolved(c.cfg, prepared.cfg) for c, _ in members]
            fitted = fit_together(prepared, cfgs, on_epoch=lambda i, record: self.budget.out_of_time())
        except UserError as e:  # e.g. one member diverged: one by one, so the others still count
            _progress.info(f"the ensemble stopped ({e}); training its members one by one")
            fitted = None
        if fitted is None:
            return [self._alone(c, n, step) for c, n in members]
        trainers, fits, weighting = fitted
        seconds = time.perf_counter() - started
        cut = self.budget.out_of_time()
        out = []
        for (cand, name), cfg, trainer, fit in zip(members, cfgs, trainers, fits):
            run = write_member(prepared, cfg, name, trainer, fit, started, weighting)
            out.append(self._record(Trained(cand, name, run, seconds / len(members), len(members), cut=cut), step))
        return out

    def _record(self, t: Trained, step: int) -> Trained:
        c = t.candidate
        write_json(t.run.path / rd.CANDIDATE, {
            "session": self.session, "step": step, "remedy": c.remedy.to_dict(), "strength": c.strength.to_dict(),
            "resplit": c.resplit, "ensemble": t.ensemble})
        return t


def ensemble_groups(cands: list[Candidate]) -> list[list[int]]:
    """Indices of candidates that can train as one ensemble (equal `pipeline.ensemble.ensemble_key`s), and
    singletons for the rest; in the order of each group's first candidate."""
    keyed: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        key = ensemble_key(c.cfg)
        keyed.setdefault(key if key is not None else f"alone:{i}", []).append(i)
    return sorted(keyed.values(), key=min)


class _EpochNote:
    """`on_epoch` for `train_candidate`: the improve progress line says which candidate is at which epoch,
    and the candidate stops after the epoch that reaches the budget's deadline."""

    def __init__(self, task, name: str, epochs: int, budget: Budget):
        self.task, self.name, self.epochs, self.budget = task, name, epochs, budget
        self.cut = False

    def __call__(self, record: dict) -> bool:
        _live_note(self.task, f"training {self.name}: epoch {record['epoch']}/{self.epochs}")
        self.cut = self.budget.out_of_time()
        return self.cut


def _live_note(task, text: str) -> None:
    """What is training now, on a terminal's progress bar only (as lines elsewhere it would be one per epoch)."""
    if task is not None and task.live:
        task.update(now=text)
