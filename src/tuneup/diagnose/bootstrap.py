"""How sure an error is: the bootstrap over examples, vectorised.

A model measured on n examples would score differently on another n from the same distribution;
resampling the examples with replacement shows by how much. Each resample is a vector of counts
(how often each example was drawn), so a metric that is a function of sums over examples (accuracy,
F1's true/false positives, squared errors, R²'s sums) is `counts @ per_example_stats` for all
resamples at once. ROC AUC and average precision, which depend on the ranking, are computed from
weighted counts of positives and negatives per score threshold, also for all resamples at once.

    interval = error_interval(run.predictions("dev"), run.metric, run.summary["task"])
    diff = error_difference(incumbent, candidate)   # paired: the same resamples of the same examples
    diff.beats                                       # the candidate is better beyond the noise

The interval is the uncertainty of *measuring* this model on a finite sample; training it again
with another seed or other data varies it further (K-fold runs measure that).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuneup.data.labels import label_keys
from tuneup.diagnose.ladder import RUNGS
from tuneup.errors.metrics import Metric, get_metric
from tuneup.exceptions import UserError
from tuneup.intervals import CONFIDENCE, Interval, percentile_interval, resample_counts

RESAMPLES = 1000


@dataclass(frozen=True)
class MetricInputs:
    """One split's predictions in the form the metric functions take (see errors/metrics.py)."""

    task: str
    y: np.ndarray
    pred: np.ndarray
    proba: np.ndarray | None
    ids: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, idx: np.ndarray) -> "MetricInputs":
        pick = lambda a: None if a is None else a[idx]  # noqa: E731
        return MetricInputs(self.task, self.y[idx], self.pred[idx], pick(self.proba), self.ids[idx])


def _codes(values, classes: list[str], what: str) -> np.ndarray:
    keys = label_keys(values)
    codes = pd.Index(classes).get_indexer(keys).astype(np.int64)
    if (codes < 0).any():
        bad = pd.unique(keys[codes < 0])[:5]
        raise UserError(f"predictions: {what} holds labels {list(bad)} that are not among the classes {classes[:12]}")
    return codes


def metric_inputs(predictions: pd.DataFrame, task: str, classes: list | None = None) -> MetricInputs:
    """A predictions frame (id, y_true, y_pred, score or p:<class> columns) -> metric inputs.
    `classes` (the encoder's) says which binary class `score` is the probability of; without it the
    sorted labels are used, as the encoder sorts them."""
    ids = predictions["id"].to_numpy()
    if task == "regression":
        y, pred = predictions["y_true"].to_numpy(float), predictions["y_pred"].to_numpy(float)
        return MetricInputs(task, y, pred, None, ids)
    p_cols = [c for c in predictions.columns if c.startswith("p:")]
    if task == "binary":
        if classes is None:
            seen = pd.unique(np.concatenate([predictions["y_true"].to_numpy(), predictions["y_pred"].to_numpy()]))
            if len(seen) != 2:
                raise UserError("binary predictions show only one class; pass classes (the run's encoder.classes)")
            classes = sorted(seen, key=lambda v: (str(type(v)), v))
        keys = list(label_keys(classes))
        y = _codes(predictions["y_true"], keys, "y_true")
        pred = _codes(predictions["y_pred"], keys, "y_pred")
        return MetricInputs(task, y, pred, predictions["score"].to_numpy(np.float64), ids)
    names = [c[2:] for c in p_cols]
    proba = predictions[p_cols].to_numpy(np.float64)
    if task == "multiclass":
        return MetricInputs(task, _codes(predictions["y_true"], names, "y_true"),
                            _codes(predictions["y_pred"], names, "y_pred"), proba, ids)
    return MetricInputs(task, _indicators(predictions["y_true"], names), _indicators(predictions["y_pred"], names),
                        proba, ids)


def _indicators(joined: pd.Series, labels: list[str]) -> np.ndarray:
    """'cat|dog' strings (the encoder's multilabel form) -> (N, L) 0/1."""
    pos = {name: j for j, name in enumerate(labels)}
    out = np.zeros((len(joined), len(labels)), dtype=np.int64)
    for i, text in enumerate(joined.astype(str)):
        for name in filter(None, text.split("|")):
            if name in pos:
                out[i, pos[name]] = 1
    return out


# ---- metrics as functions of sums over examples ------------------------------------------------------
Finish = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (sums (B, k), n (B,)) -> metric values (B,)


def sum_form(metric: Metric, data: MetricInputs) -> tuple[np.ndarray, Finish] | None:
    """Per-example statistics S (N, k) and how the metric follows from their (weighted) sums, or
    None when the metric is no function of sums (ROC AUC, PR AUC)."""
    name, task, y, pred = metric.name, data.task, data.y, data.pred
    if name == "accuracy":
        correct = (y == pred).all(axis=1) if task == "multilabel" else y == pred  # subset accuracy, as sklearn
        return correct.astype(np.float64)[:, None], lambda s, n: s[:, 0] / n
    if name in ("mse", "rmse", "mae"):
        r = pred - y
        per = np.abs(r) if name == "mae" else r * r
        root = name == "rmse"
        return per[:, None], (lambda s, n: np.sqrt(s[:, 0] / n)) if root else (lambda s, n: s[:, 0] / n)
    if name == "r2":
        yc = y - y.mean()  # centred: the sums of squares below keep their precision
        return np.stack([(pred - y) ** 2, yc, yc * yc], axis=1), _r2
    if name == "log_loss":
        return _log_losses(data)[:, None], lambda s, n: s[:, 0] / n
    if name == "balanced_accuracy":
        Y, P = _onehots(data, 2 if task == "binary" else None)
        return np.hstack([Y & P, Y]).astype(np.float64), _balanced_accuracy
    kind, _, average = name.partition("_")
    if kind in ("f1", "precision", "recall"):
        average = average or ("binary" if task == "binary" else "macro")
        Y, P = _onehots(data, None if average == "binary" else 2)
        finish = _prf(kind, average, all_labels=task == "multilabel")
        return np.hstack([Y & P, ~Y & P, Y & ~P]).astype(np.float64), finish
    return None


def _onehots(data: MetricInputs, binary_width: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(N, L) boolean truth and prediction per label; binary: the positive class alone, or both classes."""
    if data.task == "multilabel":
        return data.y.astype(bool), data.pred.astype(bool)
    if data.task == "binary" and binary_width is None:
        return (data.y == 1)[:, None], (data.pred == 1)[:, None]
    width = 2 if data.task == "binary" else data.proba.shape[1]
    eye = np.eye(width, dtype=bool)
    return eye[data.y], eye[data.pred]


def _split3(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = s.shape[1] // 3
    return s[:, :k], s[:, k : 2 * k], s[:, 2 * k :]


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, and 0 where b is 0 (scikit-learn's zero_division=0)."""
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b > 0)


def _prf(kind: str, average: str, all_labels: bool) -> Finish:
    def finish(s: np.ndarray, n: np.ndarray) -> np.ndarray:
        tp, fp, fn = _split3(s)
        if average == "micro":
            tp, fp, fn = tp.sum(1, keepdims=True), fp.sum(1, keepdims=True), fn.sum(1, keepdims=True)
        score = {"f1": _ratio(2 * tp, 2 * tp + fp + fn), "precision": _ratio(tp, tp + fp),
                 "recall": _ratio(tp, tp + fn)}[kind]  # (B, L)
        if average in ("binary", "micro"):
            return score[:, 0]
        if average == "weighted":
            support = tp + fn
            return _ratio((score * support).sum(1), support.sum(1))
        # macro: over the labels seen in truth or prediction (every label for multilabel), as scikit-learn
        present = np.ones_like(tp, dtype=bool) if all_labels else (tp + fp + fn) > 0
        return _ratio((score * present).sum(1), present.sum(1))

    return finish


def _balanced_accuracy(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    k = s.shape[1] // 2
    hit, support = s[:, :k], s[:, k:]
    present = support > 0  # the classes in the resample's truth
    return _ratio((_ratio(hit, support) * present).sum(1), present.sum(1))


def _r2(s: np.ndarray, n: np.ndarray) -> np.ndarray:
    sse, sy, syy = s[:, 0], s[:, 1], s[:, 2]
    sst = syy - sy * sy / n
    perfect = np.where(sse == 0, 1.0, 0.0)  # scikit-learn's value for a constant truth
    return np.where(sst > 1e-12 * np.maximum(syy, 1e-300), 1.0 - _ratio(sse, sst), perfect)


def _log_losses(data: MetricInputs) -> np.ndarray:
    """Per-example log loss, clipped and normalised as scikit-learn does."""
    p = data.proba
    if data.task == "multilabel":
        q = np.clip(p, 1e-15, 1 - 1e-15)
        return -np.mean(data.y * np.log(q) + (1 - data.y) * np.log(1 - q), axis=1)
    if data.task == "binary":
        p = np.stack([1 - p, p], axis=1)
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    p = p / p.sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(p)), data.y])


# ---- resampling ---------------------------------------------------------------------------------------
def resampled_values(metric: Metric, data: MetricInputs, counts: np.ndarray) -> np.ndarray:
    """The metric on each resample given by a row of `counts` (NaN where it is undefined)."""
    form = sum_form(metric, data)
    if form is not None:
        stats, finish = form
        return finish(counts @ stats, counts.sum(axis=1))
    if metric.name in ("roc_auc", "pr_auc"):
        return _ranked(metric.name, data, counts)
    return _one_by_one(metric, data, counts)


# ---- ROC AUC and average precision on weighted examples ----------------------------------------------------
def _ranked(name: str, data: MetricInputs, counts: np.ndarray) -> np.ndarray:
    """Macro average over classes (labels) of the one-vs-rest score, as errors/metrics.py computes it;
    ROC AUC is undefined (NaN) where a resample lacks a class, as scikit-learn says."""
    if data.task == "binary":
        return _binary_ranked(name, data.y == 1, data.proba, counts)
    truth = np.eye(data.proba.shape[1], dtype=bool)[data.y] if data.task == "multiclass" else data.y.astype(bool)
    per_class = [_binary_ranked(name, truth[:, j], data.proba[:, j], counts) for j in range(truth.shape[1])]
    return np.mean(per_class, axis=0)  # NaN in any class makes the average NaN


def _binary_ranked(name: str, positive: np.ndarray, score: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """ROC AUC = P(a positive outscores a negative), ties counting half (the Mann-Whitney statistic);
    average precision = sum over thresholds of (recall step) x precision. Both on weighted examples,
    with tied scores grouped into one threshold, as scikit-learn's curves do."""
    order = np.argsort(-score, kind="stable")  # descending: thresholds from the top
    starts = np.flatnonzero(np.r_[True, np.diff(score[order]) != 0])
    w = counts[:, order]
    pos = np.add.reduceat(w * positive[order], starts, axis=1)  # (B, G): drawn positives per tied group
    neg = np.add.reduceat(w * ~positive[order], starts, axis=1)
    n_pos, n_neg = pos.sum(axis=1), neg.sum(axis=1)
    if name == "roc_auc":
        neg_below = n_neg[:, None] - np.cumsum(neg, axis=1)  # negatives scored lower than each group
        value = (pos * (neg_below + 0.5 * neg)).sum(axis=1) / np.where(n_pos * n_neg > 0, n_pos * n_neg, 1)
        return np.where(n_pos * n_neg > 0, value, np.nan)
    tp, fp = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
    precision = _ratio(tp, tp + fp)
    return (pos * precision).sum(axis=1) / np.where(n_pos > 0, n_pos, 1)  # no positives: 0, as scikit-learn has it


def _one_by_one(metric: Metric, data: MetricInputs, counts: np.ndarray) -> np.ndarray:
    out = np.full(len(counts), np.nan)
    with warnings.catch_warnings():  # a resample that lost a class: undefined (NaN, dropped later), not a warning
        warnings.simplefilter("ignore")
        for b, row in enumerate(counts):
            part = data.take(np.repeat(np.arange(len(row)), row.astype(np.int64)))
            try:
                out[b] = metric(part.y, part.pred, part.proba, data.task)
            except ValueError:
                pass
    return out


def bootstrap_errors(metric: Metric, data: MetricInputs, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """The error (lower is better) on `resamples` resamples of the examples; undefined ones dropped."""
    if len(data) == 0:
        return np.empty(0)
    rng = np.random.default_rng(seed)
    values = np.concatenate([resampled_values(metric, data, c) for c in resample_counts(len(data), resamples, rng)])
    return np.asarray(metric.error(values[np.isfinite(values)]), dtype=np.float64)


def point_error(metric: Metric, data: MetricInputs) -> float:
    return float(metric.error(metric(data.y, data.pred, data.proba, data.task)))


def error_interval(predictions: pd.DataFrame, metric: Metric | str, task: str, classes: list | None = None,
                   resamples: int = RESAMPLES, confidence: float = CONFIDENCE, seed: int = 0) -> Interval:
    """The error of one split's predictions with its bootstrap percentile interval."""
    metric = get_metric(metric, task) if isinstance(metric, str) else metric
    data = metric_inputs(predictions, task, classes)
    samples = bootstrap_errors(metric, data, resamples, seed)
    return percentile_interval(point_error(metric, data), samples, confidence, "bootstrap", len(data))


def split_seed(seed: int, split: str) -> int:
    """The bootstrap seed of one split's interval: a split's own (two splits of one size are not resampled
    alike), and the same in every command."""
    return seed + RUNGS.index(split) - 1  # train 0, train_dev 1, dev 2, test 3


def split_interval(run, split: str, settings=None) -> Interval:
    """`run`'s error on `split` with its bootstrap interval at the `diagnose:` settings (default: the run's
    own): the one interval of that number, which diagnose, errors and improve all show."""
    settings = run.config.diagnose if settings is None else settings
    s = run.summary
    return error_interval(run.predictions(split), s["metric"], s["task"], run.encoder.classes, settings.resamples,
                          settings.confidence, split_seed(settings.seed, split))


# ---- two models on the same examples ----------------------------------------------------------------
@dataclass(frozen=True)
class ErrorDifference:
    """candidate error - incumbent error on the same examples, paired: negative is better."""

    incumbent: float
    candidate: float
    difference: Interval
    n_common: int
    n_incumbent: int
    n_candidate: int
    split: str

    @property
    def beats(self) -> bool:
        """The candidate's error is lower beyond the noise: the whole interval lies below zero."""
        return self.difference.high < 0

    @property
    def worse(self) -> bool:
        return self.difference.low > 0

    def to_dict(self) -> dict:
        return {"split": self.split, "incumbent": self.incumbent, "candidate": self.candidate,
                "difference": self.difference.to_dict(), "beats": self.beats, "worse": self.worse,
                "n_common": self.n_common, "n_incumbent": self.n_incumbent, "n_candidate": self.n_candidate}


def paired_difference(incumbent: pd.DataFrame, candidate: pd.DataFrame, metric: Metric | str, task: str,
                      classes: list | None = None, resamples: int = RESAMPLES, confidence: float = CONFIDENCE,
                      seed: int = 0, split: str = "dev") -> ErrorDifference:
    """Bootstrap the difference of two prediction sets on the examples they share (joined on `id`):
    each resample draws the same examples for both, so what they have in common cancels out."""
    metric = get_metric(metric, task) if isinstance(metric, str) else metric
    a, b = metric_inputs(incumbent, task, classes), metric_inputs(candidate, task, classes)
    common, ia, ib = np.intersect1d(a.ids.astype(str), b.ids.astype(str), return_indices=True)
    if len(common) == 0:
        raise UserError(f"the two runs share no {split} examples: their splits differ, so they cannot be compared")
    a, b = a.take(ia), b.take(ib)
    rng = np.random.default_rng(seed)
    diffs = []
    for counts in resample_counts(len(common), resamples, rng):
        err = lambda data: metric.error(resampled_values(metric, data, counts))  # noqa: E731
        diffs.append(err(b) - err(a))
    d = np.concatenate(diffs)
    ea, eb = point_error(metric, a), point_error(metric, b)
    interval = percentile_interval(eb - ea, d[np.isfinite(d)], confidence, "paired bootstrap", len(common))
    return ErrorDifference(ea, eb, interval, len(common), len(incumbent), len(candidate), split)


def error_difference(incumbent, candidate, split: str = "dev", resamples: int = RESAMPLES,
                     confidence: float = CONFIDENCE, seed: int = 0) -> ErrorDifference:
    """Is the candidate run better than the incumbent on `split`, beyond the noise? (Runs or their names.)"""
    from tuneup.runs import Run

    a, b = Run.open(incumbent), Run.open(candidate)
    sa, sb = a.summary, b.summary
    if (sa["task"], sa["metric"]) != (sb["task"], sb["metric"]):
        raise UserError(
            f"runs '{a.name}' ({sa['task']}, {sa['metric']}) and '{b.name}' ({sb['task']}, {sb['metric']}) "
            "measure different things; compare runs of the same task and metric"
        )
    return paired_difference(a.predictions(split), b.predictions(split), sa["metric"], sa["task"],
                             a.encoder.classes, resamples, confidence, seed, split)

