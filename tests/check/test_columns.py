import numpy as np
import pandas as pd

import tuneup
from tests.conftest import make_table, table_config


def _write(tmp_path, df, **extra):
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return table_config(path, **extra)


def test_missing_counts_equal_pandas(tmp_path):
    rng = np.random.default_rng(3)
    df = make_table(500, seed=3)
    df["score"] = rng.normal(0, 1, len(df))
    df.loc[rng.random(len(df)) < 0.3, "score"] = np.nan
    df["vip"] = rng.choice(["yes", "no"], len(df))
    df.loc[rng.random(len(df)) < 0.2, "vip"] = np.nan
    df.loc[rng.random(len(df)) < 0.15, "signup"] = np.nan
    df.loc[rng.random(len(df)) < 0.07, "plan"] = np.nan
    df.loc[rng.random(len(df)) < 0.04, "income"] = np.nan
    report = tuneup.check(_write(tmp_path, df))
    summaries = {c["column"]: c for c in report.sections["columns"]["columns"]}
    expected = df.drop(columns=["customer_id", "churn", "region"]).isna().sum()  # id, label and meta are not features
    assert set(summaries) == set(expected.index)
    for column, count in expected.items():
        assert summaries[column]["missing"] == count, column
        assert summaries[column]["missing_share"] == count / len(df)
    assert expected.min() > 0  # every column really had missing values to count


def test_numeric_summary_matches_numpy(tmp_path):
    df = make_table(400, seed=1)
    report = tuneup.check(_write(tmp_path, df))
    age = next(c for c in report.sections["columns"]["columns"] if c["column"] == "age")
    values = df["age"].dropna().to_numpy()
    assert age["min"] == values.min() and age["max"] == values.max()
    assert np.isclose(age["mean"], values.mean())
    assert np.allclose([age["quantiles"][k] for k in ("p5", "p25", "p50", "p75", "p95")],
                       np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95]))
    assert sum(age["histogram"]["counts"]) == len(values)
    assert age["distinct"] == len(np.unique(values))
    city = next(c for c in report.sections["columns"]["columns"] if c["column"] == "city")
    counts = df["city"].value_counts()
    assert {t["value"]: t["count"] for t in city["top"]} == counts.to_dict()


def test_constant_and_identifier_columns_are_flagged(tmp_path):
    df = make_table(300, seed=2)
    df["country"] = "fr"
    df["ticket"] = [f"t-{i:06x}" for i in np.random.default_rng(0).permutation(len(df))]
    df["row"] = np.arange(len(df)) + 1000
    report = tuneup.check(_write(tmp_path, df))
    found = {f.title: f for f in report.findings if f.check == "columns"}
    constant = next(f for f in found.values() if "single value" in f.title)
    ids = next(f for f in found.values() if "identifier-like" in f.title)
    assert constant.columns == ["country"]
    assert sorted(ids.columns) == ["row", "ticket"]
    assert sorted(ids.set["data.drop"]) == ["row", "ticket"]
    honest = {"age", "income", "city", "plan", "signup"}
    flagged = {c for f in report.findings for c in f.columns if f.check == "columns" and f.severity == "warning"}
    assert not honest & flagged


def test_regression_target_summary(tmp_path):
    df = make_table(300, seed=4)
    df["spend"] = np.random.default_rng(4).gamma(2.0, 50.0, len(df))
    cfg = _write(tmp_path, df.drop(columns=["churn"]))
    cfg["data"]["train"]["target"] = "spend"
    report = tuneup.check(cfg)
    target = report.sections["columns"]["target"]
    assert report.overview["task"] == "regression"
    assert np.isclose(target["mean"], df["spend"].mean()) and target["max"] == df["spend"].max()
    assert "skipped" in report.sections["classes"]
    assert "skipped" in report.sections["label_errors"]


def test_image_statistics_are_summarised(tmp_path):
    from tests.conftest import write_image_folder

    write_image_folder(tmp_path / "imgs", per_class=8)
    report = tuneup.check({"name": "img", "data": {"train": {"path": str(tmp_path / "imgs")}, "images": {"size": 16}}})
    names = [c["column"] for c in report.sections["columns"]["columns"]]
    assert names == ["brightness", "contrast", "sharpness", "noise", "background"]
    assert report.sections["columns"]["image_shape"] == [1, 16, 16]
    assert pd.Series([c["rows"] for c in report.sections["columns"]["columns"]]).eq(24).all()


def test_a_table_with_nothing_to_learn_from_still_checks(tmp_path):
    n = 120
    df = pd.DataFrame({"ticket": [f"t{i}" for i in range(n)], "site": "lyon",
                       "churn": np.random.default_rng(0).choice(["yes", "no"], n)})
    target = df.assign(ticket=[f"u{i}" for i in range(n)])
    df.to_csv(tmp_path / "a.csv", index=False)
    target.to_csv(tmp_path / "b.csv", index=False)
    report = tuneup.check({"name": "bare", "data": {"train": {"path": str(tmp_path / "a.csv"), "target": "churn"},
                                                    "target": {"path": str(tmp_path / "b.csv"), "target": "churn"}}})
    assert "skipped" in report.sections["label_errors"]
    assert {c for f in report.warnings if f.check == "columns" for c in f.columns} == {"ticket", "site"}
    assert "domain_classifier" not in report.sections["shift"]["train_vs_target"]
