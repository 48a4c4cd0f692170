"""`tuneup report` and the report at the end of `tuneup run`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import make_table, table_config
from tests.report.conftest import copy_run


def test_report_json_is_one_document(cli, trained_table_run, tmp_path):
    run = copy_run(trained_table_run, tmp_path / "runs")
    r = cli("report", str(run.path), "--quick", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["path"] == str(run.path / "report.html") and doc["bytes"] == (run.path / "report.html").stat().st_size


def test_report_of_an_unknown_run_is_a_user_error(cli):
    r = cli("report", "no-such-run")
    assert r.code == 2 and r.stderr.strip().splitlines()[-1].startswith("error: run 'no-such-run' not found")


@pytest.mark.slow
def test_run_ends_with_the_report_and_tensorboard_hparams(cli, tmp_path):
    make_table(300).to_csv(tmp_path / "churn.csv", index=False)
    cfg = table_config(tmp_path / "churn.csv")
    cfg["train"]["epochs"] = 3
    (tmp_path / "tuneup.yaml").write_text(json.dumps(cfg))
    r = cli("run", "tuneup.yaml", "--name", "r1")
    assert r.code == 0, r.stderr
    report = tmp_path / "tuneup-runs" / "r1" / "report.html"
    assert f"report: {report.relative_to(tmp_path)}" in r.stdout and report.exists()
    assert list((tmp_path / "tuneup-runs" / "r1" / "tensorboard").glob("events.out.tfevents.*.hparams"))
    r = cli("run", "tuneup.yaml", "--name", "r2", "--json")
    assert json.loads(r.stdout)["report"].endswith("r2/report.html")


@pytest.mark.slow
def test_sweep_ends_with_the_best_trial_s_report(cli, tmp_path):
    from tests.report.pages import rows, sections
    from tests.sweep.sweep_helpers import LR_SPACE, wine_config, write_yaml

    write_yaml("wine.yaml", wine_config())
    write_yaml("space.yaml", LR_SPACE)
    r = cli("sweep", "wine.yaml", "--trials", "2", "--space", "space.yaml", "--pruner", "none", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["report"] == str(Path(doc["best"]["run"]) / "report.html")  # sweeps record full paths
    sweep = sections(Path(doc["report"]).read_text())["sweep"]
    assert sorted(r[0] for r in rows(sweep)) == ["0", "1"]
