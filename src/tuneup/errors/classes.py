"""Per-class precision, recall, F1 and support; their averages; the confusion matrix and the pairs it
mixes up most; classes with few training examples. Every number is scikit-learn's."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn import metrics as skm

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
    labels = list(range(len(examples.classes)))
    prec, rec, f1, support = skm.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    predicted = p.sum(axis=0) if examples.task == "multilabel" else np.bincount(p, minlength=len(labels))
    rows = [ClassRow(str(name), float(prec[i]), float(rec[i]), float(f1[i]), int(support[i]), int(predicted[i]))
            for i, name in enumerate(examples.classes)]
    averages = {}
    for average in ("macro", "micro", "weighted"):
        a = skm.precision_recall_fscore_support(y, p, labels=labels, average=average, zero_division=0)
        averages[average] = {"precision": float(a[0]), "recall": float(a[1]), "f1": float(a[2])}
    if examples.task == "multilabel":
        return ClassTable(rows, float(skm.accuracy_score(y, p)), averages, None,
                          hamming_loss=float(skm.hamming_loss(y, p)))
    matrix = skm.confusion_matrix(y, p, labels=labels)
    return ClassTable(rows, float(skm.accuracy_score(y, p)), averages, matrix.tolist(),
                      most_confused(matrix, examples.classes, top_pairs))


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
