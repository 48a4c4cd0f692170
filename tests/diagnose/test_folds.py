"""`tuneup run --folds K [--repeats R]`: K models in run folders inside the run, mean +- std per split,
and the diagnosis' intervals from them."""
from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import tuneup
from tests.conftest import make_table, table_config
from tuneup.data.split import Splits
from tuneup.diagnose.folds import fold_splits
from tuneup.runs import Run


def write_config(tmp_path, n=240, **train):
    path = tmp_path / "churn.csv"
    make_table(n).to_csv(path, index=False)
    cfg = table_config(path)
    cfg["train"].update({"epochs": 4, "checkpoint": False, **train})
    cfg["baselines"] = ["majority"]
    (tmp_path / "tuneup.yaml").write_text(yaml.safe_dump(cfg))
    return tmp_path / "tuneup.yaml"


def test_fold_splits_put_one_fold_of_the_pool_in_dev_and_the_rest_in_train():
    split = np.array(["train", "train", "dev", "dev", "test", "train_dev", "train", "dev"])
    folds = np.array([[0, 1], [1, 0], [0, 0], [1, 1], [-1, -1], [-1, -1], [0, 1], [1, 0]])
    s = Splits(np.arange(8).astype(str), split, folds)
    f0 = fold_splits(s, repeat=0, fold=0)
    assert f0.split.tolist() == ["dev", "train", "dev", "train", "test", "train_dev", "dev", "train"]
    f1 = fold_splits(s, repeat=1, fold=0)
    assert f1.split.tolist() == ["train", "dev", "dev", "train", "test", "train_dev", "train", "dev"]
    assert f0.folds is None  # a fold's own splits.csv is a plain assignment


@pytest.mark.slow
def test_k_fold_run_reports_mean_and_std_per_split_and_diagnose_uses_them(tmp_path, cli):
    config = write_config(tmp_path)
    r = cli("run", str(config), "--folds", "3", "--json", "--name", "kf")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    folds = doc["folds"]
    assert folds["k"] == 3 and folds["models"] == 3 and folds["runs"] == ["folds/fold-0", "folds/fold-1", "folds/fold-2"]
    parent = Run.open(doc["path"])
    runs = [Run(parent.path / p) for p in folds["runs"]]
    for split in ("train", "dev"):
        errors = [f.summary["splits"][split]["error"] for f in runs]
        assert folds["splits"][split]["errors"] == pytest.approx(errors)
        assert folds["splits"][split]["mean_error"] == pytest.approx(np.mean(errors))
        assert folds["splits"][split]["std_error"] == pytest.approx(np.std(errors, ddof=1))
    # every example of the pool (train + dev of the holdout) is dev in exactly one fold; test in none
    holdout = parent.splits
    pool = set(holdout.ids[np.isin(holdout.split, ["train", "dev"])])
    devs = [set(f.splits.ids[f.splits.split == "dev"]) for f in runs]
    assert set().union(*devs) == pool and sum(map(len, devs)) == len(pool)
    assert all(set(f.splits.ids[f.splits.split == "test"]) == set(holdout.ids[holdout.split == "test"]) for f in runs)
    assert all(f.summary["fold"]["index"] == i and f.summary["baselines"] == {} for i, f in enumerate(runs))
    d = tuneup.diagnose(parent, measure=False)
    assert d.intervals["ladder"]["dev"].method == "folds" and d.intervals["ladder"]["dev"].n == 3
    assert d.ladder["dev"] == pytest.approx(folds["splits"]["dev"]["mean_error"])
    assert d.holdout_ladder == parent.summary["ladder"]
    assert "mean +- std over 2 models" in cli("run", str(config), "--folds", "2", "--name", "kf2").stdout


@pytest.mark.slow
def test_repeats_and_resume_train_only_the_missing_fold_models(tmp_path, cli):
    config = write_config(tmp_path)
    run = tuneup.run(str(config), {"data.split.folds": 2, "data.split.repeats": 2}, name="rep", progress=False)
    assert run.summary["folds"]["models"] == 4
    kept = (run.path / "folds/fold-0/summary.json").stat().st_mtime_ns
    (run.path / "folds/fold-3/summary.json").unlink()  # as if killed while training the last fold
    (run.path / "summary.json").unlink()
    again = tuneup.run(None, resume=run.path, progress=False)
    assert again.summary["folds"]["models"] == 4
    assert (run.path / "folds/fold-0/summary.json").stat().st_mtime_ns == kept
    assert (run.path / "folds/fold-3/summary.json").exists()


def test_repeats_without_folds_is_a_user_error(tmp_path, cli):
    r = cli("run", str(write_config(tmp_path)), "--repeats", "2")
    assert r.code == 2 and "--folds" in r.stderr and not (tmp_path / "tuneup-runs").exists()
