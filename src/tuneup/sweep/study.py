"""The Optuna study behind a sweep: creating or continuing it, counting its trials, and trials whose
process died.

`--trials N` is the total the study should hold, not a number to add: re-running the same command after
a kill runs only what is missing, and raising N runs the difference. Counted: trials that completed,
were pruned, or failed with a reason (a diverged loss is an answer too). Not counted: trials whose
process died; they are failed and their parameters retried (Optuna's heartbeat, and at once for dead
processes on this machine), and the retry continues the dead trial's run folder from its checkpoint.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup import runs as rd
from tuneup._io import alive
from tuneup.config import Config
from tuneup.exceptions import UserError

HOST = socket.gethostname()
ERROR_ATTR = "error"  # a trial failed for a reason (diverged, invalid combination): it counts
RUN_ATTR = "run"  # the trial's run folder


def create(name: str, storage, cfg: Config, space_dict: dict, sampler=None, pruner=None):
    """Create the study, or continue it when it exists on the same data and metric."""
    import optuna

    study = optuna.create_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner,
                                direction="minimize", load_if_exists=True)
    if study.direction != optuna.study.StudyDirection.MINIMIZE:
        raise UserError(f"study '{name}' in {_shown(storage)} maximises; tuneup sweeps minimise dev error: "
                        "choose another --study name")
    attrs = study.user_attrs
    wanted = data_fingerprint(cfg)
    if "tuneup.data" in attrs and attrs["tuneup.data"] != wanted:
        raise UserError(
            f"study '{name}' in {_shown(storage)} was started on other data, splits or metric, so its dev errors "
            f"do not compare with this config's; choose another --study name (or delete that study)"
        )
    if "tuneup.space" in attrs and attrs["tuneup.space"] != json.loads(json.dumps(space_dict)):
        _progress.warn(f"study '{name}' continues with a different search space than it started with; "
                       "its earlier trials still count and still guide the sampler")
    for key, value in {"tuneup.data": wanted, "tuneup.metric": cfg.metric, "tuneup.space": space_dict}.items():
        if attrs.get(key) != value:
            study.set_user_attr(key, value)
    return study


def load(name: str, storage, sampler=None, pruner=None):
    import optuna

    return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)


def data_fingerprint(cfg: Config) -> str:
    """What trials must share to compare: the data (paths made absolute), the task and the metric."""
    from tuneup.pipeline.folder import absolute_paths

    d = absolute_paths(cfg).to_dict()
    return json.dumps({"data": d["data"], "task": d["task"], "metric": d["metric"]}, sort_keys=True)


@dataclass
class Tally:
    complete: int = 0
    pruned: int = 0
    failed: int = 0  # failed with a reason: counted
    lost: int = 0  # their process died: not counted (retried)
    running: int = 0
    waiting: int = 0  # queued retries

    @property
    def counted(self) -> int:
        return self.complete + self.pruned + self.failed

    def remaining(self, wanted: int) -> int:
        """Trials still to start for the study to hold `wanted`."""
        return max(0, wanted - self.counted - self.running)

    def to_dict(self) -> dict[str, int]:
        return {"complete": self.complete, "pruned": self.pruned, "failed": self.failed, "lost": self.lost,
                "running": self.running, "waiting": self.waiting}


def tally(study) -> Tally:
    from optuna.trial import TrialState

    t = Tally()
    for trial in study.get_trials(deepcopy=False):
        if trial.state == TrialState.COMPLETE:
            t.complete += 1
        elif trial.state == TrialState.PRUNED:
            t.pruned += 1
        elif trial.state == TrialState.FAIL:
            if ERROR_ATTR in trial.user_attrs:
                t.failed += 1
            else:
                t.lost += 1
        elif trial.state == TrialState.RUNNING:
            t.running += 1
        else:
            t.waiting += 1
    return t


def recover_dead_trials(study) -> list[int]:
    """Fail RUNNING trials whose process on this machine is gone, and queue their parameters again
    (the heartbeat catches dead processes on other machines after its grace period)."""
    import optuna
    from optuna.trial import TrialState

    storage = study._storage
    recovered = []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        attrs = trial.user_attrs
        if attrs.get("host") != HOST or _alive(attrs.get("pid")):
            continue
        try:
            if not storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:  # another process got there first
            continue
        recovered.append(trial.number)
        queue_retry(study, trial)
    if recovered:
        _progress.warn(f"trial(s) {', '.join(map(str, recovered))} of study '{study.study_name}' were left running by "
                       "a process that has stopped; they are marked failed and their parameters queued again")
    return recovered


def queue_retry(study, trial) -> None:
    """Queue a dead or interrupted (Ctrl-C) trial's parameters to run again, with Optuna's retry callback
    (at most MAX_RETRY times); the retry continues its run folder from the last checkpoint."""
    import optuna

    storage = study._storage
    callback = storage.get_heartbeat_stale_trial_callback() if hasattr(storage, "get_heartbeat_stale_trial_callback") else None
    if callback is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            callback(study, storage.get_trial(trial._trial_id))


def _alive(pid: Any) -> bool:
    return alive(pid) if isinstance(pid, int) else True  # unknown: leave it to the heartbeat


@contextmanager
def heartbeat(storage, trials: list):
    """Heartbeats for trials run outside `study.optimize` (asked in batches, or run by Ray), so that a
    dead process's trials become stale and are retried, as the ones `optimize` runs are."""
    interval = storage.get_heartbeat_interval() if hasattr(storage, "get_heartbeat_interval") else None
    if not interval:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while True:
            for t in list(trials):
                try:
                    storage.record_heartbeat(t._trial_id)
                except Exception:  # noqa: BLE001,S110 - the database blinked: this thread must live, the next beat retries
                    pass
            if stop.wait(interval):
                return

    thread = threading.Thread(target=beat, name="tuneup-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def mark_owner(trial) -> None:
    trial.set_user_attr("host", HOST)
    trial.set_user_attr("pid", os.getpid())


def retried_from(trial) -> int | None:
    """The number of the dead trial this one retries (Optuna's retry callback records it)."""
    attrs = trial.study._storage.get_trial_system_attrs(trial._trial_id)
    return attrs.get("failed_trial")


def folder_for(trial, study_name: str, runs_dir: Path) -> tuple[str, Path | None]:
    """(folder name, folder to resume): a new folder of the trial's own, `<study>-t<number>`. A retry of a dead
    trial continues that trial's unfinished run from its checkpoint: the folder is renamed to the retry's own
    name first, so no two trials ever share a folder. (A folder the dead trial finished, dying before it told
    the study, is adopted as it is: its summary names it.)"""
    if retried_from(trial) is not None:
        old = trial.user_attrs.get(RUN_ATTR)
        if old and Path(old, rd.CONFIG).exists():
            old = Path(old)
            if (old / rd.SUMMARY).exists():
                return old.name, old
            new = old.with_name(folder_name(study_name, trial.number, old.parent))
            os.rename(old, new)
            return new.name, new
    return folder_name(study_name, trial.number, runs_dir), None


def folder_name(study_name: str, number: int, runs_dir: Path) -> str:
    """`<study>-t0007`; a folder left by an older study of the same name gets a suffix."""
    base = f"{study_name}-t{number:04d}"
    name, k = base, 1
    while (runs_dir / name).exists():
        k += 1
        name = f"{base}-{k}"
    return name


def _shown(storage) -> str:
    from tuneup.sweep.storage import mask

    url = getattr(storage, "url", None)
    return mask(str(url)) if url else "the storage"
