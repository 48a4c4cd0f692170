"""The vectorised bootstrap equals scikit-learn on every resample; intervals and paired comparisons."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneup.diagnose.bootstrap import (
    MetricInputs, bootstrap_errors, error_interval, metric_inputs, paired_difference, resample_counts,
    resampled_values, sum_form,
)
from tuneup.errors.metrics import METRICS, get_metric
from tuneup.exceptions import UserError


def synthetic(task: str, n: int, seed: int, classes: int = 4) -> MetricInputs:
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    if task == "binary":
        y = rng.integers(0, 2, n)
        p = np.clip(0.35 * y + 0.65 * rng.random(n), 0, 1)
        return MetricInputs(task, y, (p >= 0.5).astype(np.int64), p, ids)
    if task == "multiclass":
        y = rng.integers(0, classes, n)
        p = rng.dirichlet(np.ones(classes), n)
        p[np.arange(n), y] += 0.6
        p /= p.sum(1, keepdims=True)
        return MetricInputs(task, y, p.argmax(1), p, ids)
    if task == "multilabel":
        y = rng.integers(0, 2, (n, classes))
        p = np.clip(0.4 * y + 0.6 * rng.random((n, classes)), 0, 1)
        return MetricInputs(task, y, (p >= 0.5).astype(np.int64), p, ids)
    y = rng.normal(3.0, 2.0, n)
    return MetricInputs(task, y, y + rng.normal(0, 1.0, n), None, ids)


CASES = [(task, m.name) for task in ("binary", "multiclass", "multilabel", "regression") for m in METRICS.values()
         if task in m.tasks]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.UndefinedMetricWarning")
@pytest.mark.parametrize("task,name", CASES)
@pytest.mark.parametrize("n", [12, 300])  # 12: resamples that lose whole classes
def test_resampled_metric_equals_scikit_learn_on_the_resampled_examples(task, name, n):
    metric, data = get_metric(name, task), synthetic(task, n, seed=n)
    counts = next(resample_counts(n, 20, np.random.default_rng(1)))
    got = resampled_values(metric, data, counts)
    for row, value in zip(counts, got):
        part = data.take(np.repeat(np.arange(n), row.astype(int)))
        try:
            want = metric(part.y, part.pred, part.proba, task)
        except ValueError:  # AUC on a resample without both classes: undefined, and so reported
            assert np.isnan(value)
            continue
        assert value == pytest.approx(want, abs=1e-9, nan_ok=True), (task, name)


def test_only_the_ranking_metrics_are_not_sums_over_examples():
    ranked = {name for task, name in CASES if sum_form(get_metric(name, task), synthetic(task, 20, 0)) is None}
    assert ranked == {"roc_auc", "pr_auc"}


def test_a_metric_of_no_known_form_is_computed_resample_by_resample():
    from sklearn.metrics import median_absolute_error

    from tuneup.errors.metrics import Metric

    metric = Metric("median_ae", lambda y, p, s, t: median_absolute_error(y, p), False, False, frozenset({"regression"}))
    data = synthetic("regression", 50, 4)
    counts = next(resample_counts(50, 5, np.random.default_rng(0)))
    for row, value in zip(counts, resampled_values(metric, data, counts)):
        part = data.take(np.repeat(np.arange(50), row.astype(int)))
        assert value == pytest.approx(median_absolute_error(part.y, part.pred))


def test_counts_are_resamples_of_n():
    counts = np.vstack(list(resample_counts(50, 300, np.random.default_rng(0))))
    assert counts.shape == (300, 50) and (counts.sum(axis=1) == 50).all()
    assert counts.mean() == pytest.approx(1.0)


def test_interval_is_centred_and_shrinks_like_one_over_root_n():
    widths = []
    for n in (400, 1600, 6400):
        rng = np.random.default_rng(n)
        y = rng.integers(0, 2, n)
        pred = np.where(rng.random(n) < 0.2, 1 - y, y)
        frame = pd.DataFrame({"id": np.arange(n), "y_true": y, "y_pred": pred, "score": pred.astype(float)})
        iv = error_interval(frame, "accuracy", "binary", classes=[0, 1])
        assert iv.low < iv.value < iv.high
        assert iv.std == pytest.approx(np.sqrt(iv.value * (1 - iv.value) / n), rel=0.15)  # the binomial s.e.
        widths.append(iv.high - iv.low)
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.2) and widths[1] / widths[2] == pytest.approx(2, rel=0.2)


def test_metric_inputs_read_a_runs_predictions_and_give_its_errors(trained_table_run):
    run = trained_table_run
    for split in ("train", "dev"):
        data = metric_inputs(run.predictions(split), "binary", run.encoder.classes)
        metric = get_metric(run.summary["metric"])
        assert metric.error(metric(data.y, data.pred, data.proba, "binary")) == pytest.approx(run.summary["ladder"][split])


def test_metric_inputs_for_multiclass_multilabel_and_regression_frames():
    mc = pd.DataFrame({"id": ["a", "b", "c"], "y_true": ["cat", "dog", "cat"], "y_pred": ["cat", "cat", "cat"],
                       "p:cat": [0.9, 0.6, 0.7], "p:dog": [0.1, 0.4, 0.3]})
    d = metric_inputs(mc, "multiclass")
    assert d.y.tolist() == [0, 1, 0] and d.pred.tolist() == [0, 0, 0] and d.proba.shape == (3, 2)
    ml = pd.DataFrame({"id": [1, 2], "y_true": ["a|b", ""], "y_pred": ["a", "b"], "p:a": [0.9, 0.1], "p:b": [0.2, 0.8]})
    d = metric_inputs(ml, "multilabel")
    assert d.y.tolist() == [[1, 1], [0, 0]] and d.pred.tolist() == [[1, 0], [0, 1]]
    reg = pd.DataFrame({"id": [1, 2], "y_true": [1.0, 2.0], "y_pred": [1.5, 2.0], "residual": [0.5, 0.0]})
    assert metric_inputs(reg, "regression").pred.tolist() == [1.5, 2.0]
    with pytest.raises(UserError, match="not among the classes"):
        metric_inputs(mc.assign(y_true=["cat", "cow", "cat"]), "multiclass")


def _binary_frame(y, pred, ids=None):
    ids = np.arange(len(y)) if ids is None else ids
    return pd.DataFrame({"id": ids, "y_true": y, "y_pred": pred, "score": np.asarray(pred, float)})


def test_paired_difference_of_a_model_with_itself_is_exactly_zero():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    pred = np.where(rng.random(500) < 0.3, 1 - y, y)
    d = paired_difference(_binary_frame(y, pred), _binary_frame(y, pred), "accuracy", "binary", [0, 1])
    assert (d.difference.low, d.difference.value, d.difference.high) == (0, 0, 0)
    assert not d.beats and not d.worse


def test_paired_difference_sees_what_two_independent_intervals_miss():
    """The candidate fixes 15 of the incumbent's 150 mistakes on 1,000 examples: 1.5 points better.
    Unpaired, the two 15%-vs-13.5% intervals overlap; paired, the improvement is clear."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 1000)
    wrong = rng.permutation(1000)[:150]
    a = y.copy()
    a[wrong] = 1 - a[wrong]
    b = a.copy()
    b[wrong[:15]] = y[wrong[:15]]
    ia = error_interval(_binary_frame(y, a), "accuracy", "binary", [0, 1])
    ib = error_interval(_binary_frame(y, b), "accuracy", "binary", [0, 1])
    assert ib.high > ia.low  # the separate intervals overlap
    d = paired_difference(_binary_frame(y, a), _binary_frame(y, b), "accuracy", "binary", [0, 1])
    assert d.difference.value == pytest.approx(-0.015) and d.beats and d.difference.high < 0
    assert paired_difference(_binary_frame(y, b), _binary_frame(y, a), "accuracy", "binary", [0, 1]).worse


def test_paired_difference_uses_the_examples_both_have():
    y = np.array([0, 1] * 50)
    a = _binary_frame(y, y, ids=np.arange(100))
    b = _binary_frame(y[:60], 1 - y[:60], ids=np.arange(40, 100))
    d = paired_difference(a, b, "accuracy", "binary", [0, 1])
    assert d.n_common == 60 and d.candidate == 1.0 and d.incumbent == 0.0
    with pytest.raises(UserError, match="share no dev examples"):
        paired_difference(a, _binary_frame(y, y, ids=np.arange(500, 600)), "accuracy", "binary", [0, 1])


def test_bootstrap_errors_of_an_error_metric_are_the_metric_itself():
    data = synthetic("regression", 200, 3)
    draws = bootstrap_errors(get_metric("rmse"), data, resamples=200)
    point = float(np.sqrt(np.mean((data.pred - data.y) ** 2)))
    assert draws.mean() == pytest.approx(point, rel=0.05) and len(draws) == 200


def test_diagnose_errors_and_improve_show_one_interval_for_the_dev_error(trained_image_run, cli):
    """The same dev error gets the same interval in `tuneup diagnose`, `tuneup errors` and improve's judgement
    of a candidate: all come from `split_interval` at the run's `diagnose:` settings."""
    import json

    from tuneup.diagnose.bootstrap import split_interval
    from tuneup.improve.judge import judge_one

    run = trained_image_run
    assert run.summary["metric"] == "accuracy"  # errors' headline is then the metric's own error
    shared = split_interval(run, "dev")
    diagnosed = json.loads(cli("diagnose", str(run.path), "--json").stdout)["intervals"]["ladder"]["dev"]
    analysed = json.loads(cli("errors", str(run.path), "--json").stdout)
    judged = judge_one(run, run, run.config.diagnose, 1, lambda v, *_, **__: f"{v:.3f}").dev
    assert (diagnosed["low"], diagnosed["high"]) == pytest.approx((shared.low, shared.high))
    assert (analysed["error"], *analysed["error_ci"]) == pytest.approx((shared.value, shared.low, shared.high))
    assert (judged.value, judged.low, judged.high) == pytest.approx((shared.value, shared.low, shared.high))
    assert shared.low < shared.value < shared.high and shared.confidence == run.config.diagnose.confidence
