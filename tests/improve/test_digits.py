"""On the web -> phone digits (the demo's data mismatch), improve fixes the dominant gap within a small
budget: the measured augmentations or some phone digits in training cut dev error by far more than 30%."""
from __future__ import annotations

import pytest

import tuneup


@pytest.mark.slow
def test_web_to_phone_digits_improve_lowers_dev_error_by_at_least_30_percent_and_explains_each_step():
    result = tuneup.improve(tuneup.demo_config(epochs=5), budget=2, progress=False)
    step = result.steps[0]
    assert step.verdict == step.gap == "data_mismatch" and step.gap_interval.low > 0.1
    assert [t.gap for t in step.tried] == ["data_mismatch", "data_mismatch"]
    assert "train.augment" in step.tried[0].set and step.tried[0].strength == "as measured"
    assert step.tried[1].resplit == ("data.split.target_in_train" in step.tried[1].set)
    kept = next(t for t in step.tried if t.outcome == "kept")
    assert kept.why.startswith("beats the incumbent by") and result.best == kept.run
    for t in step.tried:
        assert t.why and t.dev is not None and t.difference.n_common > 100
    assert result.relative_improvement >= 0.3, (result.start_dev, result.best_dev, result.improvement)
    assert result.improvement.beats
    assert result.diagnosis.run == result.best  # the final ladder is the best run's

