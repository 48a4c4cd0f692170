"""The labelled production examples become a data source the next round trains on."""
from __future__ import annotations

import pandas as pd
import pytest

import tuneup
from tuneup.exceptions import DataError
from tuneup.watch.log import read_log


def test_export_is_a_data_target_that_loads(tmp_path, logs, trained_table_run):
    folder = logs("age", drift={"age": 0.8}, drift_from=0.5)
    out = tmp_path / "next" / "production.csv"
    report = tuneup.monitor(trained_table_run, folder, export_new_data_to=out)
    new = report.new_data
    log = read_log(folder)
    assert new.rows == log.labelled.sum() and new.new_labels == []
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["request_id", "age", "income", "city", "plan", "signup", "region", "label"]
    assert frame["region"].isna().all()  # data.meta: the server does not log it; empty, so the config still loads
    train = trained_table_run.config.data.train
    cfg = tuneup.load_config({
        "name": "next", "data": {"train": {"path": train.path, "target": train.target, "id": train.id},
                                 "meta": ["region"], "target": new.source},
        "runs_dir": str(tmp_path / "runs"),
    })
    prepared = tuneup.prepare(cfg)
    targets = prepared.dataset.source == "target"
    assert targets.sum() == new.rows
    assert set(prepared.splits.split[targets]) == {"dev", "test"}
    ids = set(prepared.dataset.ids[targets])
    assert ids == set(frame["request_id"].astype(str)) or ids == {f"target:{i}" for i in frame["request_id"]}


def test_nothing_to_export_without_labels(tmp_path, trained_table_run):
    from tests.watch.watchlogs import table_log

    folder = table_log(trained_table_run, tmp_path / "logs", n=100, feedback=0.0)
    with pytest.raises(DataError, match="no labelled predictions yet"):
        tuneup.monitor(trained_table_run, folder, export_new_data_to=tmp_path / "new.csv")
    assert not (tmp_path / "new.csv").exists()


@pytest.mark.slow
def test_image_export_copies_images_and_loads(tmp_path, trained_image_run):
    from loggen import simulate

    folder = simulate(trained_image_run, tmp_path / "logs", n=120, feedback=0.8, splits=("dev", "test"))
    out = tmp_path / "next" / "phone.csv"
    report = tuneup.monitor(trained_image_run, folder, export_new_data_to=out)
    frame = pd.read_csv(out)
    assert report.new_data.rows == len(frame) == read_log(folder).labelled.sum()
    assert all((out.parent / p).is_file() for p in frame["image"])
    cfg = tuneup.load_config({"name": "phone", "data": {"train": {"path": "builtin:digits-web"},
                                                        "target": report.new_data.source,
                                                        "images": {"size": 8, "channels": 1}},
                              "runs_dir": str(tmp_path / "runs")})
    prepared = tuneup.prepare(cfg)
    assert (prepared.dataset.source == "target").sum() == len(frame)


def test_the_label_and_id_columns_never_take_an_inputs_name():
    from tuneup.watch.nextgen import _free

    assert _free("label", ["age", "city"]) == "label"
    assert _free("label", ["label", "_label", "age"]) == "__label"  # a feature called `label` keeps its name
