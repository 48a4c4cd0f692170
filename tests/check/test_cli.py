import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

import tuneup
from tests.conftest import make_table, table_config
from tuneup.checks import CheckReport, ChecksFailed


def _write(tmp_path, df, name="tuneup.yaml", **extra) -> Path:
    df.to_csv(tmp_path / "churn.csv", index=False)
    cfg = table_config(tmp_path / "churn.csv", **extra)
    cfg["train"] = {"epochs": 2, "batch_size": 64}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg))
    return path


def _with_copies(n=300, copies=60):
    df = make_table(n, seed=0)
    dup = df.iloc[:copies].copy()
    dup["customer_id"] = [f"dup{i}" for i in range(copies)]
    return pd.concat([df, dup], ignore_index=True)


@pytest.mark.slow
def test_run_stops_on_an_error_and_goes_on_with_force(tmp_path, cli):
    config = _write(tmp_path, _with_copies())
    r = cli("run", str(config))
    assert r.code == 2
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "duplicates:" in errors[0] and "dev/test examples are copies of training examples" in errors[0]
    assert "--force" in errors[0] and "Traceback" not in r.stderr
    runs = Path("tuneup-runs")
    assert not runs.exists() or not any(runs.iterdir())  # nothing half-written

    r = cli("run", str(config), "--force", "--json")
    assert r.code == 0, r.stderr
    summary = json.loads(r.stdout)
    saved = CheckReport.read(summary["path"])
    assert [f.check for f in saved.errors] == ["duplicates"]
    assert "going on because of --force" in r.stderr


@pytest.mark.slow
def test_warnings_print_and_the_run_goes_on(tmp_path, cli):
    df = make_table(300, seed=1)
    df["country"] = "fr"  # a constant column: a warning, not an error
    r = cli("run", str(_write(tmp_path, df)), "--json")
    assert r.code == 0, r.stderr
    assert "warning: check: columns: 'country' holds a single value" in r.stderr
    report = json.loads((Path(json.loads(r.stdout)["path"]) / "check.json").read_text())
    assert report["counts"]["error"] == 0 and report["counts"]["warning"] >= 1


def test_a_warning_is_said_in_full_once_per_process_then_counted(tmp_path, capsys):
    """improve alternates data settings (some target data in training, then none), so the same data is prepared
    and checked again for each candidate: its warnings were printed in full every time."""
    from tuneup.checks.runner import before_run
    from tuneup.pipeline import stage

    df = make_table(300, seed=1)
    df["country"] = "fr"  # a constant column: a warning
    cfg = tuneup.load_config(_write(tmp_path, df))
    first = before_run(stage(cfg))
    said = capsys.readouterr().err
    assert "warning: check: columns: 'country' holds a single value" in said
    again = before_run(stage(cfg))  # read again: another data set to the checks' cache, the same findings
    told = capsys.readouterr().err
    assert "'country' holds a single value" not in told
    assert f"check: {len(first.warnings)} more warning" in told and again.to_dict()["counts"] == first.to_dict()["counts"]


@pytest.mark.slow
def test_python_api_raises_and_forces(tmp_path):
    config = _write(tmp_path, _with_copies())
    with pytest.raises(ChecksFailed, match="--force"):
        tuneup.run(str(config), progress=False)
    run = tuneup.run(str(config), progress=False, force=True)
    assert (run.path / "check.json").exists()


def test_check_json_is_one_document(tmp_path, cli):
    config = _write(tmp_path, make_table(300, seed=2))
    r = cli("check", str(config), "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)  # raises if there is anything besides one JSON document
    assert set(doc) == {"overview", "counts", "findings", "sections", "timing"}
    assert doc["overview"]["rows"] == 300
    assert set(doc["sections"]) == set(tuneup.checks.CHECKS)
    assert all(k in doc["timing"] for k in tuneup.checks.CHECKS)


def test_check_prints_a_summary_with_errors_first(tmp_path, cli):
    r = cli("check", str(_write(tmp_path, _with_copies())), "--set", "data.split.seed=3")
    assert r.code == 0, r.stderr
    lines = r.stdout.splitlines()
    first_error = next(i for i, line in enumerate(lines) if "ERROR" in line)
    assert all("warning" not in line and "info" not in line for line in lines[:first_error])
    assert "`tuneup run` stops on errors" in r.stdout


@pytest.mark.parametrize("args, says", [
    (["check", "missing.yaml"], "missing.yaml: no such config file"),
    (["check", "tuneup.yaml", "--set", "data.split.seeed=1"], "unknown key 'data.split.seeed'"),
    (["check", "tuneup.yaml", "--set", "data.train.target=Churn"], "'Churn' is not a column of churn.csv"),
    (["check", "tuneup.yaml", "--set", "data.train.path=nowhere.csv"], "nowhere.csv: no such file"),
])
def test_bad_input_is_one_error_line(tmp_path, cli, args, says):
    _write(tmp_path, make_table(100, seed=3))
    r = cli(*args)
    assert r.code == 2
    assert r.stdout == ""
    assert r.stderr.strip().startswith("error:") and says in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_report_round_trips_and_renders(tmp_path):
    from rich.console import Console

    report = tuneup.check(str(_write(tmp_path, _with_copies())))
    again = CheckReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.to_dict() == json.loads(json.dumps(report.to_dict()))
    assert [f.severity for f in report.findings][0] == "error"
    html = report._repr_html_()
    assert "<table>" in html and "copies of training examples" in html
    console = Console(record=True, width=120)
    console.print(report)
    text = console.export_text()
    assert "findings" in text and "columns" in text and "ERROR" in text
