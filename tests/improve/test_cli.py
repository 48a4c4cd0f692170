"""`tuneup improve CONFIG`: one JSON document with --json, the step table otherwise, and one-line errors
(exit 2, nothing written) for a bad budget, a target out of range or an unknown key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

CONFIG = {"name": "digits", "data": {"train": {"path": "builtin:digits"}, "split": {"dev": 0.8, "test": 0.1}},
          "model": {"hidden": [64, 64]}, "baselines": [],
          "train": {"epochs": 3, "batch_size": 32, "early_stopping": False, "checkpoint": False}}


@pytest.fixture
def config_file() -> str:
    Path("tuneup.yaml").write_text(yaml.safe_dump(CONFIG))
    return "tuneup.yaml"


@pytest.mark.parametrize("args,words", [
    (["--budget", "lots"], ["--budget 'lots'", "20m"]),
    (["--budget", "0"], ["--budget 0", "at least one"]),
    (["--target", "1.5"], ["--target 1.5", "between 0 and 1"]),
    (["--target", "-0.1"], ["--target -0.1"]),
    (["--target", "abc"], ["--target"]),
    (["--set", "train.weight_decy=0.1"], ["train.weight_decy", "did you mean 'weight_decay'"]),
    (["--set", "model.dropout=2"], ["model.dropout"]),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, config_file, args, words):
    r = cli("improve", config_file, *args)
    assert r.code == 2 and r.stdout == ""
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1, r.stderr
    for w in words:
        assert w in r.stderr
    assert not Path("tuneup-runs").exists() or not any(Path("tuneup-runs").iterdir())


def test_a_missing_config_is_exit_2(cli):
    r = cli("improve", "nope.yaml")
    assert r.code == 2 and "nope.yaml" in r.stderr


@pytest.mark.slow
def test_json_is_one_document_and_the_terminal_shows_the_step_table(cli, config_file):
    r = cli("improve", config_file, "--budget", "1", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["finished"] and doc["trainings"] == 1 and len(doc["steps"]) == 1
    tried = doc["steps"][0]["tried"][0]
    assert {"run", "remedy", "strength", "set", "dev", "difference", "n_common", "kept", "why"} <= set(tried)
    assert doc["steps"][0]["gap_before"]["low"] <= doc["steps"][0]["gap_before"]["value"]
    assert Path(doc["path"]).exists() and json.loads(Path(doc["path"]).read_text())["session"] == doc["session"]
    page = Path(doc["report"])  # the best run's report, with the session's steps on it
    assert page.name == "report.html" and page.parent.name == doc["best"]["run"]
    assert doc["session"] in page.read_text()

    r = cli("improve", config_file, "--budget", "1")
    assert r.code == 0, r.stderr
    for words in ("gap before", "remedy tried", "dev error", "kept?", "stopped: budget spent", "verdict:",
                  "(reused)", "--set ", "report.html"):
        assert words in r.stdout, words


@pytest.mark.slow
def test_a_target_already_met_stops_before_any_candidate(cli, config_file):
    r = cli("improve", config_file, "--target", "0.99", "--json")
    doc = json.loads(r.stdout)
    assert r.code == 0 and doc["steps"] == [] and doc["stopped"].startswith("target reached")
    assert doc["best"]["run"] == doc["start"]["run"] and doc["improvement"] is None
