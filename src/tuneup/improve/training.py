"""Train a step's candidates, each into a normal run folder.

Candidates that differ only in what a vectorised ensemble lets members differ in (learning rate,
weight decay, momentum, seed, schedule, early stopping, clipping: `train/ensemble.py`'s PER_MEMBER)
train together as one ensemble; the others one by one through `workflow.run_prepared`. Either way a
member's folder is written by `workflow.evaluate_and_write`, the code path every run uses.

Candidates on the same data and seed share the baselines (they are fitted on the same splits), so a
linear model on raw pixels is fitted once per data config, not once per candidate.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from tuneup import _progress
from tuneup import runs as rd
from tuneup.exceptions import UserError
from tuneup.improve.budget import Budget
from tuneup.improve.candidates import Candidate
from tuneup.models.baselines import Baseline
from tuneup.train.callbacks import HistoryWriter, TensorBoardLogger
from tuneup.train.ensemble import PER_MEMBER, EnsembleTrainer, compatible
from tuneup.train.loop import Callback


@dataclass
class Trained:
    candidate: Candidate
    name: str
    run: rd.Run | None  # None: it could not be trained (`failed` says why)
    seconds: float
    ensemble: int = 1  # members trained together with it (1: alone)
    failed: str | None = None


class CandidateTrainer:
    """Trains candidates for one improve session; remembers baselines per data config."""

    def __init__(self, session: str, task: "_progress.Task | None" = None):
        self.session, self.task = session, task
        self._baselines: dict[str, dict] = {}

    def remember_baselines(self, run: rd.Run) -> None:
        """The starting run's baselines, for candidates on the same splits."""
        s = run.summary
        self._baselines[_baseline_key(run.config)] = {
            n: Baseline(n, b["model"], b["splits"], b["fit_rows"], b["seconds"]) for n, b in s["baselines"].items()}

    def train(self, cands: list[Candidate], step: int, budget: Budget) -> list[Trained]:
        """Train while the budget allows, in the candidates' order (a group as one ensemble)."""
        out: list[Trained] = []
        names = [f"{self.session}-s{step}-{i + 1}" for i in range(len(cands))]
        for group in ensemble_groups(cands):
            if budget.spent:
                break
            budget.spend(len(group))
            members = [(cands[i], names[i]) for i in group]
            out += self._ensemble(members, step) if len(group) > 1 else [self._alone(*members[0], step)]
        return sorted(out, key=lambda t: names.index(t.name))

    # ---- one by one ------------------------------------------------------------------------------------
    def _alone(self, cand: Candidate, name: str, step: int) -> Trained:
        from tuneup.workflow import prepare, run_prepared

        started = time.perf_counter()
        self._note(f"training {name}")
        try:
            prepared = prepare(cand.cfg)
            run = run_prepared(prepared, name, progress=False, callbacks=[_EpochNote(self.task, name)],
                               baselines=self._baselines.get(_baseline_key(prepared.cfg)),
                               extra={"improve": _provenance(self.session, step, cand, 1)})
        except UserError as e:  # a diverged or impossible candidate is a result, not the end of the session
            return Trained(cand, name, None, time.perf_counter() - started, failed=str(e))
        self.remember_baselines(run)
        return Trained(cand, name, run, time.perf_counter() - started)

    # ---- as one vectorised ensemble ----------------------------------------------------------------------
    def _ensemble(self, members: list[tuple[Candidate, str]], step: int) -> list[Trained]:
        from tuneup.workflow import build, prepare, training_tensors

        started = time.perf_counter()
        self._note(f"training {', '.join(n for _, n in members)} together")
        try:
            prepared = prepare(members[0][0].cfg)
            trainers = [build(prepared, c.cfg) for c, _ in members]
            train, weighting = training_tensors(prepared, members[0][0].cfg)
            evals = {s: t for s, t in prepared.tensors.items() if s in ("train_dev", "dev")}
            ens = EnsembleTrainer([t.model for t in trainers], trainers[0].head, [c.cfg.train for c, _ in members],
                                  prepared.metric, prepared.scorer(), trainers[0].device, trainers[0].augmenter)
            fits = ens.fit(train, evals)
        except UserError as e:  # e.g. one member diverged: train them one by one, so the others still count
            _progress.info(f"the ensemble stopped ({e}); training its members one by one")
            return [self._alone(c, n, step) for c, n in members]
        seconds = time.perf_counter() - started
        out = []
        for (cand, name), trainer, fit in zip(members, trainers, fits):
            run = self._write_member(cand, name, step, prepared, trainer, fit, weighting, started, seconds, len(members))
            out.append(Trained(cand, name, run, seconds / len(members), len(members)))
        return out

    def _write_member(self, cand, name, step, prepared, trainer, fit, weighting, started, seconds, size) -> rd.Run:
        from tuneup.workflow import Prepared, _write_inputs, baselines_for, evaluate_and_write

        cfg = cand.cfg.with_overrides({"task": prepared.cfg.task, "metric": prepared.cfg.metric})
        mine = Prepared(cfg, prepared.dataset, prepared.splits, prepared.encoder, prepared.tensors, prepared.metric)
        key = _baseline_key(cfg)
        if key not in self._baselines:
            self._baselines[key] = baselines_for(mine, cfg, final=False)
        path = rd.new_run_dir(cfg.runs_path(), cfg.name, name)
        _write_inputs(path, mine, cfg)
        _replay_history(path, fit.history, cfg.metric)
        timing = {"prepare_s": 0.0, "baselines_s": 0.0, "train_s": seconds / size, "ensemble_train_s": seconds}
        return evaluate_and_write(path, mine, cfg, trainer, fit, self._baselines[key], timing, False, started, weighting,
                                  {"improve": _provenance(self.session, step, cand, size)})

    def _note(self, text: str) -> None:
        _live_note(self.task, text)


def ensemble_groups(cands: list[Candidate]) -> list[list[int]]:
    """Indices of candidates that can train as one ensemble (configs equal but for PER_MEMBER training
    settings), and singletons for the rest; in the order of each group's first candidate."""
    keyed: dict[str, list[int]] = {}
    for i, c in enumerate(cands):
        d = c.cfg.to_dict()
        d.pop("name", None)
        d["train"] = {k: v for k, v in d["train"].items() if k not in PER_MEMBER}
        keyed.setdefault(json.dumps(d, sort_keys=True), []).append(i)
    groups: list[list[int]] = []
    for idx in keyed.values():
        cfgs = [cands[i].cfg for i in idx]
        if len(idx) > 1 and not cfgs[0].data.split.folds and compatible([c.train for c in cfgs]) is None:
            groups.append(idx)
        else:
            groups.extend([i] for i in idx)
    return sorted(groups, key=min)


def _baseline_key(cfg) -> str:
    d = cfg.to_dict()
    return json.dumps([d["data"], d["task"], d["metric"], d["baselines"], d["train"]["seed"], str(cfg.base_dir)],
                      sort_keys=True)


def _provenance(session: str, step: int, cand: Candidate, ensemble: int) -> dict:
    return {"session": session, "step": step, "remedy": cand.remedy.to_dict(), "strength": cand.strength.to_dict(),
            "resplit": cand.resplit, "ensemble": ensemble}


def _replay_history(path, history: list[dict], metric: str) -> None:
    """history.jsonl and TensorBoard events from an ensemble member's records, as its own fit would write them."""
    writers = [HistoryWriter(path / rd.HISTORY), TensorBoardLogger(path / rd.TENSORBOARD, metric)]
    try:
        for w in writers:
            w.on_fit_start(None, 0)
            for record in history:
                w.on_epoch_end(None, record)
    finally:
        for w in writers:
            w.close()


class _EpochNote(Callback):
    """The improve progress line says which candidate is at which epoch."""

    def __init__(self, task, name: str):
        self.task, self.name = task, name

    def on_epoch_end(self, trainer, record: dict) -> None:
        _live_note(self.task, f"training {self.name}: epoch {record['epoch']}/{trainer.cfg.epochs}")


def _live_note(task, text: str) -> None:
    """What is training now, on a terminal's progress bar only (as lines elsewhere it would be one per epoch)."""
    if task is not None and task.live:
        task.update(now=text)
