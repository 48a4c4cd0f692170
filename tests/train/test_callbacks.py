import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def test_tensorboard_events_hold_train_and_dev_scalars(trained_image_run):
    tb = trained_image_run.path / "tensorboard"
    scalars = {}
    for split in ("train", "train_dev", "dev"):
        acc = EventAccumulator(str(tb / split))
        acc.Reload()
        scalars[split] = acc.Tags()["scalars"]
        losses = acc.Scalars("loss")
        assert [e.step for e in losses] == list(range(1, len(losses) + 1))
    assert {"loss", "metric/accuracy", "error"} <= set(scalars["train"]) & set(scalars["dev"])
    history = trained_image_run.history
    acc = EventAccumulator(str(tb / "dev"))
    acc.Reload()
    assert acc.Scalars("loss")[0].value == pytest.approx(history[0]["dev"]["loss"], rel=1e-5)


def test_history_has_one_line_per_epoch_with_wall_time(trained_image_run):
    lines = (trained_image_run.path / "history.jsonl").read_text().splitlines()
    records = [json.loads(l) for l in lines]
    assert [r["epoch"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["seconds"] > 0 and {"train", "train_dev", "dev"} <= set(r) for r in records)
