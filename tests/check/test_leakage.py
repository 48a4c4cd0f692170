import numpy as np

import tuneup
from tests.conftest import make_table, table_config


def _config(tmp_path, df):
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    return table_config(path)


def test_planted_leak_is_flagged_and_honest_columns_are_not(tmp_path):
    rng = np.random.default_rng(0)
    df = make_table(600, seed=0)
    # recorded after the outcome: the label plus a little noise, and a text code derived from it
    df["refund_amount"] = (df["churn"] == "yes") * 50.0 + rng.normal(0, 5, len(df))
    df["status"] = np.where(df["churn"] == "yes", "closed", "open")
    report = tuneup.check(_config(tmp_path, df))
    leaks = {f.columns[0]: f for f in report.errors if f.check == "leakage"}
    assert set(leaks) == {"refund_amount", "status"}
    scores = {r["column"]: r["score"] for r in report.sections["leakage"]["features"]}
    assert scores["refund_amount"] > 0.98 and scores["status"] == 1.0
    for honest in ("age", "income", "city", "plan", "signup"):
        assert scores[honest] < 0.9, honest
    assert "balanced_accuracy" in leaks["status"].title and "on dev" in leaks["status"].title
    assert leaks["status"].set == {"data.drop": ["status"]}


def test_holdout_score_equals_sklearn_on_the_same_rows(tmp_path):
    """The leak score is a real holdout score: a tree fitted on train, balanced accuracy on dev."""
    from sklearn.metrics import balanced_accuracy_score

    from tuneup.checks import leakage
    from tuneup.checks.context import load
    from tuneup.config import load_config

    df = make_table(500, seed=1)
    data = load(load_config(_config(tmp_path, df)))
    fit, score = data.rows("train"), data.rows("dev")
    y = data.label_codes[0]
    x = data.column_values("age")
    tree = leakage.small_tree(classify=True, seed=data.seed)
    tree.fit(x[fit, None], y[fit])
    expected = balanced_accuracy_score(y[score], tree.predict(x[score, None]))
    assert leakage.single_feature_score(data, "age", fit, score, y) == expected


def test_regression_leak_uses_r2(tmp_path):
    df = make_table(400, seed=2).drop(columns=["churn"])
    rng = np.random.default_rng(2)
    df["spend"] = df["income"] * 0.01 + rng.normal(0, 30, len(df))
    df["spend_copy"] = df["spend"] * 1.000001
    path = tmp_path / "data.csv"
    df.to_csv(path, index=False)
    cfg = table_config(path)
    cfg["data"]["train"]["target"] = "spend"
    report = tuneup.check(cfg)
    assert report.sections["leakage"]["scorer"] == "r2"
    assert [f.columns for f in report.errors if f.check == "leakage"] == [["spend_copy"]]
