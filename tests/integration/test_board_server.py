"""`tuneup board` serving: each run folder is one TensorBoard run named after it; TensorBoard's own UI draws
train, train-dev and dev as lines of one chart per quantity (custom scalars), and its HParams view lists
every run with its hyperparameters and final numbers; a port already taken is a user error."""
from __future__ import annotations

import socket
import time

import httpx
import pytest

from tests.report.conftest import copy_run
from tuneup.exceptions import UserError
from tuneup.report.board import board

from ._ship import browser_page

pytestmark = pytest.mark.slow


def wait_for(get, ready, tries: int = 60):
    """TensorBoard loads the event files in the background: ask until the answer is ready."""
    answer = None
    for _ in range(tries):
        answer = get()
        if ready(answer):
            return answer
        time.sleep(1)
    return answer


def test_the_hparams_view_lists_every_run_by_its_folder_name(trained_table_run, tmp_path):
    root = tmp_path / "runs"
    for name in ("a", "b"):
        run = copy_run(trained_table_run, root, name)
        for f in (run.path / "tensorboard").glob("*.hparams"):
            f.unlink()  # as a run made before tuneup wrote them: board writes them
    url = board(root, port=0, block=False)
    assert url.startswith("http://127.0.0.1:")
    experiment = wait_for(
        lambda: httpx.post(url + "data/plugin/hparams/experiment", json={"experimentName": ""}, timeout=30).json(),
        lambda e: e.get("hparamInfos") and e.get("metricInfos"))
    assert {"train.lr", "final.dev_error", "gap.variance"} <= {h["name"] for h in experiment["hparamInfos"]}
    assert not [m for m in experiment["metricInfos"] if m["name"]["tag"].startswith(("final", "gap"))]
    groups = httpx.post(url + "data/plugin/hparams/session_groups", timeout=30, json={
        "experimentName": "", "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS"], "startIndex": 0,
        "sliceSize": 10, "colParams": [{"hparam": "final.dev_error"}]}).json()
    sessions = {g["name"]: g for g in groups["sessionGroups"]}
    assert set(sessions) == {"a", "b"}  # not a/tensorboard, nor a/tensorboard/dev
    dev = trained_table_run.summary["splits"]["dev"]["error"]
    for g in sessions.values():
        assert g["hparams"]["final.dev_error"] == pytest.approx(dev, rel=1e-6)
    runs = httpx.get(url + "data/runs", timeout=30).json()
    assert sorted(runs) == ["a", "b"]
    tags = httpx.get(url + "data/plugin/scalars/tags", timeout=30).json()
    assert not [t for r in tags.values() for t in r if t.startswith(("final", "gap"))]  # no one-point charts


@pytest.mark.browser
def test_tensorboard_draws_one_chart_per_quantity_with_a_line_per_split(trained_image_run, tmp_path):
    """The real TensorBoard UI in chromium: the custom-scalars dashboard's `loss` chart holds the run's
    train, train-dev and dev lines; the run is listed by its folder's name. Screenshots are kept."""
    root = tmp_path / "runs"
    copy_run(trained_image_run, root, "digits-a")
    url = board(root, port=0, block=False)
    wait_for(lambda: httpx.get(url + "data/plugin/scalars/tags", timeout=30).json(), lambda t: "digits-a" in t)
    with browser_page() as page:
        page.set_viewport_size({"width": 1400, "height": 1000})
        page.goto(url + "#custom_scalars")
        loss = page.locator("tf-custom-scalar-multi-line-chart-card").filter(has_text="loss").first
        loss.wait_for(timeout=60_000)
        page.get_by_text("Matches (3)").first.wait_for(timeout=60_000)  # loss/train, loss/train_dev, loss/dev
        matches = page.locator("tf-custom-scalar-multi-line-chart-card").filter(has_text="Matches (3)")
        # loss, error, accuracy: a line per split each (the cards fill in one by one, so ask until all have)
        assert wait_for(matches.count, lambda n: n >= 3) >= 3
        page.get_by_text("digits-a").first.wait_for()
        loss.locator(".toggle-matches-button").click()  # the chart's legend: which split each line is
        entries = loss.locator(".match-list-entry")
        entries.last.wait_for()
        legend = " ".join(entries.all_inner_texts())
        assert entries.count() == 3 and all(t in legend for t in ("loss/train", "loss/train_dev", "loss/dev"))
        time.sleep(2)  # the lines are drawn after the data arrives
        page.screenshot(path=str(tmp_path / "board-custom-scalars.png"), full_page=True)
        page.goto(url + "#hparams")
        page.locator("text=final.dev_error >> visible=true").first.wait_for(timeout=60_000)
        page.locator("text=digits-a >> visible=true").first.wait_for()  # the session: the run's folder
        page.screenshot(path=str(tmp_path / "board-hparams.png"), full_page=True)
        assert page.errors == []
    print(f"screenshots: {tmp_path}/board-custom-scalars.png, board-hparams.png")


def test_a_taken_port_is_a_user_error(trained_table_run, tmp_path):
    copy_run(trained_table_run, tmp_path / "runs")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        with pytest.raises(UserError, match="choose another --port"):
            board(tmp_path / "runs", port=s.getsockname()[1], block=False)
