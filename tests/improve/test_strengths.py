"""A remedy at a few strengths, and a step's candidates: recommended first, valid configs, no repeats."""
from __future__ import annotations

import pytest

import tuneup
from tuneup.diagnose.recipe import Remedy
from tuneup.improve.candidates import plan_step
from tuneup.improve.strengths import strengths
from tuneup.runs import config_fingerprint

RAW = {"name": "t", "data": {"train": {"path": "builtin:digits"}}, "model": {"hidden": [32]}, "train": {"lr": 0.001}}


def cfg(**over):
    return tuneup.load_config(RAW, over)


def values(remedy, config):
    return [next(iter(s.set.values())) for s in strengths(remedy, config)]


def test_numeric_levers_get_a_ladder_around_the_recommendation_recommended_first():
    assert values(Remedy("variance", "dropout 0.3", "", {"model.dropout": 0.3}), cfg()) == [0.3, 0.1, 0.5]
    assert values(Remedy("variance", "wd", "", {"train.weight_decay": 0.01}), cfg()) == [0.01, 0.001, 0.0001]
    assert values(Remedy("avoidable_bias", "lr", "", {"train.lr": 0.003}), cfg(**{"train.lr": 0.01})) == [0.003, 0.001, 0.009]
    assert values(Remedy("avoidable_bias", "lr", "", {"train.lr": 0.003}), cfg()) == [0.003, 0.009]  # not 0.001 again
    assert values(Remedy("data_mismatch", "move", "", {"data.split.target_in_train": 0.2}), cfg()) == [0.2, 0.1, 0.4]
    first = strengths(Remedy("variance", "dropout 0.3", "", {"model.dropout": 0.3}), cfg())
    assert [s.recommended for s in first] == [True, False, False]
    assert [s.label for s in first] == ["as recommended", "at 0.1 instead", "at 0.5 instead"]


def test_a_ladder_only_goes_the_way_the_remedy_goes():
    # the incumbent already has dropout 0.2 and weight decay 1e-3: weaker versions are not regularising more
    c = cfg(**{"model.dropout": 0.2, "train.weight_decay": 0.001})
    assert values(Remedy("variance", "dropout 0.4", "", {"model.dropout": 0.4}), c) == [0.4, 0.6]
    assert values(Remedy("variance", "wd", "", {"train.weight_decay": 0.01}), c) == [0.01, 0.1]
    assert values(Remedy("avoidable_bias", "no dropout", "", {"model.dropout": 0.0}), c) == [0.0]


def test_levers_without_a_scale_are_tried_as_recommended():
    for change in ({"model.hidden": [64]}, {"model.batch_norm": True}, {"train.optimizer": "adam", "train.lr": 0.001}):
        found = strengths(Remedy("avoidable_bias", "x", "", change), cfg())
        assert [(s.label, s.set) for s in found] == [("as recommended", change)]


def test_measured_augmentations_are_scaled_and_existing_ones_kept():
    c = cfg(**{"train.augment": [{"name": "shift", "max": 0.1}]})
    wanted = [{"name": "shift", "max": 0.1}, {"name": "blur", "sigma": 1.0}, {"name": "noise", "std": 0.08, "p": 0.5}]
    found = strengths(Remedy("data_mismatch", "augment", "", {"train.augment": wanted}), c)
    assert [s.label for s in found] == ["as measured", "x0.5 the measured magnitudes", "x1.5 the measured magnitudes"]
    half = found[1].set["train.augment"]
    assert half == [{"name": "shift", "max": 0.1}, {"name": "blur", "sigma": 0.5}, {"name": "noise", "std": 0.04, "p": 0.5}]
    for s in found:
        tuneup.load_config(c, s.set)  # every strength is a valid config


class FakeDiagnosis:
    def __init__(self, problems, remedies):
        self.problems, self.remedies = problems, remedies


def test_a_step_tries_every_recommendation_before_any_variant_and_nothing_twice():
    remedies = [Remedy("variance", "wd", "", {"train.weight_decay": 0.01}),
                Remedy("variance", "dropout", "", {"model.dropout": 0.3}),
                Remedy("avoidable_bias", "wider", "", {"model.hidden": [64]})]
    c = cfg()
    plan = plan_step(FakeDiagnosis(["variance", "avoidable_bias"], remedies), c, {config_fingerprint(c)})
    assert plan.gap == "variance"
    assert [s for cand in plan.candidates for s in cand.strength.set.items()] == [
        ("train.weight_decay", 0.01), ("model.dropout", 0.3), ("train.weight_decay", 0.001),
        ("train.weight_decay", 0.0001), ("model.dropout", 0.1), ("model.dropout", 0.5)]
    assert all(not cand.resplit for cand in plan.candidates)
    tried = {config_fingerprint(c)} | {cand.fingerprint for cand in plan.candidates}
    later = plan_step(FakeDiagnosis(["variance", "avoidable_bias"], remedies), c, tried)
    assert later.gap == "avoidable_bias" and [x.strength.set for x in later.candidates] == [{"model.hidden": [64]}]
    assert plan_step(FakeDiagnosis(["variance"], remedies[:2]), c, tried).candidates == []


def test_a_data_setting_marks_a_re_split_and_an_invalid_strength_is_skipped_with_its_reason():
    two = tuneup.load_config({"name": "t", "data": {"train": {"path": "builtin:digits-web"},
                                                    "target": {"path": "builtin:digits-phone"}}})
    plan = plan_step(FakeDiagnosis(["data_mismatch"], [Remedy("data_mismatch", "move", "", {
        "data.split.target_in_train": 0.2})]), two, set())
    assert all(c.resplit for c in plan.candidates)
    bad = plan_step(FakeDiagnosis(["variance"], [Remedy("variance", "huge", "", {"model.dropout": 1.5})]), cfg(), set())
    assert bad.candidates == [] and "model.dropout" in bad.skipped[0]


@pytest.mark.parametrize("key", ["model.dropout", "train.weight_decay", "train.lr"])
def test_ladders_never_repeat_the_incumbents_own_value(key):
    c = cfg(**{key: 0.001})
    got = values(Remedy("variance", "x", "", {key: 0.003}), c)
    assert 0.001 not in got and len(got) == len(set(got))
