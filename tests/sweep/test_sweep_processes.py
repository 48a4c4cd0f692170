"""Sweeps across processes: a killed sweep resumes; worker processes share one study."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from sweep_helpers import LR_SPACE, trial_json, wine_config, write_yaml

import tuneup
from tuneup.runs import Run

pytestmark = pytest.mark.slow


def load_trials(runs="tuneup-runs", study="wine"):
    storage = f"sqlite:///{Path(runs, 'sweeps.db').resolve()}"
    return optuna.load_study(study_name=study, storage=storage).get_trials(deepcopy=False)


def wait_for(predicate, timeout=240.0, what="", every=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (KeyError, ValueError, optuna.exceptions.OptunaError):  # the study is not there yet
            pass
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGINT"])  # killed outright, or Ctrl-C
def test_a_killed_sweep_resumes_where_it_stopped(how):
    epochs = 80  # a trial long enough (a second or two) to be caught midway however fast the trainer gets
    cfg = wine_config(train={"epochs": epochs, "batch_size": 32, "early_stopping": False})
    write_yaml("wine.yaml", cfg)
    write_yaml("space.yaml", LR_SPACE)
    args = ["sweep", "wine.yaml", "--trials", "3", "--space", "space.yaml", "--pruner", "none", "--json"]
    # `tuneup ARGS` with Ctrl-C turned back on: a shell running the tests in the background may ignore
    # SIGINT, and a child inherits that
    start = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
             f"sys.argv = ['tuneup', *{args!r}]; runpy.run_module('tuneup', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", start], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def second_trial_midway():
            if not Path("tuneup-runs/wine-t0000").exists():  # the study exists once its first trial has a folder
                return False
            trials = load_trials()
            return len(trials) >= 2 and trials[1].state.name == "RUNNING" and len(trials[1].intermediate_values) >= 3
        wait_for(second_trial_midway, what="trial 1 to be a few epochs in", every=0.05)
    finally:
        proc.send_signal(getattr(signal, how))
        code = proc.wait(timeout=120)  # reaped: its pid is gone, as after a real kill
    killed = load_trials()[1]
    if how == "SIGKILL":  # nobody could say so: the next sweep finds its process gone
        assert killed.state.name == "RUNNING"
    else:  # interrupted: the CLI exits 130, the trial is failed and queued to run again
        assert code == 130 and killed.state.name == "FAIL" and load_trials()[2].state.name == "WAITING"
    assert not Run(killed.user_attrs["run"]).complete

    result = tuneup.sweep("wine.yaml", trials=3, space="space.yaml", pruner="none", progress=False)

    states = [t.state for t in result.trials]
    assert states == ["complete", "lost", "complete", "complete"], states
    assert result.counts["complete"] == 3 and result.counts["lost"] == 1  # the lost one does not count
    lost, retry = result.trials[1], result.trials[2]
    assert retry.params == lost.params and "retries trial 1" in retry.note
    # the retry continued the dead trial's run from its checkpoint instead of starting over, in its own folder
    assert Path(retry.run).name == "wine-t0002" and lost.run is None and "continued by trial 2" in lost.note
    saved = json.loads(Path(result.path).read_text())["trials"]
    assert len({t["run"] for t in saved if t["run"]}) == len([t for t in saved if t["run"]]) == 3
    run = Run(retry.run)
    assert run.complete and [r["epoch"] for r in run.history] == list(range(1, epochs + 1))
    info = trial_json(run.path)
    assert info["trial"] == 2 and info["retries_trial"] == 1
    # the retried trial reported every epoch (those before the kill were replayed from the history)
    assert sorted(load_trials()[2].intermediate_values) == list(range(1, epochs + 1))
    assert sorted(p.name for p in Path("tuneup-runs").glob("wine-t*")) == ["wine-t0000", "wine-t0002", "wine-t0003"]


def test_two_workers_share_one_study_without_losing_or_duplicating_trials():
    result = tuneup.sweep(wine_config(), trials=6, space=LR_SPACE, workers=2, pruner="none", progress=False)
    trials = load_trials()
    assert [t.number for t in trials] == [0, 1, 2, 3, 4, 5]
    assert all(t.state.name == "COMPLETE" for t in trials)
    pids = {t.user_attrs["pid"] for t in trials}
    assert len(pids) == 2 and os.getpid() not in pids  # both workers ran trials, the parent none
    folders = sorted(p.name for p in Path("tuneup-runs").glob("wine-t*"))
    assert folders == [f"wine-t{i:04d}" for i in range(6)]
    for t in trials:
        run = Run(t.user_attrs["run"])
        assert run.complete and trial_json(run.path)["trial"] == t.number
        assert run.config.train.lr == pytest.approx(t.params["train.lr"])
    assert len(result.trials) == 6 and result.best is not None
    # a second call with the same total has nothing left to do
    again = tuneup.sweep(wine_config(), trials=6, space=LR_SPACE, workers=2, progress=False)
    assert len(again.trials) == 6
