"""Every number in the error analysis equals scikit-learn's, on random labels and scores."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import calibration
from sklearn import metrics as skm

from tuneup.errors.classes import class_table
from tuneup.errors.examples import Examples
from tuneup.errors.regression import regression_errors
from tuneup.errors.scores import probability_scores
from tuneup.errors.slices import slice_metrics

from .errors_helpers import classification_frame

FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def labelled(draw, max_classes: int = 5):
    n = draw(st.integers(4, 80))
    c = draw(st.integers(2, max_classes))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, c, n)
    y_pred = np.where(rng.random(n) < draw(st.floats(0, 1)), y_true, rng.integers(0, c, n))
    logits = rng.normal(size=(n, c)) * draw(st.floats(0.1, 4)) + 2.0 * np.eye(c)[y_pred]
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return y_true, y_pred, proba, c, rng


def _close(a, b):
    assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


@FAST
@given(labelled())
def test_multiclass_table_equals_sklearn(case):
    y, p, proba, c, _ = case
    classes = [f"k{i}" for i in range(c)]
    ex = Examples.from_frame(classification_frame(y, p, proba, classes), "multiclass", classes, "accuracy")
    table = class_table(ex)
    prec, rec, f1, sup = skm.precision_recall_fscore_support(y, p, labels=list(range(c)), zero_division=0)
    for i, row in enumerate(table.rows):
        assert row.name == classes[i]
        _close(row.precision, prec[i]), _close(row.recall, rec[i]), _close(row.f1, f1[i])
        assert row.support == sup[i] and row.predicted == int((p == i).sum())
    for average in ("macro", "micro", "weighted"):
        want = skm.precision_recall_fscore_support(y, p, labels=list(range(c)), average=average, zero_division=0)
        got = table.averages[average]
        _close(got["precision"], want[0]), _close(got["recall"], want[1]), _close(got["f1"], want[2])
    _close(table.accuracy, skm.accuracy_score(y, p))
    assert table.confusion == skm.confusion_matrix(y, p, labels=list(range(c))).tolist()
    assert ex.overall_error == pytest.approx(1 - skm.accuracy_score(y, p))
    off = np.array(table.confusion) - np.diag(np.diag(table.confusion))
    if off.sum():
        top = table.most_confused[0]
        assert top["count"] == off.max()


@FAST
@given(labelled(max_classes=2))
def test_binary_scores_equal_sklearn(case):
    y, p, proba, _, _ = case
    score = proba[:, 1]
    ex = Examples.from_frame(classification_frame(y, p, score, ["no", "yes"]), "binary", ["no", "yes"], "f1")
    s = probability_scores(ex)
    if len(np.unique(y)) == 2:
        _close(s.roc_auc, skm.roc_auc_score(y, score))
        _close(s.pr_auc, skm.average_precision_score(y, score))
    else:
        assert s.roc_auc is None and s.pr_auc is None and s.notes
    _close(s.log_loss, skm.log_loss(y, score, labels=[0, 1]))
    true_rate, mean_pred = calibration.calibration_curve(y, score, n_bins=10, strategy="uniform")
    np.testing.assert_allclose([b["observed"] for b in s.calibration.bins], true_rate, rtol=1e-9)
    np.testing.assert_allclose([b["predicted"] for b in s.calibration.bins], mean_pred, rtol=1e-9)
    counts = np.array([b["count"] for b in s.calibration.bins])
    ece = np.sum(counts / len(y) * np.abs(true_rate - mean_pred))  # by hand, from scikit-learn's bins
    _close(s.calibration.ece, ece)
    assert ex.metric_value() == pytest.approx(skm.f1_score(y, p, zero_division=0))


@FAST
@given(labelled())
def test_multiclass_scores_equal_sklearn(case):
    y, p, proba, c, _ = case
    classes = list(range(c))
    ex = Examples.from_frame(classification_frame(y, p, proba, classes), "multiclass", classes, "accuracy")
    s = probability_scores(ex)
    _close(s.log_loss, skm.log_loss(y, proba, labels=classes))
    if len(np.unique(y)) == c:
        want = skm.roc_auc_score(y, proba[:, 1]) if c == 2 else \
            skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=classes)
        _close(s.roc_auc, want)
        _close(s.pr_auc, skm.average_precision_score(np.eye(c)[y], proba, average="macro"))
    else:
        assert s.roc_auc is None and s.notes


@FAST
@given(st.integers(3, 80), st.integers(0, 2**32 - 1))
def test_regression_equals_sklearn(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n) * 10
    p = y + rng.normal(size=n) * rng.uniform(0.1, 5)
    frame = pd.DataFrame({"id": [str(i) for i in range(n)], "y_true": y, "y_pred": p, "residual": p - y,
                          "loss": (p - y) ** 2})
    for metric in ("rmse", "mae", "mse", "r2"):
        ex = Examples.from_frame(frame, "regression", None, metric)
        r = regression_errors(ex)
        _close(r.mae, skm.mean_absolute_error(y, p)), _close(r.rmse, skm.root_mean_squared_error(y, p))
        _close(r.r2, skm.r2_score(y, p))
        assert sum(b["count"] for b in r.by_target) == n
        want = {"rmse": skm.root_mean_squared_error(y, p), "mae": skm.mean_absolute_error(y, p),
                "mse": skm.mean_squared_error(y, p), "r2": 1 - skm.r2_score(y, p)}[metric]
        assert ex.overall_error == pytest.approx(want, rel=1e-9)  # per-example errors add up to the metric's error


@FAST
@given(st.integers(4, 60), st.integers(2, 4), st.integers(0, 2**32 - 1))
def test_multilabel_table_equals_sklearn(n, labels, seed):
    rng = np.random.default_rng(seed)
    names = [f"l{i}" for i in range(labels)]
    Y, P = (rng.random((n, labels)) < 0.4).astype(int), rng.random((n, labels))
    Yp = (P >= 0.5).astype(int)
    join = lambda M: ["|".join(l for l, b in zip(names, row) if b) for row in M]  # noqa: E731
    frame = pd.DataFrame({"id": [str(i) for i in range(n)], "y_true": join(Y), "y_pred": join(Yp),
                          **{f"p:{l}": P[:, i] for i, l in enumerate(names)}, "loss": np.zeros(n)})
    ex = Examples.from_frame(frame, "multilabel", names, "f1")
    table = class_table(ex)
    prec, rec, f1, sup = skm.precision_recall_fscore_support(Y, Yp, zero_division=0)
    np.testing.assert_allclose([r.f1 for r in table.rows], f1)
    np.testing.assert_allclose([r.precision for r in table.rows], prec)
    assert [r.support for r in table.rows] == sup.tolist()
    _close(table.accuracy, skm.accuracy_score(Y, Yp))
    _close(table.hamming_loss, skm.hamming_loss(Y, Yp))
    _close(table.averages["micro"]["f1"], skm.f1_score(Y, Yp, average="micro", zero_division=0))
    _close(ex.overall_error, 1 - skm.accuracy_score(Y, Yp))
    s = probability_scores(ex)
    if ((Y.sum(0) > 0) & (Y.sum(0) < n)).all():
        _close(s.roc_auc, skm.roc_auc_score(Y, P, average="macro"))
        _close(s.pr_auc, skm.average_precision_score(Y, P, average="macro"))


COUNTED = ["accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_micro", "f1_weighted", "precision", "recall",
           "roc_auc", "log_loss"]


@FAST
@given(labelled(), st.sampled_from(COUNTED), st.booleans())
def test_slice_errors_equal_sklearn_on_each_slice(case, metric_name, binary):
    from tuneup.errors.metrics import get_metric

    y, p, proba, c, rng = case
    if binary:
        y, p, c = y % 2, p % 2, 2
        proba = np.c_[1 - proba[:, 1], proba[:, 1]]
    task = "binary" if binary else "multiclass"
    classes = list(range(c))
    metric = get_metric(metric_name, task)
    group = rng.choice(["a", "b", "c"], len(y))
    frame = classification_frame(y, p, proba[:, 1] if binary else proba, classes, group=group)
    (table,) = slice_metrics(frame, ["group"], metric=metric_name, task=task, classes=classes)
    assert sum(r.n for r in table.rows) == len(y)
    errors = (y != p).sum()
    if errors:
        assert sum(r.share_of_errors for r in table.rows) == pytest.approx(1.0)
    for r in table.rows:
        mask = group == r.value
        _close(r.error, 1 - skm.accuracy_score(y[mask], p[mask]))
        try:
            want = metric(y[mask], p[mask], proba[mask, 1] if binary else proba[mask], task)
        except ValueError:
            want = None
        if want is None or not np.isfinite(want):
            assert r.metric is None or not np.isfinite(r.metric)
        else:
            _close(r.metric, want)
        _close(r.diff, r.error - (1 - skm.accuracy_score(y, p)))
        assert r.diff_ci[0] - 1e-12 <= r.diff <= r.diff_ci[1] + 1e-12
        assert r.error_ci[0] - 1e-12 <= r.error <= r.error_ci[1] + 1e-12


@FAST
@given(st.integers(2, 200), st.integers(0, 2**32 - 1), st.integers(2, 50))
def test_binary_curve_counts_equal_sklearn(n, seed, distinct):
    from tuneup.errors.curve import BinaryCurve

    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.4).astype(int)
    score = rng.integers(0, distinct, n) / distinct  # ties, as float32 probabilities have
    curve = BinaryCurve.of(y, score)
    _, fps, _, tps, thresholds = skm.confusion_matrix_at_thresholds(y, score, pos_label=1)
    np.testing.assert_array_equal(curve.thresholds, thresholds)
    np.testing.assert_array_equal(curve.tps, tps)
    np.testing.assert_array_equal(curve.fps, fps)
