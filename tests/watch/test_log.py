"""The prediction log contract: what the server writes is what monitor reads, and bad logs say where."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from tuneup.exceptions import DataError, UserError
from tuneup.watch.log import append_feedback, parse_since, read_log

PREDICTION_KEYS = {"type", "time", "request_id", "model", "variant", "client", "input", "prediction",
                   "probabilities", "score", "threshold", "latency_ms"}


def line(kind="prediction", rid="a1", time="2026-03-01T10:00:00Z", **extra) -> str:
    record = {"type": kind, "time": time, "request_id": rid}
    if kind == "prediction":
        record.update({"model": "m", "variant": "primary", "client": None, "input": {"x": 1.5, "c": "a"},
                       "prediction": "yes", "probabilities": {"no": 0.2, "yes": 0.8}, "score": 0.8,
                       "threshold": 0.5, "latency_ms": 1.0})
    record.update(extra)
    return json.dumps(record)


def write(path, *lines, end="\n"):
    path.write_text("\n".join(lines) + end)
    return path


def test_generated_lines_follow_the_contract(logs, trained_table_run):
    folder = logs("stationary", feedback=0.5)
    rows = [json.loads(text) for f in sorted(folder.glob("log-*.jsonl")) for text in f.read_text().splitlines()]
    predictions = [r for r in rows if r["type"] == "prediction"]
    feedback = [r for r in rows if r["type"] == "feedback"]
    assert all(set(r) == PREDICTION_KEYS for r in predictions)
    assert all(set(r) == {"type", "time", "request_id", "label"} for r in feedback)
    features = {c["name"] for c in trained_table_run.encoder.spec["columns"]}
    assert all(set(r["input"]) == features for r in predictions)
    assert all(r["model"] == trained_table_run.name and r["variant"] == "primary" for r in predictions)
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-6 for r in predictions)

    log = read_log(folder)
    assert len(log.predictions) == len(predictions) == 2000
    assert len(log.feedback) == len(feedback) and log.labelled.sum() == len(feedback)
    assert log.predictions["time"].is_monotonic_increasing
    first = predictions[0]
    row = log.predictions.index[log.predictions["request_id"] == first["request_id"]][0]
    assert log.predictions.loc[row, "score"] == pytest.approx(first["score"])
    assert log.inputs.loc[row, "income"] == pytest.approx(first["input"]["income"])
    assert log.probabilities.loc[row, "yes"] == pytest.approx(first["probabilities"]["yes"])


def test_last_feedback_wins_and_joins_on_request_id(tmp_path):
    log = read_log(write(tmp_path / "log-1.jsonl", line(rid="a1"), line(rid="b2"),
                         line("feedback", rid="a1", label="no", time="2026-03-02T00:00:00Z"),
                         line("feedback", rid="a1", label="yes", time="2026-03-03T00:00:00Z"),
                         line("feedback", rid="zz", label="no")))
    labels = dict(zip(log.predictions["request_id"], log.predictions["label"]))
    assert labels["a1"] == "yes" and pd.isna(labels["b2"])
    assert len(log.feedback) == 3


def test_a_cut_last_line_is_skipped_and_counted(tmp_path):
    path = write(tmp_path / "log-1.jsonl", line(rid="a1"), line(rid="b2"), end="\n")
    path.write_text(path.read_text() + line(rid="c3")[:40])
    log = read_log(path)
    assert list(log.predictions["request_id"]) == ["a1", "b2"] and log.truncated == 1
    whole = write(tmp_path / "log-2.jsonl", line(rid="a1"), end="")  # complete, just no newline: kept
    assert read_log(whole).truncated == 0 and len(read_log(whole).predictions) == 1


def test_a_cut_last_line_in_each_rotated_file_is_tolerated(tmp_path):
    (tmp_path / "log-0001.jsonl").write_text(line(rid="a1") + "\n" + line(rid="b2")[:30])
    write(tmp_path / "log-0002.jsonl", line(rid="c3", time="2026-03-02T00:00:00Z"))
    log = read_log(tmp_path)
    assert list(log.predictions["request_id"]) == ["a1", "c3"] and log.truncated == 1


@pytest.mark.parametrize("bad, problem", [
    ('{"type": "prediction", "time": ', "not a JSON object"),
    ("[1, 2]", "expected a JSON object per line"),
    ('{"time": "2026-03-01T00:00:00Z", "request_id": "x"}', 'without "type"'),
    ('{"type": "prediction", "time": "2026-03-01T00:00:00Z", "prediction": "no"}', 'without "request_id"'),
    ('{"type": "feedback", "time": "2026-03-01T00:00:00Z", "request_id": "x"}', 'without "label"'),
])
def test_a_malformed_line_names_file_and_line(tmp_path, bad, problem):
    path = write(tmp_path / "log-1.jsonl", line(rid="a1"), "", bad, line(rid="b2"))
    with pytest.raises(DataError, match=rf"log-1\.jsonl:3: .*{problem}"):
        read_log(path)


def test_a_bad_time_names_its_line(tmp_path):
    path = write(tmp_path / "log-1.jsonl", line(rid="a1"), line(rid="b2", time="yesterday"))
    with pytest.raises(DataError, match=r"log-1\.jsonl:2: \"time\" 'yesterday' is not an ISO-8601 time"):
        read_log(path)


def test_mixed_value_types_and_time_forms_are_read(tmp_path):
    log = read_log(write(tmp_path / "log-1.jsonl",
                         line(rid="a1", time="2026-03-01T10:00:00+02:00", input={"x": 1, "c": "a"}),
                         line(rid="b2", time="2026-03-01T09:00:00", input={"x": "2.5", "c": 7}),
                         line("heartbeat", rid="-")))
    assert list(log.predictions["request_id"]) == ["a1", "b2"]  # 08:00 UTC before 09:00 UTC
    assert log.predictions["time"].iloc[0] == pd.Timestamp("2026-03-01T08:00:00Z")
    assert list(log.inputs["x"]) == [1, "2.5"] and log.ignored == {"heartbeat": 1}


def test_missing_or_empty_logs_are_user_errors(tmp_path):
    with pytest.raises(DataError, match="no such file or folder"):
        read_log(tmp_path / "nowhere")
    (tmp_path / "other.jsonl").write_text(line())
    with pytest.raises(DataError, match=r"no prediction log files \(log-\*\.jsonl\).*other\.jsonl"):
        read_log(tmp_path)


def test_since_keeps_later_predictions_and_all_feedback(tmp_path):
    path = write(tmp_path / "log-1.jsonl", line(rid="a1", time="2026-03-01T00:00:00Z"),
                 line(rid="b2", time="2026-03-05T00:00:00Z"),
                 line("feedback", rid="b2", label="no", time="2026-02-01T00:00:00Z"))
    log = read_log(path, since="2026-03-02")
    assert list(log.predictions["request_id"]) == ["b2"] and log.predictions["label"].iloc[0] == "no"
    now = pd.Timestamp("2026-03-10T00:00:00Z")
    assert parse_since("7d", now) == pd.Timestamp("2026-03-03T00:00:00Z")
    assert parse_since("90m", now) == pd.Timestamp("2026-03-09T22:30:00Z")
    with pytest.raises(UserError, match="--since 'soonish'"):
        parse_since("soonish")


def test_feedback_appends_to_a_folder_or_a_file(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    write(folder / "log-0001.jsonl", line(rid="a1"))
    written = append_feedback(folder, [{"request_id": "a1", "label": "no"}])
    assert written.parent == folder and written.name.startswith("log-feedback-")
    assert read_log(folder).predictions["label"].tolist() == ["no"]

    single = write(tmp_path / "log-x.jsonl", line(rid="a1"), end="")
    append_feedback(single, [{"request_id": "a1", "label": "yes"}])
    assert read_log(single).predictions["label"].tolist() == ["yes"]
    cut = tmp_path / "log-cut.jsonl"
    cut.write_text(line(rid="a1") + "\n" + line(rid="b2")[:20])
    with pytest.raises(UserError, match="ends with a line cut short"):
        append_feedback(cut, [{"request_id": "a1", "label": "yes"}])
    assert cut.read_text().endswith(line(rid="b2")[:20])  # nothing written


def test_rows_keep_one_order_across_tables(logs):
    log = read_log(logs("stationary", feedback=0.5))
    sub = log.take(np.array([5, 1]))
    assert list(sub.predictions["request_id"]) == list(log.predictions["request_id"].iloc[[5, 1]])
    assert sub.inputs["age"].equals(log.inputs["age"].iloc[[5, 1]].reset_index(drop=True))


def test_rotated_files_are_cached_and_a_changed_file_is_read_again(tmp_path):
    from tuneup.data.images import cache_dir

    folder = tmp_path / "logs"
    folder.mkdir()
    write(folder / "log-0001.jsonl", line(rid="a1"), line(rid="b2")[:25], end="")
    write(folder / "log-0002.jsonl", line(rid="c3", time="2026-03-02T00:00:00Z"))
    first = read_log(folder)
    cached = list((cache_dir().parent / "logs").glob("*.parquet"))
    assert len(cached) == 1  # the rotated file only; the server still writes the newest
    again = read_log(folder)
    assert again.predictions.equals(first.predictions) and again.truncated == first.truncated == 1
    write(folder / "log-0001.jsonl", line(rid="a1"), line(rid="zz"))  # rewritten: size and mtime change
    assert list(read_log(folder).predictions["request_id"]) == ["a1", "zz", "c3"]


def test_a_log_from_another_model_compares_inputs_only(tmp_path, trained_table_run):
    import tuneup

    rows = [line(rid=f"r{i}", time=f"2026-03-01T10:{i // 60:02d}:{i % 60:02d}Z", model="someone-else",
                 input={"age": 30.0 + i % 20, "income": 20000.0, "city": "paris", "plan": "pro",
                        "signup": "2021-05-01"}) for i in range(120)]
    report = tuneup.monitor(trained_table_run, write(tmp_path / "log-1.jsonl", *rows))
    assert report.prediction_drift is None and report.performance is None
    assert any("no logged predictions come from" in n for n in report.notes)
    assert report.data_drift.n_current == 120
