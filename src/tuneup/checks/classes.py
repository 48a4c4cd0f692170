"""Class counts per split and their imbalance, with the seeds' advice attached: with skewed classes
accuracy rewards predicting the majority, so measure F1 / precision and recall, weight the classes, and
choose the decision threshold on dev. Multilabel: positives per label."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks.context import HOLDOUT, CheckData
from tuneup.checks.result import Finding
from tuneup.data.split import SPLITS

SKEWED = 0.25  # smallest / largest class below this: skewed (the same line the default metric draws)
FEW = 5  # fewer examples of a class than this in dev or test: its recall there is mostly noise
BLIND_METRICS = ("accuracy", "f1_micro")  # metrics that reward predicting the majority class


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if data.task == "regression":
        return {"skipped": "regression: see the target's summary under columns"}, []
    if data.task == "multilabel":
        return multilabel(data)
    codes, classes = data.label_codes
    present = [s for s in SPLITS if s in data.splits.sizes()]
    table = pd.DataFrame({s: np.bincount(codes[data.rows(s)], minlength=len(classes)) for s in present},
                         index=classes)
    total = table.sum(axis=1).sort_values(ascending=False, kind="stable")
    ratio = float(total.iloc[-1] / total.iloc[0])
    counts = [{"class": c, "count": int(total[c]), "share": float(total[c] / total.sum()),
               "splits": {s: int(table.loc[c, s]) for s in table.columns}} for c in total.index]
    section = {"classes": counts, "smallest_to_largest": ratio,
               "imbalance_ratio": float(total.iloc[0] / total.iloc[-1]), "skewed": ratio < SKEWED, "advice": []}
    found = []
    if ratio < SKEWED:
        section["advice"] = advice(data)
        found.append(skew_finding(data, total, section["advice"]))
    found.extend(coverage(table))
    return section, found


def advice(data: CheckData) -> list[dict[str, Any]]:
    """What to do about skewed classes, given the current config."""
    cfg, out = data.cfg, []
    if cfg.metric in BLIND_METRICS:
        what = "of the positive class" if data.task == "binary" else "averaged over classes (f1_macro)"
        out.append({"advice": f"metric {cfg.metric} rewards predicting the majority class; measure F1 {what}, "
                              "and read precision and recall per class",
                    "set": {"metric": "f1" if data.task == "binary" else "f1_macro"}})
    else:
        out.append({"advice": f"metric {cfg.metric} does not reward predicting the majority class; keep reading "
                              "precision and recall per class", "set": {}})
    if cfg.train.class_weights == "none":
        out.append({"advice": "weight the loss by class so the rare classes count (class weights)",
                    "set": {"train.class_weights": "balanced"}})
    if data.task == "binary":
        out.append({"advice": "choose the decision threshold on dev from the precision-recall trade-off, not 0.5",
                    "set": {}})
    return out


def skew_finding(data: CheckData, total: pd.Series, tips: list[dict[str, Any]]) -> Finding:
    changes = {k: v for t in tips for k, v in t["set"].items()}
    return Finding(
        "warning", "classes",
        f"classes are skewed {total.iloc[0] / total.iloc[-1]:.1f}:1 ('{total.index[0]}' {total.iloc[0]:,}, "
        f"'{total.index[-1]}' {total.iloc[-1]:,})",
        "; ".join(t["advice"] for t in tips), set=changes,
        data={"largest": str(total.index[0]), "smallest": str(total.index[-1])})


def coverage(table: pd.DataFrame) -> list[Finding]:
    """Classes the model never sees in training, and classes too rare in dev/test to be measured."""
    found = []
    in_train = table["train"] if "train" in table.columns else pd.Series(0, index=table.index)
    unseen = [c for c in table.index if in_train[c] == 0]
    if unseen:
        found.append(Finding(
            "warning", "classes", f"{len(unseen)} class{'es' if len(unseen) > 1 else ''} never appear in train "
            f"({', '.join(map(repr, unseen[:5]))})", "the model cannot learn them; add training examples of them",
            data={"classes": unseen}))
    for split in [s for s in HOLDOUT if s in table.columns]:
        few = [c for c in table.index if 0 < table.loc[c, split] < FEW]
        absent = [c for c in table.index if table.loc[c, split] == 0]
        if few or absent:
            parts = ([f"{len(few)} with fewer than {FEW} examples"] if few else []) + (
                [f"{len(absent)} missing entirely"] if absent else [])
            found.append(Finding(
                "warning", "classes", f"{split}: {' and '.join(parts)} ({', '.join(map(repr, (few + absent)[:5]))})",
                f"per-class numbers on {split} are mostly noise for them; collect more, or use K-fold "
                "(data.split.folds)",
                data={"few": few, "absent": absent}))
    return found


def multilabel(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    y = data.dataset.y
    positives = y.sum(axis=0).astype(int)
    n = len(y)
    section = {"labels": [{"label": str(c), "positives": int(positives[c]), "share": float(positives[c] / n)}
                          for c in y.columns], "rows": n}
    rare = [str(c) for c in y.columns if positives[c] < FEW]
    found = []
    if rare:
        found.append(Finding("warning", "classes", f"{len(rare)} labels are on in fewer than {FEW} examples "
                             f"({', '.join(map(repr, rare[:5]))})", "they cannot be learned or measured; collect more",
                             data={"labels": rare}))
    low = np.asarray(positives) / n
    if len(low) and low.min() < 0.05 and data.cfg.train.class_weights == "none":
        found.append(Finding("info", "classes", "some labels are rare (under 5% of examples)",
                             "weight the loss by label (class weights)", set={"train.class_weights": "balanced"}))
    return section, found
