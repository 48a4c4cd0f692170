"""train.importance_weights: domain: weights from features alone, never dev labels or test rows."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import tuneup
from tests.conftest import make_table
from tuneup.data import importance
from tuneup.data.importance import domain_weights


def two_sources(tmp_path):
    web = make_table(500, seed=0, missing=False)
    phone = make_table(300, seed=1, missing=False)
    phone["age"] = phone["age"] + 15  # the data that matters is older
    phone["customer_id"] = [f"p{i:05d}" for i in range(len(phone))]
    web.to_csv(tmp_path / "web.csv", index=False)
    phone.to_csv(tmp_path / "phone.csv", index=False)
    cfg = {"name": "shift", "data": {"train": {"path": str(tmp_path / "web.csv"), "target": "churn", "id": "customer_id"},
                                     "target": {"path": str(tmp_path / "phone.csv"), "target": "churn",
                                                "id": "customer_id"}, "meta": ["region"]},
           "model": {"hidden": [16]}, "baselines": [],
           "train": {"epochs": 3, "checkpoint": False, "importance_weights": "domain"}}
    return cfg, tuneup.prepare(tuneup.load_config(cfg), use_cache=False)


def weights_with(prepared, **changes):
    """The weights for the same rows and splits, the dataset changed as given (no cache)."""
    importance._CACHE.clear()
    return domain_weights(replace(prepared, dataset=replace(prepared.dataset, **changes)))[0].numpy()


def test_target_like_rows_weigh_more_and_weights_average_one(tmp_path):
    _, prepared = two_sources(tmp_path)
    w, info = domain_weights(prepared)
    train_rows = np.flatnonzero(prepared.splits.mask("train"))
    age = prepared.dataset.features["age"].to_numpy()[train_rows]
    assert len(w) == len(train_rows) and float(w.mean()) == pytest.approx(1.0, abs=1e-5)
    assert 0.1 * (1 - 1e-5) <= float(w.min()) and float(w.max()) <= 10.0 * (1 + 1e-5)
    assert np.corrcoef(age, w.numpy())[0, 1] > 0.4
    assert info["domain_auc"] > 0.7 and info["labels_used"] is False and info["test_rows_used"] == 0
    assert info["reference_rows"] == len(train_rows) and info["target_rows_from"]["dev"] == info["target_rows"]


def test_weights_never_look_at_labels_or_test_rows(tmp_path):
    _, prepared = two_sources(tmp_path)
    w = weights_with(prepared)
    flipped = prepared.dataset.y.map({"yes": "no", "no": "yes"})
    assert np.array_equal(weights_with(prepared, y=flipped), w)
    features = prepared.dataset.features.copy()
    features.loc[prepared.splits.mask("test"), "age"] += 40.0
    assert np.array_equal(weights_with(prepared, features=features), w)
    features = prepared.dataset.features.copy()
    features.loc[prepared.splits.mask("dev"), "age"] += 40.0  # dev inputs are what it weighs against
    assert not np.array_equal(weights_with(prepared, features=features), w)


def test_a_run_with_importance_weights_says_what_it_did(tmp_path):
    cfg, _ = two_sources(tmp_path)
    run = tuneup.run(cfg, progress=False)
    info = run.summary["training"]["importance_weights"]
    assert info["labels_used"] is False and info["weights"]["n"] == run.summary["splits"]["train"]["n"]
    assert any("importance weights" in n for n in tuneup.diagnose(run, measure=False).notes)


def test_importance_weights_need_a_table_with_a_target_source(tmp_path):
    one = {"name": "one", "data": {"train": {"path": "builtin:wine"}}, "train": {"importance_weights": "domain"}}
    with pytest.raises(tuneup.ConfigError, match="needs data.target"):
        tuneup.run(one, progress=False)
    images = tuneup.demo_config(epochs=1).with_overrides({"train.importance_weights": "domain"})
    with pytest.raises(tuneup.ConfigError, match="works on tables"):
        tuneup.run(images, progress=False)
    assert not list((tmp_path / "tuneup-runs").glob("*/summary.json"))
