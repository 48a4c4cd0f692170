"""The weak-slice finder recovers a planted bad slice, and invents none when errors are uniform."""
from __future__ import annotations

import numpy as np
import pytest

from tuneup.errors.weak import find_weak_slices

from .errors_helpers import errors_frame


def population(n: int, seed: int):
    rng = np.random.default_rng(seed)
    return rng, {"camera": rng.choice(["a", "b", "c"], n), "light": rng.choice(["x", "y"], n),
                 "u": rng.random(n), "v": rng.normal(size=n)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_a_planted_bad_slice(seed):
    rng, cols = population(4000, seed)
    planted = (cols["camera"] == "b") & (cols["u"] > 0.5)  # a sixth of the data, 45% errors instead of 5%
    wrong = rng.random(4000) < np.where(planted, 0.45, 0.05)
    ex = errors_frame(wrong, **cols)
    found = find_weak_slices(ex, seed=seed)
    assert found.slices, "the planted slice was not found"
    best = found.slices[0]
    mask = best.mask(ex.columns)
    jaccard = (mask & planted).sum() / (mask | planted).sum()
    assert jaccard > 0.8, best.rule
    assert "camera = b" in best.rule and "u >" in best.rule
    assert best.excess_ci[0] > 0 and best.p_value < 0.05 / found.proposals
    assert best.n == mask.sum()  # the rule text and the tree agree on who is in the slice


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_invents_nothing_when_errors_are_uniform(seed):
    rng, cols = population(4000, seed)
    wrong = rng.random(4000) < 0.1
    found = find_weak_slices(errors_frame(wrong, **cols), seed=seed)
    assert found.slices == []
    assert found.proposals > 0 and found.tested_on == 2000


def test_missing_values_are_a_slice_it_can_name():
    rng, cols = population(3000, 7)
    planted = rng.random(3000) < 0.2
    cols["v"][planted] = np.nan  # a fifth missing, and those are the bad ones
    wrong = rng.random(3000) < np.where(planted, 0.5, 0.05)
    ex = errors_frame(wrong, **cols)
    best = find_weak_slices(ex).slices[0]
    assert "v is missing" in best.rule or "(or missing)" in best.rule, best.rule
    assert (best.mask(ex.columns) == planted).mean() > 0.95, best.rule


def test_too_few_examples_says_so():
    found = find_weak_slices(errors_frame(np.zeros(20, dtype=bool), g=["a", "b"] * 10))
    assert found.slices == [] and "too few" in found.note
