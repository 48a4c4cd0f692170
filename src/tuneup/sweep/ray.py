"""`--backend ray`: the same trials on a Ray cluster, stopped early by ASHA.

The study stays the single source of truth: a small Tune `Searcher` asks it for each trial's parameters
(the same define-by-run space and TPE sampler as the in-process sweep) and tells it the outcome, so
trial numbers, run folders (`<study>-t0007`), `trial.json`, resuming and the result are those of any other
sweep. Each Tune trial trains one candidate with `train_candidate` and reports every epoch's dev error
through `ray.tune.report`; `ASHAScheduler` (time attribute: the epoch) stops the weak ones.

A trial ASHA stops is ended by Ray inside `tune.report`, before its run is evaluated; the driver then
evaluates that run at its last checkpoint (no further training), so a pruned trial's folder is complete,
as in the in-process sweep. Tune's own experiment folder (which Ray pickles) goes to a temporary folder
that is removed afterwards; nothing Ray writes stays in the runs folder.

With no `--address` a local cluster starts on 127.0.0.1 with `LOCAL_CPUS` CPUs and is shut down at
the end; a process already connected to Ray (`ray.init(...)` before `tuneup.sweep`) keeps its cluster.
On a cluster of several machines every node needs tuneup installed and the runs folder at the same path
(a shared filesystem), as Ray's own storage does.
"""
from __future__ import annotations

import logging
import math
import os
import shutil
import socket
import sys
import tempfile
from contextlib import redirect_stdout
from dataclasses import asdict, replace
from pathlib import Path

from tuneup import _progress
from tuneup.exceptions import UserError
from tuneup.sweep import study as studies
from tuneup.workflow import Candidate, finish_stopped, outcome, train_candidate
from tuneup.runs import Run

try:  # Ray is an optional extra: without it this module still imports, and require_ray() says what to install
    from ray.tune.search import Searcher as _Searcher
except ImportError:  # pragma: no cover - exercised only where Ray is missing
    _Searcher = object

LOCAL_CPUS = 2  # a local cluster stays small: trials here are small models, and the machine is shared
CONNECT_TIMEOUT_S = 5.0  # the TCP check of --address
GCS_TIMEOUT_S = 15  # then ray.init's own wait for the cluster's control service
METRIC = "dev_error"


def require_ray():
    try:
        import ray
        from ray import tune  # noqa: F401
    except ImportError:
        raise UserError("sweeps on a Ray cluster need Ray: pip install 'tuneup[ray]'") from None
    import ray

    return ray


def check_address(address: str | None) -> None:
    """A Ray address that does not answer is an error within seconds (ray.init would wait for minutes)."""
    if address in (None, "", "auto", "local"):
        return
    client = address.startswith("ray://")
    host_port = address.removeprefix("ray://")
    host, sep, port_text = host_port.rpartition(":")
    if not sep:
        host, port_text = host_port, "10001" if client else "6379"
    if not host or not port_text.isdigit():
        raise UserError(f"--address {address!r} is not a Ray address; write host:port (e.g. 10.0.0.5:6379) "
                        "or ray://host:10001, or leave --address out to start a local cluster")
    port = int(port_text)
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        why = e.strerror or type(e).__name__.replace("Error", "").lower() or "no answer"
        raise UserError(
            f"--address {address}: no Ray cluster answers at {host}:{port} ({why}); start one there with "
            f"`ray start --head --port {port}`, check the host and port, or leave --address out to start a "
            "local cluster"
        ) from None


def connect(ray, address: str | None) -> bool:
    """Connect (or start a local cluster); True when this call started it and must shut it down."""
    if ray.is_initialized():
        return False
    check_address(address)
    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address:
            # something answering TCP that is not Ray (a proxy, another server) would keep ray.init
            # retrying for minutes; this bounds it (the user's own setting wins)
            os.environ.setdefault("RAY_py_gcs_connect_timeout_s", str(GCS_TIMEOUT_S))
            ray.init(address=address, **quiet)
        else:
            ray.init(address="local", num_cpus=LOCAL_CPUS, _node_ip_address="127.0.0.1", **quiet)
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
        raise UserError(f"could not connect to {where}: {str(e).strip().splitlines()[0]}; check the address "
                        "(and that its Ray version matches this one), or leave --address out") from None
    return True


def run_on_ray(setup, st, todo: int, address: str | None, progress: bool) -> None:
    ray = require_ray()
    from ray import tune
    from ray.tune.schedulers import ASHAScheduler

    from tuneup.sweep.runner import make_sampler, optuna_quiet, show_progress

    # Tune starts each trial in its own folder: the runs folder must be an absolute path
    runs = str(setup.cfg().runs_path().resolve())
    setup = replace(setup, config={**setup.config, "runs_dir": runs})
    started = connect(ray, address)
    scratch = Path(tempfile.mkdtemp(prefix="tuneup-ray-"))
    cfg = setup.cfg()
    epochs = cfg.train.epochs
    st.sampler = make_sampler(setup, st)
    try:
        with _progress.task(f"sweep {setup.study} on Ray", total=setup.trials) as bar:
            searcher = StudySearcher(setup, st, bar if progress else None)
            scheduler = ASHAScheduler(time_attr="epoch", max_t=epochs + 1, grace_period=max(1, epochs // 10),
                                      reduction_factor=3)  # max_t past the last epoch: a finished run is not cut
            tuner = tune.Tuner(
                tune.with_resources(tune.with_parameters(_trainable, setup=asdict(setup)), {"cpu": 1}),
                tune_config=tune.TuneConfig(search_alg=searcher, scheduler=scheduler, num_samples=todo,
                                            metric=METRIC, mode="min"),
                run_config=tune.RunConfig(name=setup.study, storage_path=str(scratch), verbose=0),
            )
            # stdout is for results (--json); the driver beats for the trials Ray runs
            with redirect_stdout(sys.stderr), optuna_quiet(), studies.heartbeat(st._storage, searcher.running):
                tuner.fit()
            if progress:
                show_progress(bar, st, setup.trials)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if started:
            ray.shutdown()


def _trainable(config: dict, setup: dict) -> None:
    """One Tune trial, in a Ray worker: train the candidate, report each epoch, then the outcome."""
    import torch
    from ray import tune

    from tuneup.sweep.runner import CAUGHT, Setup

    torch.set_num_threads(1)  # one CPU per trial
    _progress.set_quiet(True)
    cfg = Setup(**setup).cfg()

    def on_epoch(record: dict) -> bool:
        tune.report({METRIC: record["dev"]["error"], "epoch": record["epoch"]})  # ASHA may end us in here
        return False

    try:
        c = train_candidate(cfg, config["overrides"], name=config["name"], on_epoch=on_epoch,
                            resume=config["resume"])
    except CAUGHT as e:
        tune.report({METRIC: math.nan, "epoch": 0, "final": 1, "error": str(e)})
        return
    tune.report({METRIC: c.dev_error, "epoch": c.epochs, "final": 1, "epochs": c.epochs})


class StudySearcher(_Searcher):
    """Tune's search algorithm backed by the Optuna study: ask for a trial, tell its outcome."""

    def __init__(self, setup, st, bar=None):
        super().__init__(metric=METRIC, mode="min")
        self.setup, self.st, self.bar = setup, st, bar
        self.cfg = setup.cfg()
        self.space = setup.make_space(self.cfg)
        self.live: dict[str, tuple] = {}  # Tune trial id -> (optuna trial, values, run folder, planned epochs)
        self.running: list = []  # the optuna trials out on the cluster, for the heartbeat

    def suggest(self, trial_id: str) -> dict | None:
        trial = self.st.ask()
        values = self.space.suggest(trial)
        studies.mark_owner(trial)  # the driver: if it dies, the next sweep here recovers these trials
        name, resume = studies.folder_for(trial, self.setup.study, self.cfg.runs_path())
        path = self.cfg.runs_path() / name
        trial.set_user_attr(studies.RUN_ATTR, str(path))
        overrides = self.space.overrides(values)
        self.live[trial_id] = (trial, values, path, overrides.get("train.epochs", self.cfg.train.epochs))
        self.running.append(trial)
        return {"number": trial.number, "name": name, "overrides": overrides,
                "resume": str(resume) if resume else None}

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        if trial_id in self.live and not result.get("final"):
            trial = self.live[trial_id][0]
            trial.report(result[METRIC], int(result["epoch"]))
            if self.bar is not None:
                self.bar.update(trial=trial.number, epoch=int(result["epoch"]))

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        from optuna.trial import TrialState

        from tuneup.sweep.runner import record, show_progress

        trial, values, path, planned = self.live.pop(trial_id)
        self.running.remove(trial)
        result = result or {}
        if result.get("final") and result.get("error"):
            self._fail(trial, str(result["error"]))
        elif error:
            self._fail(trial, "the trial raised an error on the Ray cluster (see the Ray worker's log); is tuneup "
                              "installed on every node?")
        else:
            c = self._outcome(path, result)
            if c is None:
                self._fail(trial, f"stopped by ASHA before its first checkpoint; {path} is unfinished")
            else:
                c.stopped_at = None if (result.get("final") or c.epochs >= planned) else c.epochs
                record(trial.number, trial, c, values, self.setup, studies.retried_from(trial))
                if c.stopped_at is None:
                    self.st.tell(trial, c.dev_error)
                else:
                    self.st.tell(trial, state=TrialState.PRUNED)
        if self.bar is not None:
            show_progress(self.bar, self.st, self.setup.trials)

    def _outcome(self, path: Path, result: dict) -> Candidate | None:
        from tuneup.sweep.runner import quietly

        if result.get("final"):
            return outcome(Run(path), None)
        with quietly():
            return finish_stopped(path)  # ASHA ended it inside tune.report: evaluate it where it stopped

    def _fail(self, trial, why: str) -> None:
        from optuna.trial import TrialState

        trial.set_user_attr(studies.ERROR_ATTR, why)
        trial.set_user_attr(studies.RUN_ATTR, None)
        self.st.tell(trial, state=TrialState.FAIL)

    def save(self, checkpoint_path: str) -> None:
        """Nothing to save: the study in its storage is the searcher's whole state."""

    def restore(self, checkpoint_path: str) -> None:
        """Nothing to restore: the study in its storage is the searcher's whole state."""
