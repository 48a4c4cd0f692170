"""Representativeness and shift (tests and effect sizes from `tuneup.data.shift`).

- Training source vs target source, when both are given: per-feature shift, the label's distribution,
  a classifier that tells the two apart (its AUC and the features that give them away), and for images
  brightness, contrast, sharpness and noise side by side with the augmentations that would close the gap.
  Diagnose's data-mismatch remedies read this section.
- Splits that should share one distribution: train vs dev and test (one source), train vs train-dev
  (two sources), and always dev vs test."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks.context import TARGET_SOURCE, TRAIN_SOURCE, CheckData
from tuneup.checks.result import Finding
from tuneup.data import shift

MAX_ROWS = 100_000  # per side: tests on a random sample this big (the effect-size gate decides anyway)
MAX_IMAGES = 5_000  # per side, for image statistics
DOMAIN_AUC = 0.7  # a domain classifier this good: the sources are told apart easily
DOMAIN_ROWS = 10_000  # examples the domain classifier sees, half from each side (AUC within about 0.01)
THUMB = 4  # images: the domain classifier also sees a 4x4 grey thumbnail (where the light and the ink are)

SAME = {
    ("train", "dev"): "a random split should not differ like this: is the file sorted (by time, by class)?",
    ("train", "test"): "a random split should not differ like this: is the file sorted (by time, by class)?",
    ("train", "train_dev"): "train-dev is drawn from the training source like train; a difference means the split "
                            "is not random",
    ("dev", "test"): "dev and test should come from one distribution, or choosing on dev will not carry over to "
                     "test; split them from the same pool",
}


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    section: dict[str, Any] = {}
    found: list[Finding] = []
    if data.two_sources:
        result = compare(data, data.source_rows(TRAIN_SOURCE), data.source_rows(TARGET_SOURCE), salt=10,
                         domain=True)
        section["train_vs_target"] = result
        found.append(source_finding(data, result))
    for (a, b), why in SAME.items():
        rows_a, rows_b = data.rows(a), data.rows(b)
        if not len(rows_a) or not len(rows_b) or (data.two_sources and a == "train" and b in ("dev", "test")):
            continue
        result = compare(data, rows_a, rows_b, salt=20 + len(section))
        section[f"{a}_vs_{b}"] = result
        if result["flagged"]:
            found.append(Finding("warning", "shift", f"{a} and {b} differ in {describe(result)}", why,
                                 result["flagged"], data={"comparison": f"{a}_vs_{b}"}))
    return section, found


def compare(data: CheckData, a: np.ndarray, b: np.ndarray, salt: int, domain: bool = False) -> dict[str, Any]:
    """Per-feature (or per-image-statistic) shifts between the examples at rows `a` and `b`, the label's
    shift, and optionally the domain classifier."""
    limit = MAX_ROWS if data.kind == "table" else MAX_IMAGES
    a, b = data.sample(a, limit, salt), data.sample(b, limit, salt + 1)
    out: dict[str, Any] = {"n_reference": int(len(a)), "n_current": int(len(b))}
    if data.kind == "table":
        usable = [c for c in data.types if c not in data.suspicious]
        shifts = shift.feature_shifts(data.features.iloc[a][usable], data.features.iloc[b][usable], data.types)
    else:
        images = shift.compare_image_stats(data.image_statistics(a), data.image_statistics(b))
        shifts = images.stats
        out["images"] = images.to_dict()
    out["features"] = [s.to_dict() for s in shifts]
    out["label"] = label_shift(data, a, b).to_dict()
    out["flagged"] = [s.column for s in shifts if s.flagged] + (["label"] if out["label"]["flagged"] else [])
    if domain and (data.kind == "image" or data.usable):
        out["domain_classifier"] = domain_classifier(data, a, b).to_dict()
    return out


def label_shift(data: CheckData, a: np.ndarray, b: np.ndarray) -> shift.FeatureShift:
    if data.task == "regression":
        y = pd.to_numeric(data.dataset.y, errors="coerce").to_numpy(dtype=np.float64)
        return shift.numeric_shift("label", y[a], y[b])
    return shift.categorical_shift("label", pd.Series(data.label_text[a]), pd.Series(data.label_text[b]))


def domain_classifier(data: CheckData, a: np.ndarray, b: np.ndarray) -> shift.DomainClassifier:
    half = DOMAIN_ROWS // 2
    a, b = data.sample(a, half, salt=30), data.sample(b, half, salt=31)
    if data.kind == "table":
        m = data.matrix(np.r_[a, b])
        x, names = m.x, m.names
    else:
        x, names = image_features(data, np.r_[a, b])
    # 50 rounds at twice the default rate: the same AUC to within its noise here, at half the cost
    return shift.domain_classifier(x[: len(a)], x[len(a) :], names, max_rows=DOMAIN_ROWS, seed=data.seed,
                                   max_iter=50, learning_rate=0.2)


def image_features(data: CheckData, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Image statistics and a coarse grey thumbnail per image: what a domain classifier can tell apart."""
    from tuneup.checks.hashing import grey_thumbnails

    stats = data.image_statistics(rows)
    thumb = grey_thumbnails(data.dataset.images[rows], (THUMB, THUMB)).reshape(len(rows), -1) / 255.0
    names = list(stats.columns) + [f"pixel {r},{c}" for r in range(THUMB) for c in range(THUMB)]
    return np.hstack([stats.to_numpy(np.float32), thumb.astype(np.float32)]), names


def describe(result: dict[str, Any], shown: int = 4) -> str:
    by = {f["column"]: f for f in result["features"]}
    by["label"] = result["label"]
    parts = [f"'{c}' ({by[c]['effect_name']} {by[c]['effect']:.2f})" for c in result["flagged"][:shown]]
    more = len(result["flagged"]) - shown
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def source_finding(data: CheckData, result: dict[str, Any]) -> Finding:
    clf = result.get("domain_classifier") or {"auc": 0.5, "auc_std": 0.0, "top_features": []}
    auc = clf["auc"]
    drivers = ", ".join(f"'{t['feature']}'" for t in clf["top_features"][:3])
    told_apart = auc >= DOMAIN_AUC
    if not result["flagged"] and not told_apart:
        return Finding("info", "shift", f"training and target data look alike (domain classifier AUC {auc:.2f})",
                       data={"auc": auc})
    parts = []
    if result["flagged"]:
        parts.append(f"differ in {describe(result)}")
    if told_apart:
        parts.append(f"a classifier tells them apart (AUC {auc:.2f} ± {clf['auc_std']:.2f}"
                     + (f", mostly by {drivers})" if drivers else ")"))
    advice = ("expect a data-mismatch gap (dev error above train-dev); make training data more like the target: "
              "move some target examples into training")
    changes: dict[str, Any] = {}
    if data.cfg.data.split.target_in_train == 0:
        changes["data.split.target_in_train"] = 0.3
    augment = result.get("images", {}).get("augmentations") or []
    if augment:
        advice += ", and augment training images the way the target differs (" + "; ".join(
            result["images"]["reasons"]) + ")"
        changes["train.augment"] = augment
    return Finding("warning", "shift", "training and target data " + "; ".join(parts), advice,
                   [c for c in result["flagged"] if c != "label"], changes, data={"auc": auc})
