"""The recommendation rule: keep the metric everywhere, then be really smaller and not much slower."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score

from tuneup.errors.slices import MISSING
from tuneup.ship.slices import slice_columns, slice_metrics
from tuneup.ship.tradeoff import Variant, _judge, _recommend


def variant(name, size=100, gz=90, ms=1.0, loss=0.0, worst=None, passes=True):
    v = Variant(name, f"{name}.onnx", size, gz, {"batch_1": ms, "batch_64": ms * 10}, 0.9 - loss, loss, 1.0, 0.0,
                slices=[] if worst is None else [worst])
    return _judge(v, 0.01, 30)


def test_a_slice_that_loses_too_much_fails_the_variant():
    worst = {"column": "camera", "value": "old", "n": 80, "metric": 0.7, "loss": 0.05}
    v = variant("int8", worst=worst)
    assert not v.passes and "camera=old" in v.why
    small = {"column": "camera", "value": "old", "n": 12, "metric": 0.7, "loss": 0.05}
    unjudged = variant("int8", worst=small)
    assert unjudged.passes and unjudged.worst_slice is None  # too few examples to judge: shown, not decisive


def test_overall_loss_fails_the_variant():
    assert not variant("int8", loss=0.02).passes


def test_smaller_and_fast_enough_is_recommended():
    fp32 = variant("fp32", size=100, gz=90)
    assert _recommend([fp32, variant("int8", size=30, gz=25, ms=1.1)]) == "int8"


def test_slower_at_only_one_batch_size_is_noise_not_a_verdict():
    fp32 = variant("fp32", size=100, gz=90)
    pruned = variant("pruned", size=100, gz=50)
    pruned.latency_ms = {"batch_1": 1.4, "batch_64": 8.0}  # slower at 1, faster at 64
    assert _recommend([fp32, pruned]) == "pruned"


def test_slow_or_larger_variants_are_not_recommended_and_say_why():
    fp32 = variant("fp32", size=100, gz=90)
    slow = variant("int8", size=30, gz=25, ms=10.0)
    bigger = variant("pruned", size=120, gz=40)
    assert _recommend([fp32, slow, bigger]) == "fp32"
    assert "10.0x slower" in slow.why and "1.20x the size" in bigger.why


def test_slice_metrics_equal_a_groupby_with_scikit_learn():
    rng = np.random.default_rng(0)
    meta = pd.DataFrame({"camera": rng.choice(["old", "new"], 300), "id": np.arange(300).astype(str),
                         "lighting": rng.choice(["dim", "day", None], 300)})
    y, pred = rng.integers(0, 3, 300), rng.integers(0, 3, 300)
    assert slice_columns(meta) == ["camera", "lighting"]  # ids are not slices
    got = slice_metrics(meta, lambda rows: accuracy_score(y[rows], pred[rows]))
    for col in ["camera", "lighting"]:
        keys = meta[col].fillna(MISSING)  # named as `tuneup errors --by` names it
        for value, rows in meta.groupby(keys).groups.items():
            row = next(s for s in got if s["column"] == col and s["value"] == value)
            assert row["n"] == len(rows)
            assert row["metric"] == accuracy_score(y[rows], pred[rows])
