import builtins as py_builtins

import numpy as np
import pandas as pd
import pytest

import tuneup
from tests.conftest import table_config


def _flipped_table(tmp_path, n=800, flips=16, seed=0):
    """Labels a model can learn almost perfectly, with `flips` of them planted wrong."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    margin = x1 + 0.5 * x2
    label = np.where(margin > 0, "yes", "no")
    # flip examples the features decide clearly: a flip on the boundary is invisible to anyone
    flipped = rng.choice(np.flatnonzero(np.abs(margin) > 0.5), flips, replace=False)
    label[flipped] = np.where(label[flipped] == "yes", "no", "yes")
    df = pd.DataFrame({"customer_id": [f"r{i:04d}" for i in range(n)], "x1": x1, "x2": x2,
                       "colour": rng.choice(["red", "blue"], n), "region": "north", "churn": label})
    df.to_csv(tmp_path / "flips.csv", index=False)
    return table_config(tmp_path / "flips.csv"), {f"r{i:04d}" for i in flipped}


def _ranked_ids(report):
    return [s["id"] for s in report.sections["label_errors"]["suspects"]]


def test_planted_flips_rank_near_the_top(tmp_path):
    cfg, flipped = _flipped_table(tmp_path)
    report = tuneup.check(cfg)
    section = report.sections["label_errors"]
    top = _ranked_ids(report)[: len(flipped)]
    assert len(set(top) & flipped) >= 0.75 * len(flipped)  # most of the top 16 suspects are the flips
    assert section["method"].startswith("cleanlab")
    assert section["quality"]["balanced_accuracy"] > 0.9
    first = section["suspects"][0]
    assert first["given"] != first["suggested"] and first["confidence"] > 0.5
    assert any(f.check == "label_errors" and f.severity == "warning" for f in report.findings)


def test_built_in_confident_learning_without_cleanlab(tmp_path, monkeypatch):
    real_import = py_builtins.__import__

    def no_cleanlab(name, *args, **kwargs):
        if name.startswith("cleanlab"):
            raise ImportError("No module named 'cleanlab'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(py_builtins, "__import__", no_cleanlab)
    cfg, flipped = _flipped_table(tmp_path, seed=1)
    report = tuneup.check(cfg)
    section = report.sections["label_errors"]
    assert "pip install 'tuneup[labels]'" in section["method"]
    top = _ranked_ids(report)[: len(flipped)]
    assert len(set(top) & flipped) >= 0.75 * len(flipped)


def test_confident_joint_by_hand():
    from tuneup.checks.label_errors import confident_joint_issues

    y = np.array([0, 0, 0, 1, 1, 1])
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9], [0.2, 0.8], [0.35, 0.65], [0.7, 0.3]])
    # thresholds: class 0: mean p0 of its examples (0.9, 0.8, 0.1) = 0.6; class 1: (0.8, 0.65, 0.3) = 0.583
    # example 2 (given 0): p1 0.9 >= 0.583 and p0 0.1 < 0.6 -> confidently class 1: an issue
    # example 5 (given 1): p0 0.7 >= 0.6 and p1 0.3 < 0.583 -> confidently class 0: an issue
    # example 4 (given 1): p1 0.65 >= 0.583 -> its own class: fine
    assert confident_joint_issues(y, probs).tolist() == [2, 5]  # lowest probability of the given label first


@pytest.mark.slow
def test_image_label_flips_are_found(tmp_path):
    cfg = tuneup.demo_config(epochs=1)
    report = tuneup.check(cfg)
    section = report.sections["label_errors"]
    assert section["model"].startswith("logistic regression")
    assert section["quality"]["balanced_accuracy"] > 0.85
    assert section["suspected"] < 0.05 * section["rows"]


def test_regression_and_multilabel_are_skipped(tmp_path):
    df = pd.DataFrame({"x": np.arange(60.0), "tags": ["a|b", "a", "b"] * 20})
    df.to_csv(tmp_path / "multi.csv", index=False)
    report = tuneup.check({"name": "m", "data": {"train": {"path": str(tmp_path / "multi.csv"), "target": "tags"}}})
    assert report.overview["task"] == "multilabel"
    assert "skipped" in report.sections["label_errors"]
    assert {lab["label"]: lab["positives"] for lab in report.sections["classes"]["labels"]} == {"a": 40, "b": 40}
