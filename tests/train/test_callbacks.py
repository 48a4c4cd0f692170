import json

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.custom_scalar import layout_pb2, metadata as custom_metadata

from tuneup.train.callbacks import layout


def test_tensorboard_holds_one_run_with_every_split_per_quantity(trained_image_run):
    """One event folder (one TensorBoard run) per run folder: `<quantity>/<split>` tags, every epoch."""
    tb = trained_image_run.path / "tensorboard"
    assert not [p for p in tb.iterdir() if p.is_dir()]  # no folder per split: those were runs of their own
    acc = EventAccumulator(str(tb))
    acc.Reload()
    tags = set(acc.Tags()["scalars"])
    assert {f"{q}/{s}" for q in ("loss", "error", "accuracy") for s in ("train", "train_dev", "dev")} <= tags
    assert {"lr", "fit_loss"} <= tags and not [t for t in tags if t.startswith("final")]
    history = trained_image_run.history
    for split in ("train", "train_dev", "dev"):
        losses = acc.Scalars(f"loss/{split}")
        assert [e.step for e in losses] == list(range(1, len(history) + 1))
        assert losses[0].value == pytest.approx(history[0][split]["loss"], rel=1e-5)


def test_the_layout_draws_each_quantity_as_one_chart_with_a_line_per_split(trained_image_run):
    acc = EventAccumulator(str(trained_image_run.path / "tensorboard"))
    acc.Reload()
    content = acc.PluginTagToContent(custom_metadata.PLUGIN_NAME)
    (tensor,) = acc.Tensors(next(iter(content)))
    saved = layout_pb2.Layout.FromString(tensor.tensor_proto.string_val[0])
    charts = {c.title: list(c.multiline.tag) for cat in saved.category for c in cat.chart}
    assert charts["loss"] == ["^loss/(train|train_dev|dev)$"] and "accuracy" in charts and "error" in charts
    assert layout("f1")["per epoch: train, train-dev, dev"]["f1"] == ["Multiline", ["^f1/(train|train_dev|dev)$"]]


def test_history_has_one_line_per_epoch_with_wall_time(trained_image_run):
    lines = (trained_image_run.path / "history.jsonl").read_text().splitlines()
    records = [json.loads(l) for l in lines]
    assert [r["epoch"] for r in records] == list(range(1, len(records) + 1))
    assert all(r["seconds"] > 0 and {"train", "train_dev", "dev"} <= set(r) for r in records)
