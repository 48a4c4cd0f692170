"""Importance weights for training rows (`train.importance_weights: domain`, tables with a target source).

Training on data from one distribution to serve another (covariate shift), each training row's loss
is weighted by w(x) = p_target(x) / p_train(x): the loss the target distribution would give
(Shimodaira 2000). The density ratio comes from a classifier that tells the two sources apart:
w(x) = P(target | x) / P(train | x) * n_train / n_target.

What the classifier sees, exactly: the encoded FEATURES (never the labels) of
  - the training rows from the training source (class 0), and
  - the target source's rows that are not test: rows moved into training (data.split.target_in_train)
    and dev rows (class 1).
Test rows are never looked at. Dev labels are not used; dev features are, so a dev error measured after
weighting is that of a model adapted to dev's inputs (as any unsupervised domain adaptation is).
Each training row's weight comes from a model that did not see that row (5-fold out-of-fold
predictions). Weights are normalised to mean 1 over the training rows and clipped to [0.1, 10]: a
handful of rows with huge weights would make the loss as noisy as a tiny training set.
"""
from __future__ import annotations

import hashlib

import numpy as np
import torch

from tuneup.data.dataset import TARGET_SOURCE, TRAIN_SOURCE
from tuneup.exceptions import ConfigError

CLIP = (0.1, 10.0)
_CACHE: dict[str, tuple[torch.Tensor, dict]] = {}


def domain_weights(prepared) -> tuple[torch.Tensor, dict]:
    """(weights (n_train,) float32 in the train tensors' row order, what was done for the summary)."""
    ds, splits = prepared.dataset, prepared.splits
    if ds.kind != "table":
        raise ConfigError("train.importance_weights: domain works on tables; for images make the training images "
                          "look like the target ones with train.augment (tuneup diagnose suggests which)")
    if not ds.has_target_source:
        raise ConfigError("train.importance_weights: domain needs data.target (the distribution that matters) to "
                          "weigh the training rows against; set data.target or use importance_weights: none")
    key = hashlib.sha256(splits.split.astype(str).tobytes() + ds.ids.astype(str).tobytes()).hexdigest()
    if key in _CACHE:
        return _CACHE[key]
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from tuneup.models.baselines import features

    train_rows = np.flatnonzero(splits.mask("train"))  # the train tensors' rows, in this order
    source = ds.source
    target_rows = np.flatnonzero((source == TARGET_SOURCE) & (splits.split != "test"))
    reference = train_rows[source[train_rows] == TRAIN_SOURCE]
    rows = np.concatenate([reference, np.setdiff1d(target_rows, reference)])
    x = features(prepared.encoder.transform(ds, rows, with_target=False))
    is_target = np.r_[np.zeros(len(reference)), np.ones(len(rows) - len(reference))]
    x = np.nan_to_num(x)  # encoded features are imputed already; category codes may be large: scale them
    x = (x - x.mean(axis=0)) / np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
    clf = LogisticRegression(max_iter=1000)
    p = cross_val_predict(clf, x, is_target, cv=StratifiedKFold(5, shuffle=True, random_state=0),
                          method="predict_proba")[:, 1]
    auc = float(roc_auc_score(is_target, p))
    p_of = dict(zip(rows.tolist(), np.clip(p, 0.01, 0.99).tolist()))
    prior = len(reference) / max(len(rows) - len(reference), 1)
    odds = np.array([p_of[r] / (1 - p_of[r]) * prior for r in train_rows])
    w = odds / odds.mean()
    for _ in range(50):  # clip and renormalise until both hold: mean 1, every weight in CLIP
        w = np.clip(w, *CLIP)
        w = w / w.mean()
        if w.max() <= CLIP[1] * (1 + 1e-6) and w.min() >= CLIP[0] * (1 - 1e-6):
            break
    info = {
        "method": "domain classifier: logistic regression on the encoded features only, 5-fold out-of-fold",
        "reference_rows": int(len(reference)),
        "target_rows": int(len(rows) - len(reference)),
        "target_rows_from": {s: int(np.sum(splits.split[target_rows] == s)) for s in ("train", "dev")},
        "labels_used": False,
        "test_rows_used": 0,
        "domain_auc": auc,
        "weights": {"min": float(w.min()), "max": float(w.max()),
                    "effective_n": float(w.sum() ** 2 / np.sum(w * w)), "n": int(len(w))},
    }
    _CACHE.clear()
    _CACHE[key] = (torch.from_numpy(w.astype(np.float32)), info)
    return _CACHE[key]
