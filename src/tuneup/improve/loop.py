"""`tuneup.improve(cfg)`: the basic recipe, run by itself.

    result = tuneup.improve("tuneup.yaml", budget="20m", target=0.05)
    result.steps[0].tried[0].why     # 'beats the incumbent by 41.9 points [35.6, 47.6] (99%, Bonferroni over 3)'
    result.best, result.changes      # the best run, and the --set changes that make it

The loop: run the starting configuration (or reuse a finished run of exactly it) -> diagnose -> the
remedies of the dominant gap, each at a few strengths, become candidate runs -> train them (as one
vectorised ensemble where they differ only in optimizer settings) -> keep the best on dev only if it
beats the incumbent beyond the noise and learned something -> diagnose again -> repeat until the budget
is spent, the target dev error is reached, or nothing is left to try. When the verdict is ok, what is
still plausible (another model family that a baseline says is as good, more capacity) is tried before
the loop ends with its reason and the next step.

Test is never looked at while choosing: runs in the loop are not evaluated on test, diagnoses see
train, train-dev and dev only, and judgements read dev predictions only. With `final=True` the chosen
configuration is retrained on train + dev and evaluated on test once (improve/final.py).

Where things go: `<runs_dir>/<name>-improve-NNN/improve.json` (rewritten after every step, `finished`
true at the end); the runs are ordinary run folders beside it: `<name>-improve-NNN-start` (unless a
finished run was reused), `<name>-improve-NNN-s<step>-<i>`, and with --final `<name>-improve-NNN-final`.
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup import runs as rd
from tuneup._io import write_json
from tuneup.config import Config, load_config
from tuneup.diagnose.bootstrap import error_difference, split_interval
from tuneup.diagnose.diagnosis import diagnose
from tuneup.diagnose.result import Diagnosis
from tuneup.exceptions import UserError
from tuneup.improve.budget import Budget
from tuneup.improve.candidates import plan_step
from tuneup.improve.judge import Judgement, judge_one, pick
from tuneup.improve.result import ImproveResult, Step, Tried
from tuneup.improve.training import CandidateTrainer, Trained
from tuneup.diagnose.render import GAP_LABELS, fmt_error, interval_text
from tuneup.workflow import train_candidate

DEFAULT_BUDGET = "8"
MAX_PER_STEP = 6  # candidates per step: the rest of the budget is left for the steps after a re-diagnosis
# a duration budget keeps this much for the last diagnosis and the report: twice a diagnosis, and a few seconds
RESERVE_FACTOR, RESERVE_S = 2.0, 5.0


def improve(cfg: Config | str | Path, overrides: dict[str, Any] | None = None, budget: str | int | Budget = DEFAULT_BUDGET,
            target: float | None = None, final: bool = False, progress: bool = True,
            per_step: int = MAX_PER_STEP, started: float | None = None) -> ImproveResult:
    """Improve a configuration within `budget` (candidate trainings, or a duration such as "20m") or
    until its dev error is at most `target`; with `final`, retrain the chosen one on train + dev and
    evaluate it on test once. A duration counts from `started` (a `time.monotonic()`; default: now), and
    covers preparing the data, the learning-rate range test, the trainings and the last diagnosis."""
    from tuneup.pipeline.preparation import prepare, resolve_settings

    budget = Budget.parse(budget).start(started)
    cfg = load_config(cfg, overrides)
    if per_step < 1:
        raise UserError(f"per_step {per_step}: a step needs at least one candidate")
    prepared = prepare(cfg, resolve=False)  # bad data fails here, before anything is written
    check_target(target, prepared.metric)
    for note in prepared.notes:
        _progress.info(f"inferred {note}")
    cfg = resolve_settings(prepared).cfg  # the architecture and learning rate the starting run will use
    for note in prepared.settings:
        _progress.info(f"chose {note}")
    session_dir = rd.new_run_dir(cfg.runs_path(), f"{cfg.name}-improve")  # -001, -002: the sessions
    try:
        start, reused = _start(cfg, session_dir.name, progress, budget)
    except BaseException:
        shutil.rmtree(session_dir, ignore_errors=True)  # nothing done: nothing left behind
        raise
    return _Loop(session_dir, start, reused, budget, target, progress, per_step).run(final)


def check_target(target: float | None, metric) -> None:
    if target is None:
        return
    if metric.error_in_units:
        if target < 0:
            raise UserError(f"--target {target:g}: an error ({metric.error_of}) cannot be negative")
    elif not 0 <= target < 1:
        raise UserError(f"--target {target:g}: the error here is {metric.error_of}, a share between 0 and 1; "
                        "give e.g. --target 0.05 for 5%")


def _start(cfg: Config, session: str, progress: bool, budget: Budget) -> tuple[rd.Run, bool]:
    """A finished run of exactly this config (not evaluated on test, with dev), or a new one (stopped at
    the budget's deadline if it gets there)."""
    from tuneup.pipeline.folder import absolute_paths

    found = find_finished(absolute_paths(cfg))
    if found is not None:
        _progress.info(f"reusing {found.name}: a finished run of exactly this configuration")
        return found, True
    _progress.info(f"training the starting configuration as {session}-start")
    run = train_candidate(cfg, name=f"{session}-start", progress=progress,
                          on_epoch=lambda record: budget.out_of_time()).run
    return run, False


def find_finished(cfg: Config) -> rd.Run | None:
    """The newest finished run in the runs folder whose config is `cfg` (paths resolved), measured on
    dev and not on test (a run that looked at test would bring dev overfitting into the diagnosis)."""
    root = cfg.runs_path()
    want = rd.config_fingerprint(cfg)
    found = []
    for summary in root.glob(f"*/{rd.SUMMARY}") if root.exists() else []:
        run = rd.Run(summary.parent)
        try:
            ok = (rd.config_fingerprint(run.config) == want and not run.summary.get("final")
                  and run.summary["splits"].get("dev") is not None)
        except (UserError, KeyError, ValueError):  # an unreadable folder is not a match
            continue
        if ok:
            found.append((summary.stat().st_mtime, run.name, run))
    return max(found, key=lambda f: f[:2])[2] if found else None


class _Loop:
    def __init__(self, session_dir: Path, start: rd.Run, reused: bool, budget: Budget, target: float | None,
                 progress: bool, per_step: int):
        self.dir, self.start, self.budget, self.target = session_dir, start, budget, target
        self.progress, self.per_step = progress, per_step
        self.incumbent = start
        self.durations: list[float] = []  # seconds of each candidate training: what is left, estimated
        self.tried = {rd.config_fingerprint(start.config)}
        self.settings = start.config.diagnose  # confidence, resamples and seed of every interval
        summary, dev = start.summary, self._dev(start)
        self.result = ImproveResult(
            session=session_dir.name, path=session_dir / rd.IMPROVE, name=start.config.name,
            metric=summary["metric"], error_of=summary["error_of"], error_in_units=summary["error_in_units"],
            start=start.name, start_reused=reused, start_dev=dev, best=start.name, best_dev=dev, changes={},
            steps=[], stopped="", budget={},
        )

    def run(self, final: bool) -> ImproveResult:
        r = self.result
        began = time.perf_counter()
        diag = self._diagnose()
        # a bar on a terminal; elsewhere the loop's own line per candidate says the same
        with _progress.task(f"improve {r.session}", total=self.budget.trainings, lines=False) as task:
            trainer = CandidateTrainer(r.session, self.budget, task)
            trainer.epoch_seconds = self.start.summary.get("timing", {}).get("per_epoch_s")
            while not (reason := self._stop_reason(diag)):
                step = self._step(diag, trainer, task)
                if step is None:
                    reason = self._nothing_left(diag)
                    break
                if not step.tried:  # nothing could start: the budget ran out before a candidate fit
                    reason = self._stop_reason(diag) or self._budget_words()
                    break
                if step.kept:
                    diag = self._diagnose()
                self._save(diag, began)
        r.stopped = reason
        _progress.info(f"stopped: {reason}")
        self._conclude(diag)
        if final:
            from tuneup.improve.final import retrain_on_train_and_dev

            r.final = retrain_on_train_and_dev(self.incumbent, f"{r.session}-final", self.progress)
        r.finished = True
        self._save(diag, began)
        return r

    def _diagnose(self) -> Diagnosis:
        """The incumbent's diagnosis; its cost sets how much of a duration budget is kept for the last one
        (and the report that follows the session)."""
        t0 = time.perf_counter()
        diag = diagnose(self.incumbent)
        self.budget.reserve = max(self.budget.reserve, RESERVE_FACTOR * (time.perf_counter() - t0) + RESERVE_S)
        return diag

    # ---- one step ------------------------------------------------------------------------------------
    def _step(self, diag: Diagnosis, trainer: CandidateTrainer, task) -> Step | None:
        plan = plan_step(diag, self.incumbent.config, self.tried)
        if not plan.candidates:
            return None
        left = self.budget.left()
        cands = plan.candidates[: min(self.per_step, left if left is not None else self.per_step)]
        index = len(self.result.steps) + 1
        step = Step(index, self.incumbent.name, diag.verdict, plan.gap, diag.intervals["gaps"].get(plan.gap),
                    self._dev(self.incumbent), skipped=plan.skipped)
        self.result.steps.append(step)
        what = ("the verdict is ok; trying what is still plausible" if plan.gap == "ok"
                else f"{GAP_LABELS.get(plan.gap, plan.gap)} {self.result.fmt(diag.gaps.get(plan.gap))}")
        _progress.info(f"step {index}: {what} on {self.incumbent.name}; "
                       f"{len(cands)} candidate{'s' if len(cands) != 1 else ''} ({self.budget.left_text()})")
        judged: dict[str, Judgement] = {}
        trained = trainer.train(cands, index, on_done=lambda t: self._finished(t, judged, len(cands), trainer, task))
        if not trained:  # the budget ran out before one could start: no step after all
            self.result.steps.pop()
            return step
        self.tried |= {t.candidate.fingerprint for t in trained}
        runs = [t for t in trained if t.run is not None]
        best = pick([judged[t.name] for t in runs], [t.name for t in runs])
        step.tried = [_tried(t, judged.get(t.name)) for t in trained]
        if best is not None:
            chosen = runs[best]
            step.kept = chosen.name
            self.incumbent = chosen.run
            self.result.changes.update(chosen.candidate.strength.set)
            self.result.best, self.result.best_dev = chosen.name, self._dev(chosen.run)
            task.update(best=f"{self.result.fmt(self.result.best_dev.value, unit=False)} ({chosen.name})")
            _progress.info(f"  kept {chosen.name}: {chosen.candidate.remedy.action} "
                           f"({chosen.candidate.strength.label}); dev error {self._dev_text(self.result.best_dev)}")
        elif step.tried:
            _progress.info(f"  kept {self.incumbent.name}: no candidate beat it beyond the noise")
        return step

    def _finished(self, t: Trained, judged: dict, k: int, trainer: CandidateTrainer, task) -> None:
        """One line per finished candidate: what it changed, its dev error, how it compares, what is left."""
        task.advance(1)
        c = t.candidate
        head = f"  {t.name}: {c.remedy.action} ({c.strength.label})"
        if t.run is None:
            _progress.info(f"{head}: failed: {t.failed}")
            return
        j = judged[t.name] = judge_one(self.incumbent, t.run, self.settings, k, self.result.fmt)
        cut = " [stopped at the budget's deadline]" if t.cut else ""
        self.durations.append(t.seconds)
        per = sum(self.durations) / len(self.durations)
        _progress.info(f"{head}: dev error {self._dev_text(j.dev)}; {j.why}{cut} "
                       f"[{t.seconds:.0f}s; {self.budget.left_text(per)}]")

    def _dev_text(self, iv) -> str:
        units = {"error_in_units": self.result.error_in_units}
        return f"{fmt_error(iv.value, units)} ({interval_text(iv, units)})"

    def _stop_reason(self, diag: Diagnosis) -> str:
        dev = self.result.best_dev.value
        if self.target is not None and dev <= self.target:
            return f"target reached: dev error {self.result.fmt(dev, unit=False)} <= {self.result.fmt(self.target, unit=False)}"
        if self.budget.spent:
            return self._budget_words()
        return ""

    def _budget_words(self) -> str:
        b = self.budget
        return f"budget spent: {b.describe()} ({b.used} trained, {b.elapsed:.0f}s)"

    def _nothing_left(self, diag: Diagnosis) -> str:
        if diag.verdict == "ok":
            return (f"verdict ok: {diag.sentence.removeprefix('ok: ')}; what was still plausible was tried"
                    + ("" if not diag.advice else f"; next: {diag.advice[0]}"))
        return ("nothing left to try: every remedy for the problem gaps "
                f"({', '.join(GAP_LABELS.get(g, g) for g in diag.problems)}) was tried at every strength"
                + ("" if not diag.advice else f"; next: {diag.advice[0]}"))

    # ---- the record ----------------------------------------------------------------------------------
    def _dev(self, run: rd.Run):
        return split_interval(run, "dev", self.settings)

    def _conclude(self, diag: Diagnosis) -> None:
        r, st = self.result, self.settings
        r.diagnosis = diag
        if self.incumbent is not self.start:
            r.improvement = error_difference(self.start, self.incumbent, "dev", st.resamples, st.confidence, st.seed)
        r.notes = _notes(r)

    def _save(self, diag: Diagnosis, began: float) -> None:
        """improve.json after every step (`finished` false until the end), so a long session can be followed."""
        self.result.diagnosis = diag
        self.result.budget = self.budget.to_dict()
        self.result.seconds = time.perf_counter() - began
        write_json(self.result.path, self.result.to_dict())


def _tried(t: Trained, j) -> Tried:
    c = t.candidate
    common = dict(run=t.name, gap=c.remedy.gap, action=c.remedy.action, reason=c.remedy.why,
                  strength=c.strength.label, recommended=c.strength.recommended, set=c.strength.set,
                  resplit=c.resplit, ensemble=t.ensemble, seconds=t.seconds)
    if j is None:
        return Tried(**common, outcome="failed", why=f"could not be trained: {t.failed}")
    return Tried(**common, outcome=j.outcome, why=j.why, dev=j.dev, difference=j.difference)


def _notes(r: ImproveResult) -> list[str]:
    notes = ["test was not looked at while choosing: every decision compared dev predictions (paired bootstrap "
             "on the same dev examples); diagnoses read train, train-dev and dev"]
    rounds = len(r.tried)
    if rounds:
        notes.append(f"dev chose among {rounds} candidate{'s' if rounds != 1 else ''}: the best dev error is "
                     "slightly optimistic; test, evaluated once with --final, is not")
    if any(t.resplit for t in r.tried):
        notes.append("candidates that change data settings re-split the data: their dev sets differ from the "
                     "incumbent's, so they were compared on the dev examples both were measured on")
    if any(t.ensemble > 1 for t in r.tried):
        notes.append("candidates that differ only in optimizer settings were trained together as one vectorised "
                     "ensemble (torch.func); each still has its own run folder")
    return notes
