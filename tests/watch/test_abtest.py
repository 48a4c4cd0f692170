"""A/B verdicts on planted models: better, worse, equal, and not yet known on too little data."""
from __future__ import annotations

import json

import pytest
from tests.watch.watchlogs import table_log

import tuneup


def ab(tmp_path, run, n, primary, candidate, share=0.5, seed=11):
    return table_log(run, tmp_path / "ab", n=n, seed=seed, feedback=1.0,
                     ab={"share": share, "primary": primary, "candidate": candidate})


@pytest.mark.parametrize("primary, candidate, verdict", [(0.72, 0.84, "candidate_better"),
                                                        (0.84, 0.72, "candidate_worse")])
def test_a_clearly_different_candidate_is_called(tmp_path, trained_table_run, primary, candidate, verdict):
    report = tuneup.monitor(trained_table_run, ab(tmp_path, trained_table_run, 2400, primary, candidate))
    t = report.ab_test
    assert t.verdict == verdict and t.difference.method == "two-proportion z-test"
    assert t.difference.p_value < 1e-4
    assert (t.difference.low > 0) == (verdict == "candidate_better")
    name = trained_table_run.name
    assert t.primary.models == [name] and t.candidate.models == [f"{name}-candidate"]
    assert abs(t.candidate.estimate.value - t.primary.estimate.value - (candidate - primary)) < 0.05


@pytest.mark.slow
def test_equal_models_with_plenty_of_data_differ_by_nothing_that_matters(tmp_path, trained_table_run):
    report = tuneup.monitor(trained_table_run, ab(tmp_path, trained_table_run, 12_000, 0.8, 0.8),
                            settings={"watch.min_effect": 0.03})
    t = report.ab_test
    assert t.verdict == "no_difference", t.sentence
    assert -0.03 < t.difference.low < t.difference.high < 0.03


def test_too_little_data_is_not_yet_known(tmp_path, trained_table_run):
    report = tuneup.monitor(trained_table_run, ab(tmp_path, trained_table_run, 60, 0.6, 0.9))
    t = report.ab_test
    assert t.verdict == "not_yet_known" and "needs 50" in t.sentence
    some = tuneup.monitor(trained_table_run, ab(tmp_path / "more", trained_table_run, 300, 0.78, 0.82, seed=5))
    t = some.ab_test
    assert t.verdict == "not_yet_known" and t.more_needed > 0 and f"{t.more_needed:,}" in t.sentence


def test_a_log_without_a_candidate_has_no_ab_test(logs, trained_table_run):
    assert tuneup.monitor(trained_table_run, logs("stationary", feedback=0.5)).ab_test is None


def test_the_verdict_is_in_the_json(cli, tmp_path, trained_table_run):
    folder = ab(tmp_path, trained_table_run, 2400, 0.72, 0.84)
    r = cli("monitor", str(trained_table_run.path), "--log", str(folder), "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["ab_test"]["verdict"] == "candidate_better"
    assert doc["ab_test"]["primary"]["labelled"] + doc["ab_test"]["candidate"]["labelled"] == 2400
