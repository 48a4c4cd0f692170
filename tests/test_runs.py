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

