"""Examples joined with the run's data: a column of the user's may have any name, the names of the
predictions' own columns (id, y_true, y_pred, score, p:<class>, loss) included, end to end."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tests.conftest import make_table

# every name the predictions file, the examples or their records use for themselves
CLASHING = ["id", "y_true", "y_pred", "score", "p:yes", "p:no", "residual", "loss", "error", "p_pred", "p_true",
            "tags", "split"]


@pytest.fixture
def clashing_table(tmp_path):
    rng = np.random.default_rng(1)
    df = make_table(300)
    for i, name in enumerate(CLASHING):
        df[name] = rng.normal(size=len(df)) if i % 2 else rng.choice(["a", "b", "c"], len(df))
    df["source"] = rng.choice(["shop", "web"], len(df))  # a feature named like the metadata's `source`
    df.to_csv(tmp_path / "clash.csv", index=False)
    (tmp_path / "tuneup.yaml").write_text(
        "name: clash\ndata:\n  train: {path: clash.csv, target: churn, id: customer_id}\n"
        "  meta: [region, score]\nmodel: {hidden: [16]}\ntrain: {epochs: 3}\n")
    return df


def test_columns_named_like_the_predictions_work_end_to_end(cli, clashing_table, tmp_path):
    r = cli("run", "tuneup.yaml", "--json")
    assert r.code == 0, r.stderr[-2000:]
    run = json.loads(r.stdout)
    assert (tmp_path / run["report"]).exists()

    r = cli("errors", run["path"], "--by", "loss", "--by", "y_true", "--by", "feature:source", "--by", "score",
            "--sample", "20", "--json")
    assert r.code == 0, r.stderr[-2000:]
    report = json.loads(r.stdout)
    preds = pd.read_parquet(f"{run['path']}/predictions/dev.parquet").set_index("id")
    assert [s["column"] for s in report["slices"]] == ["loss", "y_true", "feature:source", "score"]  # the user's
    # the user's y_true (numbers, in quantile bins), not the labels yes/no
    assert len(report["slices"][1]["rows"]) == 5 and not {x["value"] for x in report["slices"][1]["rows"]} & {"yes", "no"}
    assert {x["value"] for x in report["slices"][2]["rows"]} == {"shop", "web"}
    data = clashing_table.set_index("customer_id")
    for record in report["top_losses"]:
        mine = preds.loc[record["id"]]  # the example's id, truth, prediction and loss; not the user's columns
        assert (record["y_true"], record["y_pred"]) == (mine["y_true"], mine["y_pred"])
        assert record["loss"] == pytest.approx(mine["loss"]) and record["score"] == pytest.approx(mine["score"])
        columns = record["columns"]
        for name in ("y_true", "y_pred", "loss", "id", "p:yes", "tags", "feature:source", "score"):
            want = data.loc[record["id"], name.removeprefix("feature:")]
            assert columns[name] == (pytest.approx(want) if isinstance(want, float) else want), name

    sample = pd.read_csv(report["sample"]["csv"]).set_index("id")
    assert len(sample) == report["sample"]["n"] > 0 and sample["tags"].isna().all()  # empty, to be filled in
    assert (sample["y_true"] == preds.loc[sample.index, "y_true"]).all()
    assert (sample["column:y_true"] == data.loc[sample.index, "y_true"]).all()
    assert sample["column:loss"].to_numpy() == pytest.approx(data.loc[sample.index, "loss"].to_numpy())
    r = cli("errors", run["path"], "--tags", report["sample"]["csv"], "--json")  # the sample reads back as tags
    assert r.code == 0, r.stderr[-2000:]
    r = cli("report", run["path"])
    assert r.code == 0, r.stderr[-2000:]


def test_the_metadatas_own_source_column_is_reserved(clashing_table, tmp_path, cli):
    (tmp_path / "tuneup.yaml").write_text("data:\n  train: {path: clash.csv, target: churn}\n  meta: [source]\n")
    r = cli("run", "tuneup.yaml")
    assert r.code == 2, r.stderr[-2000:]
    assert "data.meta: 'source' is a name tuneup's metadata uses" in r.stderr
