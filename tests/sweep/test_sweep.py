import json
from pathlib import Path

import optuna
import pytest
from sweep_helpers import LR_SPACE, trial_json, wine_config, write_yaml

import tuneup
from tuneup.exceptions import UserError
from tuneup.runs import Run


def study_trials(study="wine", runs="tuneup-runs"):
    return optuna.load_study(study_name=study, storage=f"sqlite:///{Path(runs, 'sweeps.db').resolve()}").trials


@pytest.mark.slow
def test_small_sweep_finds_the_best_trial_and_writes_run_folders():
    result = tuneup.sweep(wine_config(), trials=5, progress=False)  # the default space
    assert len(result.trials) == 5 and [t.number for t in result.trials] == [0, 1, 2, 3, 4]
    assert result.counts["complete"] + result.counts["pruned"] == 5
    complete = [t for t in result.trials if t.state == "complete"]
    assert result.best.dev_error == min(t.dev_error for t in complete)
    for t in result.trials:  # every trial, pruned too, is a complete run folder
        run = Run(t.run)
        assert run.path.name == f"wine-t{t.number:04d}" and run.complete
        assert run.summary["ladder"]["dev"] == pytest.approx(t.dev_error)
        assert run.summary["ladder"]["test"] is None and not run.summary["final"]  # test never looked at
        assert not (run.path / "predictions" / "test.parquet").exists()
        info = trial_json(run.path)
        assert (info["study"], info["trial"], info["state"]) == ("wine", t.number, t.state)
        assert info["params"] == t.params and len(run.history) == t.epochs
        # the trial trained what it says: its config holds the sampled values
        assert run.config.train.lr == pytest.approx(t.params["train.lr"])
        assert run.config.model.hidden == [t.params["model.width"]] * t.params["model.depth"]
    assert not Path("tuneup-runs", "test-ledger.jsonl").exists()
    saved = json.loads(Path("tuneup-runs/wine.sweep.json").read_text())
    assert saved["best"]["number"] == result.best.number and saved["trials_wanted"] == 5
    assert f"trial {result.best.number}" in result._repr_html_()


@pytest.mark.slow
def test_the_study_continues_to_the_total_number_of_trials():
    tuneup.sweep(wine_config(), trials=2, space=LR_SPACE, progress=False)
    again = tuneup.sweep(wine_config(), trials=2, space=LR_SPACE, progress=False)
    assert len(again.trials) == 2 and "already holds 2 trials" in again.notes[0]
    more = tuneup.sweep(wine_config(), trials=3, space=LR_SPACE, progress=False)
    assert [t.number for t in more.trials] == [0, 1, 2]
    assert sorted(p.name for p in Path("tuneup-runs").glob("wine-t*")) == ["wine-t0000", "wine-t0001", "wine-t0002"]
    # another study on the same storage is separate; --study names it
    other = tuneup.sweep(wine_config(), trials=1, space=LR_SPACE, study="wine-b", progress=False)
    assert other.study == "wine-b" and Path(other.trials[0].run).name == "wine-b-t0000"


@pytest.mark.slow
def test_pruning_stops_an_obviously_bad_trial():
    space = {"train.lr": {"log_uniform": [1e-6, 1e-1]}, "train.optimizer": {"choice": ["adam", "sgd"]}}
    good = [{"train.lr": lr, "train.optimizer": "adam"} for lr in (0.02, 0.03, 0.04)]
    bad = {"train.lr": 1e-6, "train.optimizer": "sgd"}  # barely moves from its random start
    result = tuneup.sweep(wine_config(train={"epochs": 6, "batch_size": 32}), trials=4, space=space,
                          pruner="median", enqueue=[*good, bad], progress=False)
    states = [t.state for t in result.trials]
    assert states == ["complete", "complete", "complete", "pruned"], [(t.state, t.dev_error) for t in result.trials]
    pruned = result.trials[3]
    assert pruned.params["train.lr"] == 1e-6 and pruned.epochs < 6
    run = Run(pruned.run)
    assert run.complete and len(run.history) == pruned.epochs  # it stopped there, and was still evaluated
    info = trial_json(run.path)
    assert info["state"] == "pruned" and info["pruned_after_epoch"] == pruned.epochs
    assert pruned.dev_error > max(t.dev_error for t in result.trials[:3])


@pytest.mark.slow
def test_no_pruner_runs_every_trial_to_the_end():
    bad = {"train.lr": 1e-6, "train.optimizer": "sgd"}
    space = {"train.lr": {"log_uniform": [1e-6, 1e-1]}, "train.optimizer": {"choice": ["adam", "sgd"]}}
    result = tuneup.sweep(wine_config(), trials=3, space=space, pruner="none",
                          enqueue=[{"train.lr": 0.03, "train.optimizer": "adam"}, {"train.lr": 0.02, "train.optimizer": "adam"}, bad],
                          progress=False)
    assert [t.state for t in result.trials] == ["complete"] * 3


def test_a_diverging_trial_fails_with_its_reason_and_the_sweep_goes_on():
    cfg = wine_config(name="dia", data={"train": {"path": "builtin:diabetes"}})
    space = {"train.lr": {"log_uniform": [1e-3, 1.0]}, "train.optimizer": {"choice": ["adam", "sgd"]}}
    result = tuneup.sweep(cfg, trials=2, space=space, enqueue=[{"train.lr": 1.0, "train.optimizer": "sgd"},
                                                                {"train.lr": 0.01, "train.optimizer": "adam"}],
                          progress=False)
    failed, ok = result.trials
    assert failed.state == "failed" and "the training loss became nan" in failed.note and failed.run is None
    assert not Path("tuneup-runs/dia-t0000").exists()  # bad settings leave nothing half-written
    assert ok.state == "complete" and result.best.number == 1
    assert result.counts["failed"] == 1  # a failure with a reason counts toward --trials


@pytest.mark.slow
def test_hyperparameter_importance_needs_enough_completed_trials():
    few = tuneup.sweep(wine_config(), trials=2, space=LR_SPACE, pruner="none", progress=False)
    assert few.importance == {} and "at least 3 completed trials (2 so far)" in few.importance_note
    more = tuneup.sweep(wine_config(), trials=5, space=LR_SPACE, pruner="none", progress=False)
    assert set(more.importance) == {"train.lr", "model.dropout"} and more.importance_note is None
    assert sum(more.importance.values()) == pytest.approx(1.0)


def test_a_study_started_on_other_data_is_refused():
    tuneup.sweep(wine_config(), trials=1, space=LR_SPACE, progress=False)
    other = wine_config(data={"train": {"path": "builtin:breast-cancer"}})
    with pytest.raises(UserError, match="study 'wine' in sqlite:///.*sweeps.db was started on other data"):
        tuneup.sweep(other, trials=1, space=LR_SPACE, progress=False)


@pytest.mark.slow
def test_sweep_json_on_the_command_line(cli):
    write_yaml("wine.yaml", wine_config())
    write_yaml("space.yaml", LR_SPACE)
    r = cli("sweep", "wine.yaml", "--trials", "3", "--space", "space.yaml", "--pruner", "none", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)  # exactly one JSON document
    assert doc["study"] == "wine" and doc["backend"] == "optuna" and len(doc["trials"]) == 3
    assert doc["best"]["run"] and doc["space"] == {"train.lr": {"log_uniform": [0.001, 0.1]},
                                                   "model.dropout": {"uniform": [0.0, 0.4]}}
    assert "[I " not in r.stderr  # Optuna's own log lines stay off
    r = cli("sweep", "wine.yaml", "--trials", "3", "--space", "space.yaml")  # the finished study, as tables
    assert r.code == 0 and "already holds 3 trials" in r.stdout and "trials (* best)" in r.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--trials", "0"], "--trials 0: a sweep needs at least one trial"),
    (["--pruner", "asha"], "--pruner 'asha' is not a pruner; choose one of: median, hyperband, none"),
    (["--backend", "dask"], "--backend 'dask' is not a backend; choose one of: optuna, ray"),
    (["--address", "10.0.0.1:6379"], "--address names a Ray cluster; add --backend ray"),
    (["--backend", "ray", "--workers", "2"], "with --backend ray the cluster's CPUs set how many trials run"),
    (["--storage", "not a url"], "--storage 'not a url' is not a database URL"),
])
def test_bad_options_exit_2(cli, args, fragment):
    write_yaml("wine.yaml", wine_config())
    r = cli("sweep", "wine.yaml", *args)
    assert r.code == 2 and fragment in r.stderr, r.stderr
