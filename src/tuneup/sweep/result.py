"""What a sweep found, as plain data: the best trial, every trial, and which parameters mattered.

Computed from the study alone, so it is the same whichever backend (in-process, worker processes, Ray)
ran the trials, and `tuneup sweep` on a finished study prints it again without training anything.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tuneup.sweep.space import Space
from tuneup.sweep.study import ERROR_ATTR, RUN_ATTR, tally

MIN_FOR_IMPORTANCE = 3  # completed trials; with fewer, any importance is noise


@dataclass
class TrialRow:
    number: int
    state: str  # complete, pruned, failed, lost (its process died), running, waiting
    params: dict[str, Any]
    dev_error: float | None  # complete: the run's dev error; pruned: its dev error when it stopped
    epochs: int | None
    run: str | None  # the run folder
    note: str = ""  # why it failed, where it was pruned, what it retries

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SweepResult:
    study: str
    storage: str  # password masked
    backend: str
    metric: str | None
    error_of: str | None
    error_in_units: bool
    trials_wanted: int
    counts: dict[str, int]
    best: TrialRow | None
    trials: list[TrialRow]
    importance: dict[str, float]  # parameter -> share of the variation in dev error it explains
    importance_note: str | None  # why importance is missing
    space: dict[str, Any]
    runs_dir: str
    path: str | None = None  # where sweep.json was written
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["best"] = self.best.to_dict() if self.best else None
        d["trials"] = [t.to_dict() for t in self.trials]
        return d

    def fmt_error(self, value: float | None) -> str:
        if value is None:
            return "-"
        return f"{value:.4g}" if self.error_in_units else f"{100 * value:.2f}%"

    def __rich__(self):
        from tuneup.sweep.render import SweepView

        return SweepView(self)

    def _repr_html_(self) -> str:
        from tuneup.sweep.render import sweep_html

        return sweep_html(self)


def summarize(study, space: Space, wanted: int, backend: str, storage_shown: str, runs_dir: Path,
              metric, notes: list[str] | None = None) -> SweepResult:
    trials = study.get_trials(deepcopy=False)
    continued = {t.system_attrs["retry_history"][-1]: t.number for t in trials if t.system_attrs.get("retry_history")}
    rows = [_row(t, space, continued.get(t.number)) for t in trials]
    complete = [r for r in rows if r.state == "complete" and r.dev_error is not None]
    best = min(complete, key=lambda r: (r.dev_error, r.number)) if complete else None
    importance, why = importances(study, len(complete))
    return SweepResult(
        study=study.study_name, storage=storage_shown, backend=backend, metric=metric.name if metric else None,
        error_of=metric.error_of if metric else None, error_in_units=bool(metric and metric.error_in_units),
        trials_wanted=wanted, counts=tally(study).to_dict(), best=best, trials=rows,
        importance=importance, importance_note=why, space=space.to_dict(), runs_dir=str(runs_dir),
        notes=list(notes or []),
    )


def _row(t, space: Space, continued_by: int | None = None) -> TrialRow:
    """One trial as sweep.json lists it; a dead trial whose retry took its run over points to no folder (the
    retry's row does), so no two rows share one."""
    from optuna.trial import TrialState

    attrs = t.user_attrs
    state = {TrialState.COMPLETE: "complete", TrialState.PRUNED: "pruned", TrialState.RUNNING: "running",
             TrialState.WAITING: "waiting"}.get(t.state, "failed" if ERROR_ATTR in attrs else "lost")
    dev = t.value if state == "complete" else attrs.get("dev_error")
    if dev is None and t.intermediate_values and state != "complete":
        dev = t.intermediate_values[max(t.intermediate_values)]
    note = ""
    if state == "failed":
        note = str(attrs[ERROR_ATTR])
    elif state == "pruned":
        note = f"pruned after epoch {attrs.get('stopped_at', max(t.intermediate_values, default=0))}"
    elif state == "lost":
        note = "its process stopped while it ran; its parameters were queued again"
    retry_of = t.system_attrs.get("failed_trial")
    if retry_of is not None:
        note = (note + "; " if note else "") + f"retries trial {retry_of}"
    run = attrs.get(RUN_ATTR)
    if continued_by is not None:
        note, run = (note + "; " if note else "") + f"continued by trial {continued_by}", None
    epochs = attrs.get("epochs", len(t.intermediate_values) or None)
    dev = dev if dev is None or math.isfinite(dev) else None
    return TrialRow(t.number, state, space.decode(t.params), dev, epochs, run, note)


def importances(study, n_complete: int) -> tuple[dict[str, float], str | None]:
    """Optuna's importance evaluator (PED-ANOVA) over completed trials, when there are enough of them."""
    import optuna

    if n_complete < MIN_FOR_IMPORTANCE:
        return {}, (f"hyperparameter importance needs at least {MIN_FOR_IMPORTANCE} completed trials "
                    f"({n_complete} so far)")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            values = optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError) as e:  # e.g. no parameter shared by every completed trial
        return {}, f"hyperparameter importance is not available: {e}"
    if any("select the same set of trials" in str(w.message) for w in caught):
        # PED-ANOVA compares the best trials with all of them; with few trials those are the same set
        return {}, (f"hyperparameter importance needs more completed trials to tell the best apart from the rest "
                    f"({n_complete} so far)")
    if not values:
        return {}, "hyperparameter importance is not available: no parameter varied across the completed trials"
    return {k: float(v) for k, v in values.items()}, None
