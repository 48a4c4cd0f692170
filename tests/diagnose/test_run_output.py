"""`tuneup run` and `tuneup demo` end with the diagnosis."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.conftest import make_table, table_config
from tuneup.diagnose.schema import DIAGNOSIS_SCHEMA


def test_run_prints_the_diagnosis_and_its_json_carries_it(tmp_path, cli):
    make_table(300).to_csv(tmp_path / "churn.csv", index=False)
    raw = table_config(tmp_path / "churn.csv")
    raw["train"].update({"epochs": 3, "checkpoint": False})
    (tmp_path / "tuneup.yaml").write_text(yaml.safe_dump(raw))
    r = cli("run", "tuneup.yaml")
    assert r.code == 0, r.stderr
    assert "95% intervals" in r.stdout and "verdict: " in r.stdout and "gap from above" in r.stdout
    r = cli("run", "tuneup.yaml", "--json")
    doc = json.loads(r.stdout)
    jsonschema.validate(doc["diagnosis"], DIAGNOSIS_SCHEMA)
    assert doc["diagnosis"]["ladder"]["dev"] == pytest.approx(doc["ladder"]["dev"])


@pytest.mark.slow
@pytest.mark.slow
def test_demo_ends_with_the_diagnosis(cli):
    r = cli("demo", "--epochs", "6")  # after 2 epochs the network is still learning: avoidable bias
    assert r.code == 0, r.stderr
    verdict = r.stdout.index("verdict: data mismatch — dev error")  # clean web digits vs blurred phone ones
    assert "remedies, most promising first:" in r.stdout[verdict:]
    assert r.stdout.rstrip().splitlines()[-1].startswith("run: ")


def test_a_final_run_has_a_test_rung_and_a_dev_overfitting_gap(tmp_path):
    import tuneup

    make_table(300).to_csv(tmp_path / "churn.csv", index=False)
    raw = table_config(tmp_path / "churn.csv")
    raw["train"].update({"epochs": 3, "checkpoint": False})
    run = tuneup.run(raw, final=True, progress=False)
    d = tuneup.diagnose(run, measure=False)
    test, dev = d.intervals["ladder"]["test"], d.intervals["ladder"]["dev"]
    assert test.method == "bootstrap" and test.n == run.summary["splits"]["test"]["n"]
    assert d.gaps["dev_overfit"] == pytest.approx(d.ladder["test"] - d.ladder["dev"])
    assert d.intervals["gaps"]["dev_overfit"].low < d.gaps["dev_overfit"] < d.intervals["gaps"]["dev_overfit"].high
    assert not any("test was not evaluated" in n for n in d.notes)
