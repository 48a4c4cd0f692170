"""The prediction log: the contract with monitoring (one JSON object per line, rotating files)."""
from __future__ import annotations

import json

from tuneup.ship.predlog import PredictionLog

RESULT = {"prediction": "yes", "probabilities": {"no": 0.2, "yes": 0.8}, "score": 0.8, "threshold": 0.5}


def lines(folder):
    return [json.loads(line) for p in sorted(folder.glob("log-*.jsonl")) for line in p.read_text().splitlines()]


def test_prediction_and_feedback_lines_hold_every_field(tmp_path):
    log = PredictionLog(tmp_path)
    log.prediction("ab" * 16, "churn-001", "primary", "client-7", {"age": 31.0, "city": None}, RESULT, 2.5)
    log.feedback("ab" * 16, "no")
    pred, fb = lines(tmp_path)
    assert list(pred) == ["type", "time", "request_id", "model", "variant", "client", "input", "prediction",
                          "probabilities", "score", "threshold", "latency_ms"]
    assert pred["type"] == "prediction" and pred["input"] == {"age": 31.0, "city": None}
    assert pred["time"].endswith("+00:00") and pred["latency_ms"] == 2.5
    assert fb == {"type": "feedback", "time": fb["time"], "request_id": "ab" * 16, "label": "no"}


def test_files_rotate_before_passing_the_size_limit(tmp_path):
    log = PredictionLog(tmp_path, max_bytes=2000)
    for i in range(40):
        log.prediction(f"{i:032x}", "m", "primary", None, {"i": i}, RESULT, 1.0)
    files = sorted(p.name for p in tmp_path.glob("log-*.jsonl"))
    assert files[0] == "log-000001.jsonl" and len(files) > 3
    assert all(p.stat().st_size <= 2000 for p in tmp_path.glob("log-*.jsonl"))
    assert [r["input"]["i"] for r in lines(tmp_path)] == list(range(40))  # nothing lost, order kept


def test_a_restarted_server_appends_to_the_newest_file(tmp_path):
    first = PredictionLog(tmp_path, max_bytes=600)
    for i in range(5):
        first.feedback(f"{i:032x}", i)
    newest = sorted(tmp_path.glob("log-*.jsonl"))[-1]
    again = PredictionLog(tmp_path, max_bytes=600)
    assert again.path == newest
    again.feedback("f" * 32, 99)
    assert [r["label"] for r in lines(tmp_path)] == [0, 1, 2, 3, 4, 99]


def test_uploaded_images_are_kept_beside_the_log(tmp_path):
    log = PredictionLog(tmp_path)
    rel = log.save_image("c" * 32, "png", b"\x89PNG...")
    assert rel == f"images/{'c' * 32}.png" and (tmp_path / rel).read_bytes() == b"\x89PNG..."


def test_lines_from_many_threads_never_interleave(tmp_path):
    import threading

    log = PredictionLog(tmp_path, max_bytes=400_000)
    big = {"text": "x" * 20_000}  # larger than any I/O buffer

    def work(t):
        for i in range(40):
            log.prediction(f"{t:016x}{i:016x}", "m", "primary", None, big, RESULT, 1.0)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    log.close()
    rows = lines(tmp_path)  # every line parses
    assert len(rows) == 240 and len({r["request_id"] for r in rows}) == 240
    assert len(list(tmp_path.glob("log-*.jsonl"))) > 5


def test_numpy_values_and_nan_are_written_as_plain_json(tmp_path):
    import numpy as np

    log = PredictionLog(tmp_path)
    log.prediction("d" * 32, "m", "primary", None, {"n": np.int64(3), "x": float("nan")}, RESULT, np.float32(1.5))
    (row,) = lines(tmp_path)
    assert row["input"] == {"n": 3, "x": None} and row["latency_ms"] == 1.5
