"""`--batch K`: ask the sampler for K trials at once and train the compatible ones as one vectorised
ensemble (`train/ensemble.py`), each member still its own trial and its own run folder.

Members can only differ in what the ensemble trains per member: learning rate, weight decay, momentum,
seed, schedule, epochs, early stopping, gradient clipping. So batching pays off with a space over those
keys; trials of a batch that differ in anything else (the model, the batch size, the optimizer, ...)
train one by one as usual. Pruning works inside an ensemble: every member reports each epoch to the
pruner, and a pruned member stops updating while the others go on. Trials also train alone when the
ensemble cannot reproduce them: a one-cycle schedule, and retries of dead trials (they resume their
folder from its checkpoint). Augmentations and importance weights, shared by the members, train inside
the ensemble as each member's Trainer would apply them.

The ensemble itself (`ensemble_key`, `fit_together`, `write_member`) is the pipeline's
(`pipeline/ensemble.py`): the improve loop's candidates of one step train together the same way.

A member's run folder is a normal run directory; its `trial.json` lists the trials it was trained with,
because retraining it alone with `tuneup run` ends within float tolerance of it, not bit for bit
(dropout draws differ inside an ensemble; see `train/ensemble.py`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from tuneup import _progress
from tuneup.config import Config, load_config
from tuneup.exceptions import ConfigError, TrainingError
from tuneup.sweep import study as studies
from tuneup.pipeline.ensemble import ensemble_key, fit_together, write_member


@dataclass
class Member:
    trial: Any  # optuna.Trial
    values: dict[str, Any]
    cfg: Config
    name: str = ""


def run_batches(setup, st, quota: int, batch: int, bar=None, worker: int = 0) -> int:
    """Run up to `quota` trials in batches of `batch`; returns how many ran."""
    from tuneup.sweep.runner import Objective, make_pruner, make_sampler, optuna_quiet, show_progress
    from tuneup.pipeline.preparation import prepare

    cfg = setup.cfg()
    space = setup.make_space(cfg)
    prepared = prepare(cfg)
    st.sampler = make_sampler(setup, st, worker)
    st.pruner = make_pruner(setup.pruner, cfg, setup.trials)
    alone = Objective(setup, cfg, space, bar)
    ran = 0
    with optuna_quiet():
        while ran < quota:
            n = min(batch, quota - ran, studies.tally(st).remaining(setup.trials))
            if n <= 0:
                break
            trials = [st.ask() for _ in range(n)]
            with studies.heartbeat(st._storage, trials):
                for group in groups(trials, space, prepared.cfg):
                    if len(group) == 1:
                        run_alone(st, alone, group[0].trial)
                    else:
                        train_together(st, setup, group, prepared, alone)
            ran += n
            if bar is not None:
                show_progress(bar, st, setup.trials)
    return ran


def groups(trials: list, space, cfg: Config) -> list[list[Member]]:
    """Trials that can share one ensemble, in the order asked; the rest one per group."""
    out: dict[str, list[Member]] = {}
    for trial in trials:
        values = space.suggest(trial)
        try:
            member_cfg = load_config(cfg, space.overrides(values))
        except ConfigError:  # an invalid combination: the objective fails it with its reason
            member_cfg = None
        key = _shared_settings(member_cfg, trial)
        out.setdefault(key if key else f"alone:{trial.number}", []).append(Member(trial, values, member_cfg))
    return list(out.values())


def _shared_settings(cfg: Config | None, trial) -> str | None:
    """The trial's ensemble key, or None when it must train alone (invalid, or a retry of a dead trial)."""
    if cfg is None or studies.retried_from(trial) is not None:
        return None
    return ensemble_key(cfg)


def run_alone(st, objective, trial) -> None:
    """One trial through the usual objective, told to the study by hand (it was asked in a batch)."""
    import optuna
    from optuna.trial import TrialState

    from tuneup.sweep.runner import CAUGHT

    try:
        value = objective(trial)
    except optuna.TrialPruned:
        st.tell(trial, state=TrialState.PRUNED)
    except CAUGHT:
        st.tell(trial, state=TrialState.FAIL)
    except BaseException:
        st.tell(trial, state=TrialState.FAIL)
        raise
    else:
        st.tell(trial, value)


def train_together(st, setup, group: list[Member], prepared, alone) -> None:
    """Train a group as one ensemble, then write and tell each member as its own trial."""
    from optuna.trial import TrialState

    from tuneup.workflow import outcome
    from tuneup.sweep.runner import record

    runs_dir = group[0].cfg.runs_path()
    for m in group:
        studies.mark_owner(m.trial)
        m.name = studies.folder_name(setup.study, m.trial.number, runs_dir)
        m.trial.set_user_attr(studies.RUN_ATTR, str(runs_dir / m.name))
    stopped: dict[int, int] = {}

    def on_epoch(i: int, rec: dict) -> bool:
        trial, epochs = group[i].trial, group[i].cfg.train.epochs
        trial.report(rec["dev"]["error"], rec["epoch"])
        if rec["epoch"] < epochs and trial.should_prune():
            stopped[i] = rec["epoch"]
            return True
        return False

    started = time.perf_counter()
    try:
        fitted = fit_together(prepared, [m.cfg for m in group], on_epoch)
    except TrainingError:  # a member diverged: train each alone, so only that one fails, with its reason
        _progress.info(f"trials {', '.join(str(m.trial.number) for m in group)}: a member diverged; training them one by one")
        fitted = None
    if fitted is None:  # diverged, or the shapes differ after all: one by one
        for m in group:
            run_alone(st, alone, m.trial)
        return
    trainers, fits, weighting = fitted
    together = [m.trial.number for m in group]
    for i, (m, trainer, fit) in enumerate(zip(group, trainers, fits)):
        run = write_member(prepared, m.cfg, m.name, trainer, fit, started, weighting)
        c = outcome(run, stopped.get(i))
        record(m.trial.number, m.trial, c, m.values, setup, None, together=together)
        if c.stopped_at is None:
            st.tell(m.trial, c.dev_error)
        else:
            st.tell(m.trial, state=TrialState.PRUNED)
