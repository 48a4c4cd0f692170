import numpy as np
import pandas as pd
import pytest

import tuneup
from tests.conftest import make_table, write_image_folder
from tuneup.data import images, sources
from tuneup.data.shift import image_stats
from tuneup.exceptions import DataError


def load(raw):
    return sources.load(tuneup.load_config(raw))


def test_builtin_tables():
    ds = load({"data": {"train": {"path": "builtin:digits"}}})
    assert ds.features.shape == (1797, 64) and ds.kind == "table"
    ds = load({"data": {"train": {"path": "builtin:breast-cancer"}}})
    assert set(ds.y.unique()) == {"malignant", "benign"}
    assert load({"data": {"train": {"path": "builtin:diabetes"}}}).y.dtype.kind == "f"


def test_digits_web_and_phone_are_disjoint_and_phone_looks_worse():
    ds = load({"data": {"train": {"path": "builtin:digits-web"}, "target": {"path": "builtin:digits-phone"}}})
    web, phone = ds.source == "train", ds.source == "target"
    assert web.sum() + phone.sum() == 1797 and web.sum() > phone.sum()
    assert len(set(ds.ids[web]) & set(ds.ids[phone])) == 0
    assert ds.images.shape[1:] == (1, 32, 32)
    a, b = image_stats(ds.images[web]).median(), image_stats(ds.images[phone]).median()
    assert b.brightness < a.brightness and b.contrast < a.contrast
    assert b.sharpness < a.sharpness and b.noise > 5 * a.noise
    assert set(ds.meta.loc[phone, "lighting"]) == {"dim", "daylight"}


def test_unknown_builtin_suggests():
    with pytest.raises(DataError, match="did you mean 'builtin:digits'|did you mean 'digits'"):
        load({"data": {"train": {"path": "builtin:digit"}}})


def test_csv_with_id_meta_and_features(table_csv):
    ds = load({"data": {"train": {"path": str(table_csv), "target": "churn", "id": "customer_id"}, "meta": ["region"]}})
    assert "region" not in ds.features.columns and "region" in ds.meta.columns
    assert "customer_id" not in ds.features.columns and ds.ids[0] == "c00000"
    assert "churn" not in ds.features.columns


def test_parquet_and_semicolon_csv(tmp_path):
    df = make_table(100)
    df.to_parquet(tmp_path / "t.parquet")
    df.to_csv(tmp_path / "t.csv", sep=";", index=False)
    a = load({"data": {"train": {"path": str(tmp_path / "t.parquet"), "target": "churn"}}})
    b = load({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}}})
    assert list(a.features.columns) == list(b.features.columns) and len(a) == len(b) == 100


def test_image_folder_labels_and_cache(tmp_path, monkeypatch):
    root = write_image_folder(tmp_path / "imgs", per_class=5)
    cfg = {"data": {"train": {"path": str(root)}, "images": {"size": 16}}}
    ds = load(cfg)
    assert ds.images.shape == (15, 1, 16, 16) and sorted(ds.y.unique()) == ["0", "1", "2"]
    assert ds.ids[0] == "0/0_000.png"

    def fail(*a, **k):
        raise AssertionError("decoded again despite the cache")

    monkeypatch.setattr(images, "decode_one", fail)
    again = load(cfg)
    np.testing.assert_array_equal(again.images, ds.images)


def test_changed_image_is_decoded_again(tmp_path):
    from PIL import Image

    root = write_image_folder(tmp_path / "imgs", per_class=4)
    cfg = {"data": {"train": {"path": str(root)}, "images": {"size": 16}}}
    before = load(cfg)
    Image.new("L", (16, 16), color=255).save(root / "1" / "1_000.png")
    after = load(cfg)
    i = list(after.ids).index("1/1_000.png")
    assert after.images[i].min() == 255 and before.images[i].min() < 255


def test_image_list_csv(tmp_path):
    root = write_image_folder(tmp_path / "imgs", per_class=4)
    files = sorted(root.rglob("*.png"))
    pd.DataFrame({"file": [str(f.relative_to(tmp_path)) for f in files], "label": [f.parent.name for f in files],
                  "camera": ["a", "b"] * 6}).to_csv(tmp_path / "list.csv", index=False)
    ds = load({"data": {"train": {"path": str(tmp_path / "list.csv"), "target": "label", "image_column": "file"},
                        "images": {"size": 16}}})
    assert len(ds) == 12 and "camera" in ds.meta.columns and ds.kind == "image"


def test_corrupt_image_named_or_skipped(tmp_path):
    root = write_image_folder(tmp_path / "imgs", per_class=4)
    (root / "2" / "broken.png").write_bytes(b"not an image at all")
    cfg = {"data": {"train": {"path": str(root)}, "images": {"size": 16}}}
    with pytest.raises(DataError, match=r"broken\.png: not a readable image.*--skip-bad-files"):
        load(cfg)
    cfg["data"]["skip_bad_files"] = True
    ds = load(cfg)
    assert len(ds) == 12 and ds.sources["train"]["skipped"] == 1


def test_folder_without_images(tmp_path):
    (tmp_path / "empty" / "cats").mkdir(parents=True)
    with pytest.raises(DataError, match="no images found"):
        load({"data": {"train": {"path": str(tmp_path / "empty")}}})


@pytest.mark.parametrize(
    "mutate, pattern",
    [
        (lambda df: df.assign(churn=np.nan), "entirely missing"),
        (lambda df: df.assign(churn="yes"), "single value"),
        (lambda df: df.assign(age=df.age.astype(object).where(df.index % 7 != 0, "n/a?")), r"'age'.*text in \d+ rows.*'n/a\?'"),
        (lambda df: df.assign(income=np.nan), r"'income'.*entirely empty.*data\.drop"),
    ],
)
def test_bad_tables(tmp_path, mutate, pattern):
    mutate(make_table(200)).to_csv(tmp_path / "bad.csv", index=False)
    cfg = tuneup.load_config({"data": {"train": {"path": str(tmp_path / "bad.csv"), "target": "churn"}}})
    with pytest.raises(DataError, match=pattern):
        tuneup.prepare(cfg)


def test_missing_target_column_lists_columns(table_csv):
    with pytest.raises(DataError, match=r"'Churn' is not a column of churn\.csv; did you mean 'churn'.*columns: customer_id, age"):
        load({"data": {"train": {"path": str(table_csv), "target": "Churn"}}})


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load({"data": {"train": {"path": str(tmp_path / "nope.csv"), "target": "y"}}})
    (tmp_path / "bad.csv").write_text('a,b,y\n1,2,3\n4,5,6,7,8\n"unterminated\n')
    with pytest.raises(DataError, match="malformed CSV"):
        load({"data": {"train": {"path": str(tmp_path / "bad.csv"), "target": "y", "sep": ","}}})
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load({"data": {"train": {"path": str(tmp_path / "empty.csv"), "target": "y"}}})


def test_repeated_csv_headers_are_refused_by_name(cli, tmp_path):
    rows = ["colour,size,colour,label,size,label2", *(f"red,{i},blue,{'ab'[i % 2]},{i},x" for i in range(30))]
    (tmp_path / "dup.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"dup\.csv: column names repeat \(colour, size\)"):
        load({"data": {"train": {"path": str(tmp_path / "dup.csv"), "target": "label"}}})
    (tmp_path / "spaced.csv").write_text("a, a,label\n" + "\n".join(f"{i},{i},{i % 2}" for i in range(30)) + "\n")
    with pytest.raises(DataError, match=r"column names repeat \(a\)"):  # ' a' is 'a' once stripped
        load({"data": {"train": {"path": str(tmp_path / "spaced.csv"), "target": "label"}}})
    r = cli("init", "--data", str(tmp_path / "dup.csv"), "--target", "label")
    assert r.code == 2 and "column names repeat (colour, size)" in r.stderr and not (tmp_path / "tuneup.yaml").exists()


def test_rows_without_label_are_dropped_with_warning(tmp_path, capsys):
    df = make_table(100)
    df.loc[:4, "churn"] = np.nan
    df.to_csv(tmp_path / "t.csv", index=False)
    assert len(load({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}}})) == 95
    assert "5 rows have no label" in capsys.readouterr().err


def test_target_source_needs_the_same_features(tmp_path):
    make_table(100).to_csv(tmp_path / "a.csv", index=False)
    make_table(50).drop(columns=["income"]).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(DataError, match="lacks feature columns of data.train: income"):
        load({"data": {"train": {"path": str(tmp_path / "a.csv"), "target": "churn"},
                       "target": {"path": str(tmp_path / "b.csv"), "target": "churn"}}})


def test_ids_are_text_row_positions_per_source_and_name_the_target_source(tmp_path):
    """README, the run folder: the id is the user's id column when given, else the 0-based row position in
    its file; the target source's ids say so ("target:17")."""
    make_table(30).drop(columns=["customer_id"]).to_csv(tmp_path / "a.csv", index=False)
    make_table(20, seed=1).drop(columns=["customer_id"]).to_csv(tmp_path / "b.csv", index=False)
    one = load({"data": {"train": {"path": str(tmp_path / "a.csv"), "target": "churn"}}})
    assert list(one.ids[:3]) == ["0", "1", "2"] and all(isinstance(i, str) for i in one.ids)
    two = load({"data": {"train": {"path": str(tmp_path / "a.csv"), "target": "churn"},
                         "target": {"path": str(tmp_path / "b.csv"), "target": "churn"}}})
    assert list(two.ids[two.source == "train"][:2]) == ["0", "1"]
    assert list(two.ids[two.source == "target"][:2]) == ["target:0", "target:1"] and len(set(two.ids)) == 50


def test_image_ids_are_paths_in_their_folder_with_the_target_source_named(tmp_path):
    web = write_image_folder(tmp_path / "web", per_class=4)
    phone = write_image_folder(tmp_path / "phone", per_class=3, seed=1)
    ds = load({"data": {"train": {"path": str(web)}, "target": {"path": str(phone)}, "images": {"size": 16}}})
    assert ds.ids[ds.source == "train"][0] == "0/0_000.png"
    assert ds.ids[ds.source == "target"][0] == "target:0/0_000.png"  # the same file name in the other folder


def test_old_runs_plain_target_image_ids_still_join(tmp_path):
    """Runs saved before the target source's image ids named it: their splits and predictions keep working."""
    web = write_image_folder(tmp_path / "web", per_class=3, classes=("0", "1"))
    phone = write_image_folder(tmp_path / "phone", per_class=2, classes=("2", "3"), seed=1)
    cfg = {"data": {"train": {"path": str(web)}, "target": {"path": str(phone)}, "images": {"size": 16}}}
    ds = load(cfg)
    old = np.array([i.removeprefix("target:") for i in ds.ids])
    assert sources.as_saved(ds, ds.ids).ids[-1].startswith("target:")
    np.testing.assert_array_equal(sources.as_saved(load(cfg), old).ids, old)


@pytest.mark.parametrize("missing", [False, True])
def test_integer_coded_labels_stay_integers(tmp_path, missing):
    """A missing label makes pandas read a 0/1 column as 0.0/1.0: classes must still be 0 and 1."""
    df = make_table(60)
    df["churn"] = (df["churn"] == "yes").astype(float)
    if missing:
        df.loc[:2, "churn"] = np.nan
    df.to_csv(tmp_path / "t.csv", index=False)
    ds = load({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}}})
    assert ds.y.dtype.kind == "i" and sorted(ds.y.unique().tolist()) == [0, 1]
    assert str(ds.y.iloc[0]) in {"0", "1"}


def test_old_runs_row_positions_counted_after_dropping_still_join(tmp_path):
    df = make_table(40).drop(columns=["customer_id"])
    df.loc[[3, 7], "churn"] = np.nan
    df.to_csv(tmp_path / "t.csv", index=False)
    cfg = {"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}}}
    ds = load(cfg)
    assert "3" not in ds.ids and ds.ids[3] == "4"  # the row's position in the file
    old = np.arange(38).astype(str)
    np.testing.assert_array_equal(sources.as_saved(load(cfg), old).ids, old)
    np.testing.assert_array_equal(sources.as_saved(load(cfg), ds.ids).ids, ds.ids)
