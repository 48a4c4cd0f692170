"""The recipe: every remedy is a config change that validates and changes something, ranked by gap."""
from __future__ import annotations

import numpy as np
import pytest

import tuneup
from tuneup.data.shift import image_shift
from tuneup.diagnose.training_checks import Check
from tuneup.diagnose.mismatch import Mismatch
from tuneup.diagnose.recipe import Context, remedies
from tuneup.diagnose.schema import REMEDY
from tuneup.runs import _flatten

# as a run folder's config.yaml holds them: the learning rate found, the architecture resolved
TABLE = {"name": "t", "data": {"train": {"path": "builtin:wine"}}, "train": {"lr": 0.001}}
TWO = {"name": "t", "data": {"train": {"path": "builtin:digits-web"}, "target": {"path": "builtin:digits-phone"}},
       "model": {"channels": [16, 32, 64]}, "train": {"lr": 0.001}}

CONFIGS = {
    "table defaults": (TABLE, {}, "mlp"),
    "table, sgd, regularised, no early stopping": (
        TABLE, {"train.optimizer": "sgd", "train.weight_decay": 0.01, "model.dropout": 0.5, "model.batch_norm": True,
                "train.early_stopping": None, "train.augment": [{"name": "noise", "std": 0.1}]}, "mlp"),
    "table, empty hidden list (a linear model)": (TABLE, {"model.hidden": []}, "mlp"),
    "images, cnn": (TWO, {"model.kind": "cnn", "train.augment": ["hflip"], "data.split.target_in_train": 0.3}, "cnn"),
    "images, mlp on pixels": (TWO, {"model.kind": "mlp", "data.split.dev": 0.3, "data.split.test": 0.7}, "mlp"),
}


def summary(kind: str, epochs_run: int = 50) -> dict:
    return {"run": "r-001", "data": {"kind": kind, "split_sizes": {"train": 600, "dev": 200, "test": 200},
                                     "image_shape": [1, 32, 32] if kind == "image" else None},
            "ladder": {"train": 0.05, "dev": 0.1}, "human_level_error": None,
            "training": {"epochs_run": epochs_run, "stopped_early": False, "model": "mlp"}, "test_evaluations": 1}


def mismatch() -> Mismatch:
    rng = np.random.default_rng(0)
    sharp = (rng.random((60, 1, 16, 16)) * 255).astype(np.uint8)
    dull = (sharp * 0.6 + rng.normal(0, 20, sharp.shape)).clip(0, 255).astype(np.uint8)
    return Mismatch("image", 60, 60, image=image_shift(sharp, dull))


CHECKS = [Check("unstable", "the training loss jumps", 3), Check("overfitting", "dev loss rises from epoch 9", 8),
          Check("still_improving", "still falls", 50)]


@pytest.mark.parametrize("case", list(CONFIGS))
def test_every_remedy_for_every_gap_validates_and_changes_the_config(case):
    raw, overrides, model = CONFIGS[case]
    cfg = tuneup.load_config(raw, overrides)
    kind = "image" if "target" in raw["data"] else "table"
    ctx = Context(cfg, summary(kind), model, CHECKS, mismatch() if kind == "image" else None)
    found, advice = remedies(ctx, ["did_not_learn", "avoidable_bias", "variance", "data_mismatch", "dev_overfit"])
    assert {r.gap for r in found} == {"did_not_learn", "avoidable_bias", "variance", "data_mismatch", "dev_overfit"} - (
        {"data_mismatch"} if kind == "table" else set())  # one table source: no target to learn from
    import jsonschema

    before = _flatten(cfg.to_dict())
    sets = []
    for r in found:
        jsonschema.validate(r.to_dict(), REMEDY)
        after = _flatten(tuneup.load_config(cfg, overrides=r.set).to_dict())  # what `tuneup run --set` does
        assert after != before, r.action
        sets.append(r.set)
    assert len(sets) == len({repr(s) for s in sets})  # no remedy twice
    assert advice


def test_the_verdict_comes_first_and_what_the_history_shows_leads_its_gap():
    cfg = tuneup.load_config(TABLE, {"train.early_stopping": None})
    ctx = Context(cfg, summary("table"), "mlp", [CHECKS[1]])
    found, _ = remedies(ctx, ["variance", "avoidable_bias"])
    assert [r.gap for r in found][:2] == ["variance", "variance"] and found[-1].gap == "avoidable_bias"
    assert found[0].set == {"train.early_stopping": {"patience": 5}} and "dev loss rises" in found[0].why


def test_an_unstable_loss_gets_a_lower_learning_rate_whatever_the_verdict():
    cfg = tuneup.load_config(TABLE, {"train.lr": 0.03})
    found, _ = remedies(Context(cfg, summary("table"), "mlp", [CHECKS[0]]), ["variance"])
    assert found[-1].set == {"train.lr": 0.01} and found[-1].gap == "avoidable_bias"


def test_data_mismatch_remedies_use_what_was_measured():
    measured = mismatch().image.augmentations
    assert {a["name"] for a in measured} >= {"brightness", "contrast"}
    cfg = tuneup.load_config(TWO, {"train.augment": [{"name": "contrast", "max": 0.05}, "hflip"]})
    found, advice = remedies(Context(cfg, summary("image"), "cnn", [], mismatch()), ["data_mismatch"])
    assert found[0].set["train.augment"] == ["hflip", *measured]  # the measured contrast replaces the configured one
    assert mismatch().image.reasons[0] in found[0].why and "tuneup errors r-001" in advice[0]


def test_when_no_gap_is_a_problem_more_capacity_is_worth_a_try_while_the_training_error_leaves_room():
    cfg = tuneup.load_config(TABLE)
    found, advice = remedies(Context(cfg, summary("table"), "mlp"), [])
    assert [r.gap for r in found] == ["ok", "ok"] and {k for r in found for k in r.set} == {"model.hidden"}
    assert advice[0].startswith("more training data,")  # one source: there is no target source to ask for
    _, two_sources = remedies(Context(tuneup.load_config(TWO), summary("image"), "cnn"), [])
    assert two_sources[0].startswith("more data of the kind that matters (the target source)")
    fitted = summary("table")
    fitted["ladder"]["train"] = 0.0
    assert remedies(Context(cfg, fitted, "mlp"), [])[0] == []


def test_remedies_are_changes_relative_to_the_config():
    """Issue 17: with the measured augmentation already set and 30% of the target in training, the top remedy
    was the same augmentation and "move 50%" read as if nothing had moved."""
    measured = mismatch().image.augmentations
    cfg = tuneup.load_config(TWO, {"train.augment": measured, "data.split.target_in_train": 0.3})
    found, _ = remedies(Context(cfg, summary("image"), "cnn", [], mismatch()), ["data_mismatch"])
    augment = next(r for r in found if "train.augment" in r.set)
    assert augment.action.startswith("stronger augmentation toward the target")
    from tuneup.data.transforms import parse_specs

    before, after = dict(parse_specs(measured)), dict(parse_specs(augment.set["train.augment"]))
    assert set(after) == set(before) and all(
        after[n][k] >= before[n][k] for n in before for k in before[n]) and after != before
    moved = next(r for r in found if "data.split.target_in_train" in r.set)
    assert moved.set["data.split.target_in_train"] == 0.5 and "(30% now)" in moved.action
    # a config without them gets the measured transforms as they are
    plain, _ = remedies(Context(tuneup.load_config(TWO), summary("image"), "cnn", [], mismatch()), ["data_mismatch"])
    assert plain[1].set["train.augment"] == measured and plain[1].action.startswith("augment training images")


def test_with_no_target_data_in_training_both_mismatch_levers_together_come_first_then_each_alone():
    """On shifted images, moving some target data into training and augmenting toward the target together
    often help where either alone is within the noise; a small budget should reach the pair first."""
    measured = mismatch().image.augmentations
    found, _ = remedies(Context(tuneup.load_config(TWO), summary("image"), "cnn", [], mismatch()), ["data_mismatch"])
    assert found[0].set == {"data.split.target_in_train": 0.2, "train.augment": measured}
    assert found[0].action.startswith("move 20% of the target data into training and augment training images")
    alone = [r.set for r in found[1:]]
    assert {"train.augment": measured} in alone and {"data.split.target_in_train": 0.2} in alone
    # once target data is in training, the pair is not offered again
    moved = tuneup.load_config(TWO, {"data.split.target_in_train": 0.2})
    again, _ = remedies(Context(moved, summary("image"), "cnn", [], mismatch()), ["data_mismatch"])
    assert not any(len(r.set) > 1 and "train.augment" in r.set for r in again)
