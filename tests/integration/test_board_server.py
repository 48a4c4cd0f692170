"""`tuneup board` serving: TensorBoard's HParams plugin lists every run as a session with its
hyperparameters and final metrics; a port already taken is a user error."""
from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.report.conftest import copy_run
from tuneup.exceptions import UserError
from tuneup.report.board import board

pytestmark = pytest.mark.slow


def test_the_hparams_view_lists_every_run(trained_table_run, tmp_path):
    root = tmp_path / "runs"
    for name in ("a", "b"):
        run = copy_run(trained_table_run, root, name)
        for f in (run.path / "tensorboard").glob("*.hparams"):
            f.unlink()  # as a run made before tuneup wrote them: board writes them
    url = board(root, port=0, block=False)
    assert url.startswith("http://127.0.0.1:")
    experiment = {}
    for _ in range(60):  # TensorBoard loads the event files in the background
        experiment = httpx.post(url + "data/plugin/hparams/experiment", json={"experimentName": ""}, timeout=30).json()
        if experiment.get("hparamInfos") and experiment.get("metricInfos"):
            break
        time.sleep(1)
    assert "train.lr" in {h["name"] for h in experiment["hparamInfos"]}
    assert {"tag": "final/dev_error", "group": ""} in [m["name"] for m in experiment["metricInfos"]]
    groups = httpx.post(url + "data/plugin/hparams/session_groups", timeout=30, json={
        "experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"], "startIndex": 0,
        "sliceSize": 10, "colParams": [{"metric": {"tag": "final/dev_error", "group": ""}}]}).json()
    sessions = {g["name"]: g for g in groups["sessionGroups"]}
    assert set(sessions) == {"a/tensorboard", "b/tensorboard"}
    dev = trained_table_run.summary["splits"]["dev"]["error"]
    for g in sessions.values():
        values = {(m["name"]["group"], m["name"]["tag"]): m["value"] for m in g["metricValues"]}
        assert values[("", "final/dev_error")] == pytest.approx(dev, rel=1e-6)


def test_a_taken_port_is_a_user_error(trained_table_run, tmp_path):
    copy_run(trained_table_run, tmp_path / "runs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(UserError, match="choose another --port"):
            board(tmp_path / "runs", port=s.getsockname()[1], block=False)
