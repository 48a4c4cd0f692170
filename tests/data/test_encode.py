import datetime as dt

import numpy as np
import pandas as pd
import pytest
import torch

import tuneup
from tests.conftest import make_table
from tuneup.data import sources
from tuneup.data.encode import Encoder, TablePreprocess
from tuneup.data.split import assign


def frame_dataset(tmp_path, df, **src):
    df.to_csv(tmp_path / "t.csv", index=False)
    cfg = tuneup.load_config({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn", **src}}})
    ds = sources.load(cfg)
    return ds, assign(ds, cfg.data.split, "binary")


def test_encoder_never_sees_dev_or_test_statistics(tmp_path):
    df = make_table(500)
    ds, splits = frame_dataset(tmp_path, df)
    train = splits.mask("train")
    # plant huge values in dev and test: an encoder that looked at them would move its statistics
    ds.features.loc[~train, "income"] = 1e9
    ds.features.loc[~train, "city"] = "atlantis"
    enc = Encoder.fit(ds, train, "binary")
    num = enc.spec["numeric"]
    i = num["names"].index("income")
    assert num["mean"][i] == pytest.approx(ds.features.loc[train, "income"].mean(), rel=1e-6)
    assert num["std"][i] == pytest.approx(ds.features.loc[train, "income"].std(ddof=0), rel=1e-6)
    a = num["names"].index("age")
    assert num["median"][a] == pytest.approx(ds.features.loc[train, "age"].median(), rel=1e-6)
    city = next(c for c in enc.spec["columns"] if c["name"] == "city")
    assert "atlantis" not in city["categories"]
    income = next(c for c in enc.spec["columns"] if c["name"] == "income")  # the upload page's training range
    seen = ds.features.loc[train, "income"]
    assert income["min"] == pytest.approx(seen.min(), rel=1e-6) and income["max"] == pytest.approx(seen.max(), rel=1e-6)
    x, _ = enc.transform_frame(ds.features, np.flatnonzero(train))
    assert x[:, i].mean().abs() < 1e-4 and (x[:, i].std(unbiased=False) - 1).abs() < 1e-3


def test_missing_values_imputed_with_an_indicator(tmp_path):
    ds, splits = frame_dataset(tmp_path, make_table(400))
    enc = Encoder.fit(ds, splits.mask("train"), "binary")
    assert "age.missing" in enc.feature_names and "income.missing" not in enc.feature_names
    x, _ = enc.transform_frame(ds.features)
    assert not torch.isnan(x).any()
    age_missing = ds.features["age"].isna().to_numpy()
    col = enc.feature_names.index("age.missing")
    assert (x[:, col].numpy() == age_missing).all()
    median_z = (enc.spec["numeric"]["median"][0] - enc.spec["numeric"]["mean"][0]) / enc.spec["numeric"]["std"][0]
    assert np.allclose(x[age_missing, 0].numpy(), median_z, atol=1e-5)


def test_json_round_trip_gives_identical_tensors(tmp_path):
    ds, splits = frame_dataset(tmp_path, make_table(300))
    enc = Encoder.fit(ds, splits.mask("train"), "binary", max_onehot=3)  # city (4 values) becomes an embedding
    enc.save(tmp_path / "encoder.json")
    again = Encoder.load(tmp_path / "encoder.json")
    a, b = enc.transform(ds), again.transform(ds)
    assert torch.equal(a.x, b.x) and torch.equal(a.x_cat, b.x_cat) and torch.equal(a.y, b.y)
    assert b"pickle" not in (tmp_path / "encoder.json").read_bytes()


def test_unseen_categories_go_to_unknown(tmp_path):
    ds, splits = frame_dataset(tmp_path, make_table(300))
    enc = Encoder.fit(ds, splits.mask("train"), "binary", max_onehot=3)
    new = ds.features.head(3).copy()
    new["city"] = ["paris", "atlantis", None]
    new["plan"] = ["basic", "gold", "pro"]
    x, x_cat = enc.transform_frame(new)
    city = [c["name"] for c in enc.embedded].index("city")
    assert x_cat[1, city] == 0 and x_cat[0, city] > 0  # embedding code 0 = unknown
    assert x_cat[2, city] > 0  # missing was seen in training: its own category
    unknown = enc.feature_names.index("plan=<unknown>")
    assert x[:, unknown].tolist() == [0.0, 1.0, 0.0]


def test_dates_are_expanded(tmp_path):
    ds, splits = frame_dataset(tmp_path, make_table(200))
    enc = Encoder.fit(ds, splits.mask("train"), "binary")
    assert {"signup.year", "signup.month", "signup.day_of_week"} <= set(enc.feature_names)


def test_table_preprocess_matches_numpy():
    raw = torch.tensor([[1.0, float("nan")], [3.0, 4.0]])
    pre = TablePreprocess(median=[2.0, 5.0], mean=[1.0, 2.0], std=[2.0, 4.0], indicators=[1])
    out = pre(raw)
    expected = np.array([[0.0, (5 - 2) / 4, 1.0], [1.0, (4 - 2) / 4, 0.0]])
    np.testing.assert_allclose(out.numpy(), expected)


def test_images_normalised_by_training_statistics():
    cfg = tuneup.load_config({"data": {"train": {"path": "builtin:digits-web"}, "target": {"path": "builtin:digits-phone"}}})
    ds = sources.load(cfg)
    splits = assign(ds, cfg.data.split, "multiclass")
    enc = Encoder.fit(ds, splits.mask("train"), "multiclass")
    train_pixels = ds.images[splits.mask("train")].astype(np.float64) / 255
    assert enc.spec["image"]["mean"][0] == pytest.approx(train_pixels.mean(), rel=1e-6)
    assert enc.spec["image"]["std"][0] == pytest.approx(train_pixels.std(), rel=1e-6)
    t = enc.transform(ds, np.flatnonzero(splits.mask("dev")))
    assert t.x.dtype == torch.uint8 and t.inputs()[0].max() <= 1.0


def test_targets_round_trip_per_task():
    cfg = tuneup.load_config({"data": {"train": {"path": "builtin:diabetes"}}})
    ds = sources.load(cfg)
    enc = Encoder.fit(ds, np.ones(len(ds), bool), "regression")
    y = enc.encode_target(ds.y)
    assert abs(float(y.mean())) < 1e-5
    np.testing.assert_allclose(enc.decode_target(y), ds.y.to_numpy(), rtol=1e-5)


def lean_config(tmp_path, df):
    df.to_parquet(tmp_path / "t.parquet", index=False)  # Parquet: one block per column, freed one by one
    return tuneup.load_config({"data": {"train": {"path": str(tmp_path / "t.parquet"), "target": "churn",
                                                  "id": "customer_id"}, "meta": ["region"],
                                     "max_onehot": 3}, "task": "binary"})  # city (4 values): embedded


def test_lean_encoding_consumes_the_table_and_gives_the_same_tensors(tmp_path, monkeypatch):
    from tuneup.pipeline import preparation

    cfg = lean_config(tmp_path, make_table(400))
    ds = sources.load(cfg)
    splits = assign(ds, cfg.data.split, "binary")
    table = ds.features.copy()
    _, held = preparation.encode(ds, splits, cfg)  # a small table is kept
    assert ds._features is not None and ds._reload is None
    monkeypatch.setattr(preparation, "LEAN_BYTES", 0)
    _, lean = preparation.encode(ds, splits, cfg, lean=True)
    assert ds._features is None and ds._reload is not None  # let go of while training
    for split in held:
        a, b = held[split], lean[split]
        assert torch.equal(a.x, b.x) and torch.equal(a.x_cat, b.x_cat) and torch.equal(a.y, b.y)
        assert (a.ids == b.ids).all()
    pd.testing.assert_frame_equal(ds.features, table)  # read again from the file when asked for
    assert ds._reload is None


def test_a_table_that_changed_on_disk_is_not_read_back_silently(tmp_path, monkeypatch):
    from tuneup.pipeline import preparation
    from tuneup.exceptions import DataError

    cfg = lean_config(tmp_path, make_table(400))
    ds = sources.load(cfg)
    monkeypatch.setattr(preparation, "LEAN_BYTES", 0)
    preparation.encode(ds, assign(ds, cfg.data.split, "binary"), cfg, lean=True)
    make_table(300).to_parquet(tmp_path / "t.parquet", index=False)
    with pytest.raises(DataError, match="changed while tuneup was using it"):
        ds.features


@pytest.mark.parametrize("values", [
    ["paris", None, float("nan"), "rome", "atlantis", " paris"],
    [3, 1, None, 2.0, True, "3"],
    [pd.NA, "oslo", pd.NaT, "1.5", 1.5, False],
])
def test_small_batches_take_a_shortcut_to_the_same_category_codes(values, monkeypatch):
    """Served requests (a few rows) skip pandas; every value must land where the bulk path puts it."""
    from tuneup.data import encode

    s = pd.Series(values, dtype=object)
    cats = ["1", "1.5", "3", "False", "True", "oslo", "paris", "rome", encode.MISSING]
    fast = encode._category_codes(s, cats)
    monkeypatch.setattr(encode, "SMALL", 0)
    assert fast.tolist() == encode._category_codes(s, cats).tolist()


@pytest.mark.parametrize("values", [
    ["2021-03-04", "2021-03-04 10:30:00", None, "2021-12-31T23:59:59", " 2020-02-29 "],
    [pd.Timestamp("2021-03-04 05:00"), dt.datetime(2019, 7, 1, 12), float("nan")],
    ["2021-03-04", "03/04/2021", "next tuesday"],  # not ISO: pandas reads them all
    ["2021-03-04T10:00:00+02:00", "2021-03-04"],  # an offset: pandas decides
])
def test_small_batches_read_dates_as_pandas_does(values, monkeypatch):
    from tuneup.data import encode

    column = {"name": "when", "type": "datetime"}
    s = pd.Series(values, dtype=object)
    _, fast, _, _ = encode._column_block(column, s)
    monkeypatch.setattr(encode, "SMALL", 0)
    _, slow, _, _ = encode._column_block(column, s)
    np.testing.assert_array_equal(fast, slow)
