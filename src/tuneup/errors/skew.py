"""When accuracy lies: skewed classes (the seeds: a 99:1 split; precision 97% with recall 7.3% is an F1
of only 13.6%). The warning carries its numbers so a person can check them."""
from __future__ import annotations

import numpy as np

SKEWED = 0.1  # smallest class / largest class below this: accuracy mostly measures the majority


def skew_warnings(examples, table) -> list[dict]:
    if examples.task not in ("binary", "multiclass") or table is None:
        return []
    support = np.array([r.support for r in table.rows], dtype=float)
    present = support > 0
    if present.sum() < 2 or support[present].min() / support.max() >= SKEWED:
        return []
    big, small = int(support.argmax()), int(np.where(present, support, np.inf).argmin())
    majority_accuracy = support[big] / support.sum()
    rows = table.rows
    ratio = f"{support[big] / support[small]:.0f}:1"
    numbers = {"kind": "skew", "ratio": ratio, "majority_class": rows[big].name,
               "majority_accuracy": float(majority_accuracy), "accuracy": table.accuracy}
    if examples.task == "binary":
        r = rows[small]
        message = (
            f"classes are skewed {ratio} ('{rows[big].name}' : '{r.name}'): always predicting '{rows[big].name}' "
            f"scores {majority_accuracy:.1%} accuracy, so the model's {table.accuracy:.1%} says little; on "
            f"'{r.name}' its precision is {r.precision:.1%}, recall {r.recall:.1%}, F1 {r.f1:.1%}"
        )
        numbers.update({"minority_class": r.name, "precision": r.precision, "recall": r.recall, "f1": r.f1})
    else:
        rare = [r for r, s in zip(rows, support) if 0 < s < SKEWED * support[big]]
        recalls = ", ".join(f"'{r.name}' {r.recall:.1%}" for r in rare[:6])
        macro_f1 = table.averages["macro"]["f1"]
        message = (
            f"classes are skewed (largest:smallest {ratio}): always predicting '{rows[big].name}' scores "
            f"{majority_accuracy:.1%} accuracy; recall on the small classes: {recalls}; macro F1 is {macro_f1:.1%} "
            f"against {table.accuracy:.1%} accuracy"
        )
        numbers.update({"small_classes": [r.name for r in rare], "macro_f1": macro_f1})
    if examples.metric.name == "accuracy":
        message += "; judge this model by F1 (set metric: f1), not accuracy"
    return [{**numbers, "message": message}]
