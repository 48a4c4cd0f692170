"""Live performance: equal to scikit-learn's on the joined labels, with honest intervals; a planted drop
in accuracy raises the alarm in the windows after it and not before."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import accuracy_score, f1_score

import tuneup
from tuneup.watch.log import read_log
from tuneup.watch.scoring import Outcomes, Scorer
from tuneup.intervals import wilson
from tuneup.watch.stats import difference, estimate, more_needed


def test_live_accuracy_equals_sklearn_and_dev_equals_the_run(logs, trained_table_run):
    folder = logs("stationary", feedback=0.5)
    report = tuneup.monitor(trained_table_run, folder)
    perf = report.performance
    log = read_log(folder)
    joined = log.predictions[log.predictions["label"].notna()]
    expected = accuracy_score(joined["label"].astype(str), joined["prediction"].astype(str))
    assert perf.live.value == pytest.approx(expected)
    assert perf.live.n == len(joined)
    assert perf.dev.value == pytest.approx(trained_table_run.summary["splits"]["dev"]["metric"])
    assert not perf.worse and report.alarms["performance"] is False
    assert perf.live.low < perf.live.value < perf.live.high


def test_a_planted_drop_in_accuracy_is_detected(logs, trained_table_run):
    report = tuneup.monitor(trained_table_run, logs("worse", flip=0.4, drift_from=0.5, feedback=0.6))
    perf = report.performance
    assert perf.worse and report.alarms["performance"] and not report.alarms["drift"]
    turn = pd.Timestamp("2026-03-06", tz="UTC")
    assert all(w.worse for w in perf.windows if w.start >= turn)
    assert not any(w.worse for w in perf.windows if w.start < turn)
    assert perf.error_increase > 0.05 and "worse than dev" in report.performance_reasons()[-1]


def test_fail_on_performance_exits_3(cli, logs, trained_table_run):
    worse = cli("monitor", str(trained_table_run.path), "--log", str(logs("worse", flip=0.4, drift_from=0.5,
                                                                             feedback=0.6)),
                "--fail-on", "performance", "--json")
    assert worse.code == 3
    fine = cli("monitor", str(trained_table_run.path), "--log", str(logs("stationary", feedback=0.5)),
               "--fail-on", "performance", "--fail-on", "drift")
    assert fine.code == 0, fine.stderr
    assert "Has the model got worse? no" in fine.stdout


def test_wilson_interval_and_two_proportion_test_match_scipy():
    for k, n in [(0, 20), (7, 20), (180, 200), (500, 1000)]:
        ci = sps.binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert tuple(map(float, wilson(k, n, 0.95))) == pytest.approx((ci.low, ci.high), abs=1e-9)


class _Run:
    """Just enough of a run for a Scorer: an encoder and a metric."""

    def __init__(self, run, metric: str):
        self.encoder, self.config, self.head = run.encoder, run.config, run.head
        self.summary = {**run.summary, "metric": metric}


def outcomes(n: int, accuracy: float, seed: int) -> Outcomes:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < accuracy, y, 1 - y)
    return Outcomes(y, pred, np.clip(pred * 0.8 + rng.normal(0.1, 0.05, n), 0, 1))


def test_the_z_test_is_the_chi_squared_test(trained_table_run):
    scorer = Scorer(trained_table_run)
    a, b = outcomes(800, 0.80, 1), outcomes(600, 0.86, 2)
    d = difference(scorer, a, b, 0.05, 100, np.random.default_rng(0))
    ka, kb = int((a.y_true == a.y_pred).sum()), int((b.y_true == b.y_pred).sum())
    chi = sps.chi2_contingency([[ka, 800 - ka], [kb, 600 - kb]], correction=False)
    assert d.method == "two-proportion z-test" and d.p_value == pytest.approx(chi.pvalue, rel=1e-9)
    assert d.diff == pytest.approx(kb / 600 - ka / 800)


def test_other_metrics_use_the_bootstrap(trained_table_run):
    scorer = Scorer(_Run(trained_table_run, "f1"))
    a, b = outcomes(1000, 0.70, 3), outcomes(1000, 0.90, 4)
    rng = np.random.default_rng(0)
    est = estimate(scorer, a, 0.95, 150, rng)
    assert est.method == "bootstrap" and est.value == pytest.approx(f1_score(a.y_true, a.y_pred))
    assert est.low < est.value < est.high and est.high - est.low < 0.1
    d = difference(scorer, a, b, 0.05, 150, rng)
    assert d.method == "bootstrap" and d.p_value < 1e-6 and d.low > 0
    same = difference(scorer, a, outcomes(1000, 0.70, 5), 0.05, 150, rng)
    assert same.low < 0 < same.high


def exact(n: int, right: int) -> Outcomes:
    y = np.zeros(n, dtype=np.int64)
    pred = np.r_[np.zeros(right), np.ones(n - right)].astype(np.int64)
    return Outcomes(y, pred, pred.astype(float))


def test_sample_size_matches_the_textbook_formula(trained_table_run):
    """Equal arms, 80% vs 85% accuracy: n per arm = (z_a sqrt(2 p q) + z_b sqrt(p1 q1 + p2 q2))^2 / d^2."""
    scorer = Scorer(trained_table_run)
    a, b = exact(200, 160), exact(200, 170)
    d = difference(scorer, a, b, 0.05, 100, np.random.default_rng(0))
    za, zb = sps.norm.ppf(0.975), sps.norm.ppf(0.8)
    pa, pb, p = 0.80, 0.85, 0.825
    per_arm = (za * np.sqrt(2 * p * (1 - p)) + zb * np.sqrt(pa * (1 - pa) + pb * (1 - pb))) ** 2 / (pb - pa) ** 2
    assert more_needed(scorer, a, b, d, 0.05, 0.8) == int(np.ceil(2 * per_arm)) - 400
    assert more_needed(scorer, exact(4000, 3200), exact(4000, 3400), d, 0.05, 0.8) == 0


def test_dev_is_judged_at_the_threshold_the_server_applies(tmp_path, trained_table_run):
    """A threshold chosen after training (threshold.json) changes served labels: dev is re-labelled the same
    way, so it is neither a prediction drift nor a change in accuracy."""
    import json
    import shutil

    from tests.watch.watchlogs import table_log

    run = tuneup.Run.open(shutil.copytree(trained_table_run.path, tmp_path / "runs" / "table-t70"))
    (run.path / "threshold.json").write_text(json.dumps({"threshold": 0.7}))
    folder = table_log(run, tmp_path / "logs", n=1500, feedback=0.6)
    report = tuneup.monitor(run, folder)
    dev = run.predictions("dev")
    expected = accuracy_score(dev["y_true"], np.where(dev["score"] >= 0.7, "yes", "no"))
    assert report.performance.dev.value == pytest.approx(expected)
    assert expected != pytest.approx(trained_table_run.summary["splits"]["dev"]["metric"])
    assert report.prediction_drift.labels.flagged is False and not report.alarms["drift"]
