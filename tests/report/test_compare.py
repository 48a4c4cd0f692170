"""`tuneup compare`: config differences, ladders and metrics from the runs' own files, the paired test
against the first run, and the same data in the terminal, --json and --html."""
from __future__ import annotations

import json

import pytest
import yaml
from rich.console import Console

import tuneup
from tests.report.conftest import copy_run
from tests.report.pages import rows, sections


@pytest.fixture
def two_runs(trained_table_run, tmp_path):
    """The table run and a copy whose config says another learning rate (same predictions)."""
    root = tmp_path / "runs"
    a = copy_run(trained_table_run, root, "churn-a")
    b = copy_run(trained_table_run, root, "churn-b")
    cfg = yaml.safe_load((b.path / "config.yaml").read_text())
    cfg["train"]["lr"] = 0.01
    (b.path / "config.yaml").write_text(yaml.safe_dump(cfg))
    return a, b


def test_differences_ladders_and_the_paired_test(two_runs):
    a, b = two_runs
    c = tuneup.compare([a, b])
    assert c.differences == {"train.lr": [a.config.train.lr, 0.01]}
    assert c.ladders == {"churn-a": a.summary["ladder"], "churn-b": b.summary["ladder"]}
    dev = a.summary["ladder"]["dev"]
    assert c.gaps["churn-a"]["variance"] == pytest.approx(dev - a.summary["ladder"]["train"])
    assert c.splits["churn-b"]["dev"] == b.summary["splits"]["dev"]
    (p,) = c.paired
    assert p["run"] == "churn-b" and p["difference"]["value"] == 0 and not p["beats"] and not p["worse"]
    assert p["n_common"] == a.summary["splits"]["dev"]["n"]
    history = a.history
    assert c.histories["churn-a"]["dev_loss"] == [h["dev"]["loss"] for h in history]
    assert c.best == "churn-a"  # a tie: the first


def test_terminal_json_and_html(cli, two_runs, tmp_path):
    a, b = two_runs
    r = cli("compare", str(a.path), str(b.path), "--json", "--html", str(tmp_path / "cmp.html"))
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["differences"] == {"train.lr": [a.config.train.lr, 0.01]} and doc["comparable"] is True
    assert [x["name"] for x in doc["runs"]] == ["churn-a", "churn-b"]
    page = (tmp_path / "cmp.html").read_text()
    part = sections(page)
    assert list(part) == ["runs", "differences", "ladders", "curves"]
    assert ["train.lr", str(a.config.train.lr), "0.01"] in rows(part["differences"])
    console = Console(record=True, width=160)
    console.print(tuneup.compare([a, b]))
    shown = console.export_text()
    assert "same within noise" in shown and "train.lr" in shown


def test_runs_of_different_tasks_are_shown_but_not_ranked(trained_table_run, trained_image_run):
    c = tuneup.compare([trained_table_run, trained_image_run])
    assert not c.comparable and c.best is None and c.paired == []
    assert any("different things" in n for n in c.notes)
    assert "data.train.path" in c.differences


def test_one_run_is_not_a_comparison(cli, trained_table_run):
    r = cli("compare", str(trained_table_run.path))
    assert r.code == 2 and "compare needs two runs or more" in r.stderr
    r = cli("compare", str(trained_table_run.path), "no-such-run")
    assert r.code == 2 and "run 'no-such-run' not found" in r.stderr
    r = cli("compare", str(trained_table_run.path), str(trained_table_run.path), "--split", "test")
    assert r.code == 2 and "never to choose between runs" in r.stderr
