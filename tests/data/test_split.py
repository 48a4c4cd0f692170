import numpy as np
import pandas as pd
import pytest

import tuneup
from tests.conftest import make_table
from tuneup.config import Split
from tuneup.data import sources
from tuneup.data.split import Splits, assign, holdout_share
from tuneup.exceptions import DataError


def digits():
    return sources.load(tuneup.load_config({"data": {"train": {"path": "builtin:digits"}}}))


def web_phone():
    return sources.load(tuneup.load_config(
        {"data": {"train": {"path": "builtin:digits-web"}, "target": {"path": "builtin:digits-phone"}}}))


def test_one_source_sizes_disjoint_and_complete():
    ds = digits()
    s = assign(ds, Split(), "multiclass")
    sizes = s.sizes()
    assert set(sizes) == {"train", "dev", "test"} and sum(sizes.values()) == 1797
    assert sizes["dev"] == sizes["test"] == round(0.2 * 1797)  # 60/20/20 for thousands
    assert len(set(s.ids)) == len(s.ids)


def test_stratification_keeps_class_ratios():
    ds = digits()
    s = assign(ds, Split(), "multiclass")
    overall = ds.y.value_counts(normalize=True).sort_index()
    for name in ("train", "dev", "test"):
        part = ds.y[s.mask(name)].value_counts(normalize=True).sort_index()
        assert np.abs(part - overall).max() < 0.01


def test_same_seed_same_split_other_seed_differs():
    ds = digits()
    a, b = assign(ds, Split(seed=3), "multiclass"), assign(ds, Split(seed=3), "multiclass")
    c = assign(ds, Split(seed=4), "multiclass")
    assert (a.split == b.split).all() and not (a.split == c.split).all()


def test_target_source_dev_and_test_only_from_target():
    ds = web_phone()
    s = assign(ds, Split(), "multiclass")
    src = ds.source
    assert set(src[s.mask("dev")]) == {"target"} and set(src[s.mask("test")]) == {"target"}
    assert set(src[s.mask("train_dev")]) == {"train"} and set(src[s.mask("train")]) == {"train"}
    assert abs(s.mask("dev").sum() - s.mask("test").sum()) <= 1


def test_target_in_train_moves_target_examples_into_train():
    ds = web_phone()
    s = assign(ds, Split(target_in_train=0.3), "multiclass")
    n_target = (ds.source == "target").sum()
    moved = ((ds.source == "target") & s.mask("train")).sum()
    assert moved == round(0.3 * n_target)
    assert set(ds.source[s.mask("dev")]) == {"target"}


def test_sizes_follow_data_size():
    assert holdout_share(1000) == 0.2 and holdout_share(50_000) == 0.1
    assert holdout_share(2_000_000) * 2_000_000 == pytest.approx(10_000)


def test_too_few_examples():
    ds = digits().take(np.arange(8))
    with pytest.raises(DataError, match="too few"):
        assign(ds, Split(), "multiclass")
    ds = digits().take(np.arange(12))
    with pytest.raises(DataError, match=r"data\.split\.dev"):
        assign(ds, Split(dev=0.01, test=0.2), "multiclass")


def test_regression_is_stratified_by_quantiles():
    ds = sources.load(tuneup.load_config({"data": {"train": {"path": "builtin:diabetes"}}}))
    s = assign(ds, Split(), "regression")
    y = ds.y.to_numpy()
    assert abs(np.median(y[s.mask("dev")]) - np.median(y)) < 0.1 * y.std()


@pytest.mark.parametrize("stratify", [True, False])
def test_regression_on_a_text_target_names_the_column_and_the_task(cli, tmp_path, stratify):
    make_table(200).to_csv(tmp_path / "churn.csv", index=False)
    config = tmp_path / "tuneup.yaml"
    config.write_text(f"task: regression\ndata:\n  train: {{path: churn.csv, target: plan}}\n"
                      f"  split: {{stratify: {str(stratify).lower()}}}\n")
    r = cli("run", str(config))
    assert r.code == 2, r.stderr[-500:]
    line = r.stderr.strip().splitlines()[-1]
    assert "data.train.target 'plan'" in line and "task: regression" in line and "'basic'" in line, line
    assert "task: binary" in line  # the fix: plan holds two labels
    assert not (tmp_path / "tuneup-runs").exists() or not any((tmp_path / "tuneup-runs").iterdir())


def test_kfold_partitions_the_pool():
    ds = digits()
    s = assign(ds, Split(folds=5, repeats=2), "multiclass")
    pool = np.isin(s.split, ["train", "dev"])
    assert s.folds.shape == (1797, 2)
    assert (s.folds[~pool] == -1).all() and (s.folds[pool] >= 0).all()
    for r in range(2):
        counts = np.bincount(s.folds[pool, r])
        assert len(counts) == 5 and counts.max() - counts.min() <= 10
    assert not (s.folds[pool, 0] == s.folds[pool, 1]).all()


def test_splits_save_and_read(tmp_path):
    ds = digits()
    s = assign(ds, Split(folds=3), "multiclass")
    s.save(tmp_path / "splits.csv")
    again = Splits.read(tmp_path / "splits.csv")
    assert (again.ids == s.ids).all() and (again.split == s.split).all() and (again.folds == s.folds).all()
    shuffled = again.aligned_to(s.ids[::-1])
    assert (shuffled.split == s.split[::-1]).all()


def test_rare_class_does_not_break_stratification(tmp_path):
    df = make_table(300)
    df.loc[0, "churn"] = "maybe"  # a class with a single example
    df.to_csv(tmp_path / "t.csv", index=False)
    cfg = tuneup.load_config({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}}})
    ds = sources.load(cfg)
    s = assign(ds, Split(), "multiclass")
    assert sum(s.sizes().values()) == 300
