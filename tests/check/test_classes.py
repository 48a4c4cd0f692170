import numpy as np
import pandas as pd

import tuneup
from tests.conftest import make_table, table_config


def _config(tmp_path, df, **extra):
    df.to_csv(tmp_path / "data.csv", index=False)
    return table_config(tmp_path / "data.csv", **extra)


def test_skewed_classes_come_with_advice(tmp_path):
    df = make_table(600, seed=0)
    rng = np.random.default_rng(0)
    df["churn"] = np.where(rng.random(len(df)) < 0.08, "yes", "no")
    report = tuneup.check(_config(tmp_path, df, metric="accuracy"))
    section = report.sections["classes"]
    counts = {c["class"]: c["count"] for c in section["classes"]}
    assert counts == df["churn"].value_counts().to_dict()
    for c in section["classes"]:
        assert sum(c["splits"].values()) == c["count"]
    assert section["skewed"]
    assert np.isclose(section["imbalance_ratio"], counts["no"] / counts["yes"])
    finding = next(f for f in report.warnings if f.check == "classes")
    assert finding.set == {"metric": "f1", "train.class_weights": "balanced"}
    assert "threshold" in finding.advice and "F1" in finding.advice


def test_advice_follows_the_config(tmp_path):
    df = make_table(600, seed=0)
    df["churn"] = np.where(np.random.default_rng(1).random(len(df)) < 0.1, "yes", "no")
    report = tuneup.check(_config(tmp_path, df, metric="f1", train={"class_weights": "balanced", "epochs": 1}))
    finding = next(f for f in report.warnings if f.check == "classes")
    assert finding.set == {}  # nothing left to change


def test_balanced_classes_are_not_flagged(tmp_path):
    report = tuneup.check(_config(tmp_path, make_table(400, seed=2)))
    assert not [f for f in report.findings if f.check == "classes"]


def test_classes_missing_from_dev_and_train(tmp_path):
    train, target = make_table(300, seed=0), make_table(120, seed=1)
    target["customer_id"] = [f"t{i}" for i in range(len(target))]
    target.loc[:2, "churn"] = "maybe"  # three examples of a class training never saw
    train.to_csv(tmp_path / "web.csv", index=False)
    target.to_csv(tmp_path / "phone.csv", index=False)
    cfg = table_config(tmp_path / "web.csv")
    cfg["data"]["target"] = {"path": str(tmp_path / "phone.csv"), "target": "churn", "id": "customer_id"}
    report = tuneup.check(cfg)
    titles = [f.title for f in report.warnings if f.check == "classes"]
    assert any("never appear in train" in t and "'maybe'" in t for t in titles)
    assert any(t.startswith("dev:") or t.startswith("test:") for t in titles)


def test_values_seen_only_outside_train_are_flagged(tmp_path):
    train, target = make_table(400, seed=0), make_table(200, seed=1)
    target["customer_id"] = [f"t{i}" for i in range(len(target))]
    target.loc[target.index[:60], "city"] = "tokyo"
    train.to_csv(tmp_path / "web.csv", index=False)
    target.to_csv(tmp_path / "phone.csv", index=False)
    cfg = table_config(tmp_path / "web.csv")
    cfg["data"]["target"] = {"path": str(tmp_path / "phone.csv"), "target": "churn", "id": "customer_id"}
    report = tuneup.check(cfg)
    found = [f for f in report.warnings if f.check == "split_values"]
    assert [f.columns for f in found] == [["city"]]
    assert "'tokyo'" in found[0].title
    city = next(c for c in report.sections["split_values"]["columns"] if c["column"] == "city")
    tokyo_rows = pd.Series(report.sections["split_values"]["columns"][0]["splits"]).map(lambda s: s["rows"]).sum()
    assert city["splits"]["dev"]["values"] == ["tokyo"] and tokyo_rows == 60
