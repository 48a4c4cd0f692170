"""Per-class precision, recall, F1 and support; their averages; the confusion matrix and the pairs it
mixes up most; classes with few training examples.

The counts come from one pass (`np.bincount` for the confusion matrix, sums for multilabel) and every
rate from scikit-learn's definitions with `zero_division=0`: scikit-learn's input checks cost about half
a second per call on a million predictions, and a table needs five calls. The tests hold every number
equal to `precision_recall_fscore_support`, `confusion_matrix`, `accuracy_score` and `hamming_loss`."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

RARE_MIN = 30  # fewer training examples than this is few (unless most classes have fewer still) ...
RARE_SHARE_OF_MEDIAN = 0.2  # ... and so is under a fifth of the median class's count


@dataclass
class ClassRow:
    name: str
    precision: float
    recall: float
    f1: float
    support: int  # examples of this class in the split
    predicted: int  # examples the model put in this class

    @property
    def error(self) -> float:
        return 1.0 - self.recall


@dataclass
class ClassTable:
    rows: list[ClassRow]
    accuracy: float  # subset accuracy for multilabel, as scikit-learn's accuracy_score
    averages: dict[str, dict[str, float]]  # macro / micro / weighted -> precision, recall, f1
    confusion: list[list[int]] | None  # rows: true class, columns: predicted (single-label tasks)
    most_confused: list[dict] = field(default_factory=list)  # true, predicted, count, share_of_true, share_of_errors
    hamming_loss: float | None = None  # multilabel: share of wrong labels

    def to_dict(self) -> dict:
        return {**asdict(self), "labels": [r.name for r in self.rows]}


def class_table(examples, top_pairs: int = 8) -> ClassTable:
    y, p = examples.y_true, examples.y_pred
    c = len(examples.classes)
    if examples.task == "multilabel":
        y, p = y.astype(bool), p.astype(bool)
        tp, fp, fn = (y & p).sum(0), (~y & p).sum(0), (y & ~p).sum(0)
        matrix, accuracy = None, float((y == p).all(axis=1).mean())
    else:
        matrix = np.bincount(y * c + p, minlength=c * c).reshape(c, c)  # rows: true, columns: predicted
        tp = np.diag(matrix)
        fp, fn = matrix.sum(0) - tp, matrix.sum(1) - tp
        accuracy = float(tp.sum() / max(len(y), 1))
    tp, fp, fn = (a.astype(np.float64) for a in (tp, fp, fn))
    precision, recall, f1 = _rates(tp, fp, fn)
    rows = [ClassRow(str(name), float(precision[i]), float(recall[i]), float(f1[i]), int(tp[i] + fn[i]),
                     int(tp[i] + fp[i])) for i, name in enumerate(examples.classes)]
    support = tp + fn
    averages = {
        "macro": _average(precision, recall, f1, np.ones(c)),
        "micro": dict(zip(("precision", "recall", "f1"), (float(v[0]) for v in _rates(*(
            np.array([a.sum()]) for a in (tp, fp, fn)))))),
        "weighted": _average(precision, recall, f1, support),
    }
    if matrix is None:
        return ClassTable(rows, accuracy, averages, None, hamming_loss=float((y != p).mean()))
    return ClassTable(rows, accuracy, averages, matrix.tolist(), most_confused(matrix, examples.classes, top_pairs))


def _rates(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 per class; 0 where undefined (scikit-learn's zero_division=0)."""
    precision = np.divide(tp, tp + fp, out=np.zeros_like(tp), where=tp + fp > 0)
    recall = np.divide(tp, tp + fn, out=np.zeros_like(tp), where=tp + fn > 0)
    f1 = np.divide(2 * tp, 2 * tp + fp + fn, out=np.zeros_like(tp), where=2 * tp + fp + fn > 0)
    return precision, recall, f1


def _average(precision, recall, f1, weights) -> dict[str, float]:
    total = weights.sum()
    if total == 0:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    return {k: float(np.sum(v * weights) / total)
            for k, v in (("precision", precision), ("recall", recall), ("f1", f1))}


COUNTABLE = ("accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_micro", "f1_weighted", "precision", "recall")


def metric_from_confusion(name: str, matrix: np.ndarray, task: str) -> float | None:
    """A single-label metric from its confusion matrix (rows true, columns predicted), exactly as the
    metrics registry asks scikit-learn for it (zero_division=0; macro averages over the classes that
    occur in the truth or the predictions, binary ones over the positive class, index 1). None when
    the metric is not one of these. Slices use it: one bincount instead of a scikit-learn call each."""
    if name not in COUNTABLE or task not in ("binary", "multiclass"):
        return None
    m = matrix.astype(np.float64)
    n = m.sum()
    if name == "accuracy":
        return float(np.trace(m) / n) if n else 0.0
    tp = np.diag(m)
    support, predicted = m.sum(1), m.sum(0)
    if name == "balanced_accuracy":
        present = support > 0
        return float(np.mean(tp[present] / support[present])) if present.any() else 0.0
    precision, recall, f1 = _rates(tp, predicted - tp, support - tp)
    kind, _, average = name.partition("_")
    values = {"f1": f1, "precision": precision, "recall": recall}[kind]
    if average == "micro":
        return _rates(*(np.array([a.sum()]) for a in (tp, predicted - tp, support - tp)))[2][0].item()
    if task == "binary" and not average:
        return float(values[1])
    present = (support + predicted) > 0
    weights = support[present] if average == "weighted" else np.ones(int(present.sum()))
    return float(np.sum(values[present] * weights) / weights.sum()) if weights.sum() else 0.0


def most_confused(matrix: np.ndarray, classes: list, top: int = 8) -> list[dict]:
    """The off-diagonal cells with the most examples: which class is taken for which."""
    off = matrix.astype(np.int64).copy()
    np.fill_diagonal(off, 0)
    total_errors = int(off.sum())
    flat = np.argsort(off, axis=None, kind="stable")[::-1][:top]
    pairs = []
    for true, pred in zip(*np.unravel_index(flat, off.shape)):
        count = int(off[true, pred])
        if count == 0:
            break
        pairs.append({"true": str(classes[true]), "predicted": str(classes[pred]), "count": count,
                      "share_of_true": count / max(int(matrix[true].sum()), 1),
                      "share_of_errors": count / max(total_errors, 1)})
    return pairs


def rare_classes(table: ClassTable, train_counts: dict[str, int]) -> list[dict]:
    """Classes with few training examples, with their recall and support on the analysed split."""
    counts = np.array([train_counts.get(r.name, 0) for r in table.rows])
    if len(counts) == 0:
        return []
    median = float(np.median(counts))
    limit = max(RARE_SHARE_OF_MEDIAN * median, min(RARE_MIN, median / 2))
    total = max(int(counts.sum()), 1)
    return [
        {"class": r.name, "train_examples": int(n), "share_of_train": int(n) / total, "recall": r.recall,
         "precision": r.precision, "f1": r.f1, "support": r.support}
        for r, n in zip(table.rows, counts) if n < limit
    ]
