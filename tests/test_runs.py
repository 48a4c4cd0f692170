"""The run directory as later steps read it: a damaged or missing file is a one-line error naming the file
and the fix (train again, or resume), never a traceback; a folder that is not a run says so."""
from __future__ import annotations

import shutil

import pytest

from tuneup.exceptions import UserError
from tuneup.runs import Run
from tuneup.ship.bundle import Bundle


@pytest.fixture
def copy(trained_table_run, tmp_path):
    return Run(shutil.copytree(trained_table_run.path, tmp_path / "runs" / "churn", ignore=shutil.ignore_patterns("export")))


@pytest.mark.parametrize("damage", ["missing", "garbage", "cut"])
def test_damaged_weights_name_the_file_and_the_fix(cli, copy, damage):
    weights = copy.path / "model.safetensors"
    if damage == "missing":
        weights.unlink()
    elif damage == "garbage":
        weights.write_bytes(b"not safetensors at all")
    else:
        weights.write_bytes(weights.read_bytes()[:200])
    r = cli("export", str(copy.path))
    assert r.code == 2, r.stderr[-600:]
    line = r.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and str(weights) in line, line
    assert ("missing" if damage == "missing" else "damaged") in line
    assert f"tuneup run {copy.path / 'config.yaml'}" in line, line
    with pytest.raises(UserError, match="model.safetensors is (missing|damaged)"):  # what `tuneup serve RUN` loads
        Bundle.load(copy.path)
    assert not (copy.path / "export").exists()


@pytest.mark.parametrize("name, command", [
    ("summary.json", "diagnose"), ("encoder.json", "errors"), ("splits.csv", "export"),
    ("threshold.json", "export"), ("predictions/dev.parquet", "errors"),
])
def test_a_damaged_file_of_a_run_names_the_file(cli, copy, name, command):
    (copy.path / name).write_text('{"cut sho')
    r = cli(command, str(copy.path))
    assert r.code == 2, r.stderr[-800:]
    line = r.stderr.strip().splitlines()[-1]
    assert str(copy.path / name) in line and "damaged" in line and "tuneup run" in line, line


def test_an_unfinished_run_is_told_to_resume(cli, copy):
    (copy.path / "summary.json").unlink()
    (copy.path / "model.safetensors").write_bytes(b"")
    r = cli("export", str(copy.path))
    assert r.code == 2 and f"tuneup run --resume {copy.path}" in r.stderr


def test_a_folder_without_config_is_not_a_run_folder(cli, tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    (folder / "summary.json").write_text("{}")
    r = cli("diagnose", str(folder))
    assert r.code == 2
    assert f"{folder} is a folder, not a run folder (it has no config.yaml)" in r.stderr, r.stderr
    assert "no runs in" not in r.stderr


def test_a_run_without_predictions_says_so(cli, copy):
    shutil.rmtree(copy.path / "predictions")
    r = cli("errors", str(copy.path))
    assert r.code == 2
    line = r.stderr.strip().splitlines()[-1]
    assert "has no predictions" in line and "splits: " not in line and "tuneup run" in line, line



def test_a_run_writes_every_file_under_the_names_its_readers_use(copy):
    """`tuneup run`'s output, read back by the readers: each name comes from `tuneup.runs` and is the file
    the contract (ARCHITECTURE.md) promises."""
    from tuneup import runs as rd
    from tuneup.checks.result import CheckReport
    from tuneup.report.data import load

    names = {rd.CONFIG: "config.yaml", rd.SPLITS: "splits.csv", rd.ENCODER: "encoder.json",
             rd.MODEL: "model.safetensors", rd.HISTORY: "history.jsonl", rd.TENSORBOARD: "tensorboard",
             rd.SUMMARY: "summary.json", rd.CHECK: "check.json", rd.prediction_file("dev"): "predictions/dev.parquet",
             rd.baseline_file("linear", "dev"): "baselines/linear/dev.parquet"}
    for constant, literal in names.items():
        assert constant == literal and (copy.path / literal).exists(), literal
    run = Run.open(copy.path)
    assert run.config.name == "churn" and run.summary["ladder"]["dev"] is not None
    assert len(run.history) == run.summary["training"]["epochs_run"]
    assert len(run.predictions("dev")) == len(run.baseline_predictions("linear", "dev")) > 0
    assert CheckReport.read(run.path).to_dict() == CheckReport.read(run.path / rd.CHECK).to_dict()
    data = load(run)
    assert data.check is not None and data.check["overview"] == CheckReport.read(run.path).overview
    assert not any(rd.CHECK in m for m in data.missing)


def test_a_chosen_threshold_is_read_where_it_is_used(copy):
    """`tuneup errors --threshold` writes threshold.json; the run's decisions, export and the report read it."""
    import tuneup
    from tuneup import runs as rd
    from tuneup.errors.threshold import load_threshold

    report = tuneup.errors(copy, threshold="recall=0.9")
    assert report.threshold_saved is not None and (copy.path / "threshold.json").exists() and rd.THRESHOLD == "threshold.json"
    chosen = report.threshold.threshold
    assert load_threshold(copy.path)["threshold"] == chosen
    assert Run.open(copy.path).head().threshold == pytest.approx(chosen)


def test_the_test_ledger_is_read_back_beside_the_runs(tmp_path):
    from tuneup import runs as rd

    assert rd.record_test_use(tmp_path, "churn-001", "fp", "ids", "f1", 0.2) == 1
    assert rd.record_test_use(tmp_path, "churn-002", "fp", "ids", "f1", 0.1) == 2
    assert (tmp_path / "test-ledger.jsonl").exists()
    assert [r["run"] for r in rd.test_uses(tmp_path, "ids")] == ["churn-001", "churn-002"]
