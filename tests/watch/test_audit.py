"""The audit sample is stratified by predicted class and confidence; filled-in labels come back as feedback."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tuneup
from tuneup.exceptions import DataError
from tuneup.watch.audit import CONFIDENCE_EDGES, allocate, audit_sample, import_feedback, strata
from tuneup.watch.log import read_log
from tuneup.watch.scoring import Scorer


def test_allocation_is_equal_and_passes_on_what_small_strata_cannot_use():
    assert allocate(np.array([100, 100, 100, 100]), 40).tolist() == [10, 10, 10, 10]
    assert allocate(np.array([3, 100, 1, 100]), 40).tolist() == [3, 18, 1, 18]
    assert allocate(np.array([3, 4]), 40).tolist() == [3, 4]


def test_the_sample_is_stratified_and_unlabelled(tmp_path, logs, trained_table_run):
    log = read_log(logs("stationary", feedback=0.5))
    sample = audit_sample(log, 80, tmp_path / "audit.csv", "binary", seed=0)
    frame = pd.read_csv(tmp_path / "audit.csv", dtype={"label": str}, keep_default_na=False)
    assert len(frame) == sample.rows == 80
    names, conf = strata(log, "binary")
    pool = pd.Series(names[~log.labelled]).value_counts()
    counts = frame["stratum"].value_counts()
    assert set(counts.index) == set(pool.index)  # every stratum is seen, rare ones included
    for stratum, available in pool.items():  # all of a small stratum, or an equal share (give or take one)
        assert counts[stratum] == available or counts[stratum] >= counts.max() - 1
    unlabelled = set(log.predictions.loc[~log.labelled, "request_id"])
    assert set(frame["request_id"]) <= unlabelled and frame["label"].eq("").all()
    assert {"age", "income", "city", "plan", "signup", "confidence", "prediction", "time"} <= set(frame.columns)
    row = log.predictions.index[log.predictions["request_id"] == frame["request_id"].iloc[0]][0]
    assert frame["confidence"].iloc[0] == pytest.approx(conf[row], abs=1e-4)
    low = frame["confidence"] < CONFIDENCE_EDGES[0]
    assert frame.loc[low, "stratum"].str.endswith("<0.6").all()


def test_filled_labels_come_back_as_feedback(tmp_path, trained_table_run):
    from tests.watch.watchlogs import table_log

    folder = table_log(trained_table_run, tmp_path / "logs", n=400, feedback=0.0)
    report = tuneup.monitor(trained_table_run, folder, audit=60, audit_out=tmp_path / "audit.csv")
    assert report.performance.live.n == 0
    frame = pd.read_csv(tmp_path / "audit.csv", dtype=str, keep_default_na=False)
    frame.loc[:39, "label"] = np.where(np.arange(40) % 2, "yes", "no")
    frame.to_csv(tmp_path / "audit.csv", index=False)
    again = tuneup.monitor(trained_table_run, folder, import_feedback_from=tmp_path / "audit.csv")
    assert again.imported["added"] == 40 and again.imported["empty"] == 20
    assert again.performance.live.n == 40
    log = read_log(folder)
    got = dict(zip(log.predictions["request_id"], log.predictions["label"]))
    assert all(got[r] == lab for r, lab in zip(frame["request_id"][:40], frame["label"][:40]))


def test_a_bad_import_writes_nothing(tmp_path, trained_table_run):
    from tests.watch.watchlogs import table_log

    folder = table_log(trained_table_run, tmp_path / "logs", n=100, feedback=0.0)
    before = sorted(p.name for p in folder.iterdir())
    rid = read_log(folder).predictions["request_id"].iloc[0]
    scorer = Scorer(trained_table_run)
    cases = {
        "unknown.csv": (pd.DataFrame({"request_id": [rid, "feedbeef"], "label": ["yes", "no"]}),
                        r"1 request_id values are not in the log .*feedbeef"),
        "class.csv": (pd.DataFrame({"request_id": [rid], "label": ["maybe"]}),
                      r"label 'maybe' is not one of the run's classes: no, yes"),
        "columns.csv": (pd.DataFrame({"id": [rid], "label": ["yes"]}), r"needs the columns request_id and label"),
    }
    for name, (frame, message) in cases.items():
        frame.to_csv(tmp_path / name, index=False)
        with pytest.raises(DataError, match=message):
            import_feedback(folder, tmp_path / name, scorer)
    assert sorted(p.name for p in folder.iterdir()) == before
