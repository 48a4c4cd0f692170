"""On the web -> phone digits (the demo's data mismatch), improve attacks the dominant gap: the measured
augmentations with some phone digits moved into training first, then each alone, each compared with the incumbent on the
same dev examples (moving target data into training shrinks dev inside the incumbent's own)."""
from __future__ import annotations

import pytest

import tuneup


@pytest.mark.slow
def test_web_to_phone_digits_improve_tries_the_mismatch_remedies_and_explains_each_step():
    result = tuneup.improve(tuneup.demo_config(epochs=5), budget=2, progress=False)
    step = result.steps[0]
    assert step.verdict == step.gap == "data_mismatch" and step.gap_interval.low > 0
    assert [t.gap for t in step.tried] == ["data_mismatch", "data_mismatch"]
    both, augment = step.tried
    assert set(both.set) == {"data.split.target_in_train", "train.augment"} and both.resplit
    assert set(augment.set) == {"train.augment"} and augment.strength == "as measured"
    moved = both
    assert moved.difference.n_common == moved.difference.n_candidate  # its dev set lies inside the incumbent's
    for t in step.tried:
        assert t.why and t.dev is not None and t.outcome in ("kept", "beats", "within noise", "worse")
    kept = [t for t in step.tried if t.outcome == "kept"]
    if kept:  # only what beats the incumbent beyond the noise is kept, and then the session says by how much
        assert result.best == kept[0].run and result.improvement.beats
    else:
        assert result.best == result.start and result.improvement is None
    assert result.diagnosis.run == result.best  # the final ladder is the best run's
