"""The decision threshold for binary tasks: the precision-recall trade-off on dev, and the threshold that
maximises F1 or meets a target precision or recall. Saved as `threshold.json` in the run folder, where
`Run.head()` (and so serving) picks it up. Chosen on dev, never on test: dev's precision at the chosen
threshold is then a little optimistic, and the report says so.

    objective "f1"              the threshold with the highest F1
    objective "precision=0.95"  the lowest threshold whose precision reaches 0.95 (the most recall)
    objective "recall=0.90"     the highest threshold whose recall reaches 0.90 (the most precision)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from tuneup._io import read_json, write_json
from tuneup.errors.curve import BinaryCurve
from tuneup.exceptions import UserError
from tuneup.runs import THRESHOLD

OBJECTIVES = ("f1", "precision", "recall", "accuracy", "balanced_accuracy")
CURVE_POINTS = 41
# the run's metrics that a threshold chosen on dev improves; accuracy is not among them: for probabilities
# that mean what they say, 0.5 is already the rule with the fewest errors, so `tuneup run` keeps it
TUNED_BY_RUN = ("f1", "balanced_accuracy")


@dataclass
class Threshold:
    threshold: float
    objective: str  # f1 | precision | recall
    target: float | None  # the precision or recall asked for
    precision: float
    recall: float
    f1: float
    split: str
    n: int
    at_default: dict  # precision, recall, f1 at 0.5 (what the predictions file used)
    curve: list[dict] = field(default_factory=list)  # threshold, precision, recall, f1: the trade-off, thinned

    def to_dict(self) -> dict:
        return asdict(self)


def parse_objective(text: str) -> tuple[str, float | None]:
    """'f1' | 'precision=0.95' | 'recall=0.9' -> (objective, target)."""
    name, _, value = str(text).strip().partition("=")
    name = name.strip().lower()
    targeted = name in ("precision", "recall")
    if name not in OBJECTIVES or targeted == (value == ""):
        raise UserError(f"--threshold '{text}' is not an objective; use f1, accuracy, balanced_accuracy, "
                        "precision=P or recall=R (P, R in (0, 1])")
    if not targeted:
        return name, None
    try:
        target = float(value)
    except ValueError:
        target = -1.0
    if not 0 < target <= 1:
        raise UserError(f"--threshold '{text}': the target must be a number in (0, 1]; use f1, precision=P or "
                        f"recall=R, e.g. {name}=0.9")
    return name, target


def choose_threshold(y_true: np.ndarray, score: np.ndarray, objective: str = "f1", split: str = "dev",
                     curve: BinaryCurve | None = None) -> Threshold:
    """Pick a threshold on (y_true in {0, 1}, score = P(positive)); predictions are `score >= threshold`.
    `curve`: the scores already sorted (`BinaryCurve.of(y_true, score)`)."""
    name, target = parse_objective(objective)
    if y_true.sum() == 0 or y_true.sum() == len(y_true):
        raise UserError(f"the {split} split holds one class only; a threshold cannot be chosen on it")
    curve = curve or BinaryCurve.of(y_true, score)
    # increasing thresholds, as precision_recall_curve gives them, so ties go the documented way
    thresholds, precision, recall = curve.thresholds[::-1], curve.precision()[::-1], curve.recall()[::-1]
    f1 = np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    i = _pick(name, target, precision, recall, f1, split, curve)
    # halfway down to the next lower score: the same decisions on these examples, and none of them sits on
    # the boundary, where ONNX's float arithmetic (1e-7 off PyTorch's) would flip it when served
    cut = float(thresholds[i] + thresholds[i - 1]) / 2 if i > 0 else float(thresholds[0]) / 2
    return Threshold(
        cut, name, target, float(precision[i]), float(recall[i]), float(f1[i]), split,
        int(len(y_true)), _at(curve, 0.5), _thin(thresholds, precision, recall, f1),
    )


def _pick(name, target, precision, recall, f1, split, curve=None) -> int:
    if name == "f1":
        return int(np.argmax(f1))
    if name in ("accuracy", "balanced_accuracy"):
        tps, fps = curve.tps[::-1], curve.fps[::-1]  # increasing thresholds, as the arrays above
        tn = curve.negatives - fps
        score = ((tps + tn) / (curve.positives + curve.negatives) if name == "accuracy"
                 else 0.5 * (tps / max(curve.positives, 1) + tn / max(curve.negatives, 1)))
        return int(np.argmax(score))
    values, other = (precision, recall) if name == "precision" else (recall, precision)
    ok = np.flatnonzero(values >= target)
    if len(ok) == 0:
        best = int(np.argmax(values))
        raise UserError(
            f"no threshold reaches {name} {target:g} on {split} (the best is {values[best]:.3f}); "
            f"ask for a lower {name}, or improve the model"
        )
    best_other = other[ok].max()
    return int(ok[np.flatnonzero(other[ok] == best_other)[-1 if name == "precision" else 0]])


def _at(curve: BinaryCurve, threshold: float) -> dict:
    tp, fp = curve.at(threshold)
    fn = curve.positives - tp
    return {"threshold": threshold, "precision": tp / (tp + fp) if tp + fp else 0.0,
            "recall": tp / curve.positives if curve.positives else 0.0,
            "f1": 2 * tp / (2 * tp + fp + fn) if tp else 0.0}


def _thin(thresholds, precision, recall, f1) -> list[dict]:
    """The trade-off at evenly spaced recall levels: enough to draw, small enough for JSON."""
    keep = np.unique(np.linspace(0, len(thresholds) - 1, min(CURVE_POINTS, len(thresholds))).round().astype(int))
    return [{"threshold": float(thresholds[i]), "precision": float(precision[i]), "recall": float(recall[i]),
             "f1": float(f1[i])} for i in keep]


def save_threshold(run_path: str | Path, choice: Threshold, run_name: str = "", by: str = "tuneup errors") -> Path:
    """`threshold.json` in the run folder (atomic); `Run.head()` and serving read `threshold`; `by` says
    which command chose it (`tuneup run` for the run's own metric, `tuneup errors --threshold` when asked)."""
    record = {k: v for k, v in choice.to_dict().items() if k != "curve"}
    record.update({"run": run_name, "chosen_by": by,
                   "chosen": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")})
    return write_json(Path(run_path) / THRESHOLD, record)


def describe(record: dict | None) -> str:
    """The decision threshold in words, as report, export and serving say it."""
    if record is None:
        return "0.5 (the default: a probability of at least one half)"
    if "objective" not in record:  # written by hand
        return f"{float(record['threshold']):.4g} (from the run's threshold.json)"
    target = f" {record['target']:g}" if record.get("target") is not None else ""
    return (f"{record['threshold']:.4g} (chosen on {record.get('split', 'dev')} for {record['objective']}{target} "
            f"by {record.get('chosen_by', 'tuneup errors')})")


def load_threshold(run_path: str | Path) -> dict | None:
    path = Path(run_path) / THRESHOLD
    return read_json(path) if path.exists() else None
