import numpy as np
import pandas as pd

import tuneup
from tests.conftest import make_table, table_config, write_image_folder


def _two_sources(tmp_path, train: pd.DataFrame, target: pd.DataFrame) -> dict:
    train.to_csv(tmp_path / "web.csv", index=False)
    target.to_csv(tmp_path / "phone.csv", index=False)
    cfg = table_config(tmp_path / "web.csv")
    cfg["data"]["target"] = {"path": str(tmp_path / "phone.csv"), "target": "churn", "id": "customer_id"}
    return cfg


def test_planted_train_test_copies_are_errors(tmp_path):
    train, target = make_table(400, seed=0), make_table(200, seed=1)
    target["customer_id"] = [f"p{i:05d}" for i in range(len(target))]
    copies = train.iloc[[3, 50, 120, 121, 300]].copy()
    copies["customer_id"] = [f"copy{i}" for i in range(len(copies))]
    near = train.iloc[[10, 11]].copy()
    near["customer_id"] = ["near0", "near1"]
    near["city"] = near["city"].str.upper() + " "  # the same example, typed differently
    near["income"] = near["income"] * (1 + 2e-6)
    target = pd.concat([target, copies, near], ignore_index=True)
    report = tuneup.check(_two_sources(tmp_path, train, target))
    errors = [f for f in report.errors if f.check == "duplicates"]
    assert len(errors) == 1
    result = report.sections["duplicates"]["train_vs_holdout"]
    assert result["exact"] == 5 and result["near"] == 2
    pairs = {(e["id"], e["twin"]) for e in result["examples"]}
    assert {("copy0", "c00003"), ("copy4", "c00300"), ("near0", "c00010"), ("near1", "c00011")} <= pairs
    assert "5 exact" in errors[0].title and "2 near" in errors[0].title


def test_clean_data_has_no_duplicate_findings(tmp_path):
    report = tuneup.check(_two_sources(tmp_path, make_table(400, seed=0), make_table(200, seed=1).assign(
        customer_id=[f"p{i}" for i in range(200)])))
    assert not [f for f in report.findings if f.check == "duplicates"]
    assert report.sections["duplicates"]["train_vs_holdout"]["exact"] == 0


def test_copies_within_one_source_land_across_splits(tmp_path):
    df = make_table(500, seed=5)
    copies = df.iloc[:60].copy()
    copies["customer_id"] = [f"dup{i}" for i in range(60)]
    path = tmp_path / "data.csv"
    pd.concat([df, copies]).to_csv(path, index=False)
    report = tuneup.check(table_config(path))
    within = report.sections["duplicates"]["within"]
    assert within["exact_copies"] == 60
    across = report.sections["duplicates"]["train_vs_holdout"]
    split = pd.Series(report.sections["duplicates"]["train_vs_holdout"]["by_split"])
    assert across["exact"] > 0 and set(split.index) <= {"dev", "test"}
    assert any(f.severity == "error" and f.check == "duplicates" for f in report.findings)


def test_identifier_columns_do_not_hide_copies(tmp_path):
    df = make_table(300, seed=6)
    df["ticket"] = [f"t{i}" for i in range(len(df))]
    copies = df.iloc[:40].copy()
    copies["customer_id"] = [f"dup{i}" for i in range(40)]
    copies["ticket"] = [f"new{i}" for i in range(40)]  # a fresh transaction id on the same example
    path = tmp_path / "data.csv"
    pd.concat([df, copies]).to_csv(path, index=False)
    report = tuneup.check(table_config(path))
    assert "ticket" not in report.sections["duplicates"]["compared_on"]
    assert report.sections["duplicates"]["within"]["exact_copies"] == 40


def test_coarse_features_downgrade_cross_split_copies(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"a": rng.choice(["x", "y"], n), "b": rng.choice(["u", "v", "w"], n),
                       "label": rng.choice(["yes", "no"], n)})
    df.to_csv(tmp_path / "coarse.csv", index=False)
    source = {"path": str(tmp_path / "coarse.csv"), "target": "label"}
    report = tuneup.check({"name": "coarse", "data": {"train": source}})
    assert report.sections["duplicates"]["coarse"]
    found = [f for f in report.findings if f.check == "duplicates" and "dev/test" in f.title]
    assert found and all(f.severity == "warning" for f in found)
    assert "expected by chance" in found[0].advice


def _brighter(path, factor):
    from PIL import Image, ImageEnhance

    img = Image.open(path)
    return ImageEnhance.Brightness(img.convert("L")).enhance(factor)


def test_planted_image_copies_are_errors(tmp_path):
    import shutil

    train = write_image_folder(tmp_path / "web", per_class=12, size=16, seed=0)
    target = write_image_folder(tmp_path / "phone", per_class=6, size=16, seed=1)
    shutil.copy(train / "0" / "0_001.png", target / "0" / "copy_exact.png")
    _brighter(train / "1" / "1_002.png", 0.8).save(target / "1" / "copy_darker.png")
    cfg = {"name": "img", "data": {"train": {"path": str(train)}, "target": {"path": str(tmp_path / "phone")},
                                   "images": {"size": 16}}}
    report = tuneup.check(cfg)
    result = report.sections["duplicates"]["train_vs_holdout"]
    assert result["exact"] >= 1 and result["near"] >= 1
    found = {(e["id"], e["match"]) for e in result["examples"]}
    assert any("copy_exact" in i and m == "exact" for i, m in found)
    assert any("copy_darker" in i and m == "near" for i, m in found)
    assert any(f.check == "duplicates" and f.severity == "error" for f in report.findings)


def test_web_and_phone_digits_are_not_called_copies():
    """Different digits drawn alike must not pass for copies: the demo would stop on a false error."""
    import numpy as np

    from tuneup.checks import hashing
    from tuneup.data import builtins

    pools = builtins.digits_pools()
    images = np.concatenate([pools["web"][1], pools["phone"][1]])
    web = np.arange(len(pools["web"][1]))
    phone = np.arange(len(web), len(images))
    assert len(hashing.near_pairs(hashing.difference_hashes(images), images, web, phone)) == 0
    assert len(np.intersect1d(hashing.pixel_hashes(images[web]), hashing.pixel_hashes(images[phone]))) == 0


def test_conflicting_labels_are_found(tmp_path):
    df = make_table(300, seed=7)
    clash = df.iloc[[5, 6, 7]].copy()
    clash["customer_id"] = ["x5", "x6", "x7"]
    clash["churn"] = np.where(clash["churn"] == "yes", "no", "yes")
    path = tmp_path / "data.csv"
    pd.concat([df, clash]).to_csv(path, index=False)
    report = tuneup.check(table_config(path))
    section = report.sections["conflicting_labels"]
    assert section["groups"] == 3 and section["rows"] == 6
    ids = {e["id"] for g in section["examples"] for e in g["examples"]}
    assert {"c00005", "x5", "c00006", "x6", "c00007", "x7"} == ids
    assert any(f.check == "conflicting_labels" for f in report.warnings)


def test_one_copy_is_said_in_the_singular():
    from tuneup.checks.duplicates import across_finding

    result = {"exact": 1, "near": 0, "share": 0.01,
              "examples": [{"id": "7", "split": "dev", "twin": "3", "twin_split": "train"}]}
    f = across_finding("train_vs_holdout", result, "error", False, 0.0)
    assert f.title.startswith("1 dev/test example is a copy of a training example (1 exact;")
    result["exact"] = 2
    assert across_finding("train_vs_holdout", result, "error", False, 0.0).title.startswith(
        "2 dev/test examples are copies of training examples")
