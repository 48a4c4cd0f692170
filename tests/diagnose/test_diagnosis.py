"""`tuneup.diagnose(run)` and `tuneup diagnose RUN`: the documented JSON, the rendering, and the right
verdict on planted scenarios on real data."""
from __future__ import annotations

import json

import jsonschema
import pytest

import tuneup
from tuneup.diagnose.schema import DIAGNOSIS_SCHEMA
from tuneup.diagnose.render import diagnosis_html

FAST = {"checkpoint": False}


def train(raw: dict, name: str, overrides: dict | None = None):
    return tuneup.run(tuneup.load_config(raw, overrides), name=name, progress=False)


def applies(run, remedy) -> None:
    """A remedy is a config change `tuneup run --set` and the improve loop can apply as it is."""
    changed = tuneup.load_config(run.config, overrides=remedy.set)
    for key, value in remedy.set.items():
        node = changed
        for part in key.split("."):
            node = getattr(node, part)
        node = node.model_dump(mode="json") if hasattr(node, "model_dump") else node
        if isinstance(value, dict):  # a section: the keys given, the rest at their defaults
            node = {k: node[k] for k in value}
        assert node == value, (key, node, value)


def test_json_output_validates_against_the_documented_shape(trained_table_run, cli):
    r = cli("diagnose", str(trained_table_run.path), "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)  # one JSON document and nothing else on stdout
    jsonschema.validate(doc, DIAGNOSIS_SCHEMA)
    summary = trained_table_run.summary
    for rung, value in summary["ladder"].items():
        assert doc["ladder"][rung] == pytest.approx(value) if value is not None else doc["ladder"][rung] is None
    for kind in ("ladder", "gaps"):
        for name, iv in doc["intervals"][kind].items():
            if iv is not None and iv["method"] != "exact":
                assert iv["low"] <= iv["value"] <= iv["high"], (kind, name)
    assert doc["metric"] == summary["metric"] and doc["error_of"] == summary["error_of"]


def test_the_example_in_design_md_validates():
    example = {"run": "...", "metric": "accuracy", "error_of": "1 - accuracy",
               "ladder": {"human": 0.01, "train": 0.03, "train_dev": 0.04, "dev": 0.12, "test": None},
               "gaps": {"avoidable_bias": 0.02, "variance": 0.01, "data_mismatch": 0.08, "dev_overfit": None},
               "verdict": "data_mismatch",
               "remedies": [{"gap": "data_mismatch", "action": "...", "why": "...", "set": {"train.augment": ["blur"]}}]}
    extra = {"intervals": {"ladder": dict.fromkeys(example["ladder"]), "gaps": dict.fromkeys(example["gaps"])},
             "tolerance": 0.01, "confidence": 0.95, "sentence": "..."}
    jsonschema.validate({**example, **extra}, DIAGNOSIS_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**example, **extra, "verdict": "overfitting"}, DIAGNOSIS_SCHEMA)


def test_terminal_and_notebook_views_say_the_verdict(trained_table_run, cli):
    d = tuneup.diagnose(trained_table_run)
    r = cli("diagnose", str(trained_table_run.path), "--tolerance", "0.5")
    assert r.code == 0 and "verdict: ok" in r.stdout  # nothing is a 50-point problem
    assert "verdict:" in cli("diagnose", str(trained_table_run.path)).stdout
    assert d.sentence.split(":")[0] in diagnosis_html(d)


def test_tolerance_confidence_and_resamples_override_the_config(trained_table_run):
    wide = tuneup.diagnose(trained_table_run, confidence=0.99, resamples=300, tolerance=0.2)
    narrow = tuneup.diagnose(trained_table_run, confidence=0.8, resamples=300)
    dev_w, dev_n = wide.intervals["ladder"]["dev"], narrow.intervals["ladder"]["dev"]
    assert dev_w.high - dev_w.low > dev_n.high - dev_n.low
    assert wide.tolerance == 0.2 and wide.verdict == "ok"


def test_user_mistakes_exit_2_with_one_line(trained_table_run, cli):
    r = cli("diagnose", "no-such-run")
    assert r.code == 2 and r.stderr.startswith("error: run 'no-such-run' not found")
    r = cli("diagnose", str(trained_table_run.path), "--confidence", "1.5")
    assert r.code == 2 and "diagnose.confidence" in r.stderr and r.stdout == ""


# ---- planted scenarios on real data ---------------------------------------------------------------------
DIGITS_SMALL_TRAIN = {"name": "digits", "data": {"train": {"path": "builtin:digits"}, "split": {"dev": 0.8, "test": 0.1}},
                      "model": {"hidden": [128, 128]}, "baselines": [],
                      "train": {"epochs": 40, "batch_size": 32, "early_stopping": False, **FAST}}


@pytest.mark.slow
def test_small_training_subset_with_a_large_unregularised_mlp_is_variance():
    run = train(DIGITS_SMALL_TRAIN, "variance")
    d = tuneup.diagnose(run)
    assert d.verdict == "variance" and d.ladder["train"] < 0.01
    assert d.intervals["gaps"]["variance"].low > 0.03
    assert {"train.weight_decay", "model.dropout"} <= {k for r in d.remedies if r.gap == "variance" for k in r.set}
    for remedy in d.remedies:
        applies(run, remedy)


@pytest.mark.slow
def test_a_network_that_stays_at_chance_did_not_learn_and_is_not_told_to_grow():
    # the case: a learning rate so small that the weights barely move; a bigger network would not help
    raw = {"name": "digits", "data": {"train": {"path": "builtin:digits"}}, "baselines": ["majority", "linear"],
           "train": {"lr": 1e-6, "epochs": 6, "batch_size": 64, **FAST}}
    run = train(raw, "stuck")
    d = tuneup.diagnose(run)
    assert d.verdict == "did_not_learn" and d.problems == ["did_not_learn"]
    assert d.ladder["train"] > 0.9 * d.evidence.chance and d.sentence.startswith("did not learn")
    assert d.remedies[0].gap == "did_not_learn" and "train.lr" in d.remedies[0].set
    assert d.remedies[0].set["train.lr"] > 1e-4  # the range-tested rate (or 10x), never a smaller one
    assert not any("model.hidden" in r.set or "model.channels" in r.set for r in d.remedies)  # not "bigger"
    for remedy in d.remedies:
        applies(run, remedy)
    learned = tuneup.diagnose(train(raw, "unstuck", d.remedies[0].set), measure=False)
    assert learned.verdict != "did_not_learn" and learned.ladder["train"] < 0.5 * d.ladder["train"]


@pytest.mark.slow
def test_a_network_too_small_for_the_task_is_avoidable_bias_and_the_first_size_remedy_fixes_it():
    raw = {"name": "digits", "data": {"train": {"path": "builtin:digits"}}, "model": {"hidden": [2]},
           "baselines": ["linear"], "train": {"epochs": 15, "batch_size": 64, **FAST}}
    run = train(raw, "too-small")
    d = tuneup.diagnose(run)
    assert d.verdict == "avoidable_bias" and d.reference["against"] == "baseline"
    assert d.lr_range is not None and d.lr_range.suggested > 0
    for remedy in d.remedies:
        applies(run, remedy)
    wider = next(r for r in d.remedies if "model.hidden" in r.set and r.action.startswith("a wider"))
    better = tuneup.diagnose(train(raw, "wider", wider.set), measure=False)
    assert better.intervals["gaps"]["avoidable_bias"].high < d.intervals["gaps"]["avoidable_bias"].low


@pytest.mark.slow
def test_web_digits_to_phone_digits_is_data_mismatch_with_measured_augmentations(trained_image_run):
    d = tuneup.diagnose(trained_image_run)
    assert d.verdict == "data_mismatch"
    assert d.intervals["gaps"]["data_mismatch"].low > 0
    first = d.remedies[0]
    assert first.gap == "data_mismatch" and "train.augment" in first.set
    names = {a["name"] for a in first.set["train.augment"]}
    assert {"blur", "noise"} <= names  # the phone digits are measurably blurrier and noisier
    assert any(r.set == {"data.split.target_in_train": 0.2} for r in d.remedies)
    for remedy in d.remedies:
        applies(trained_image_run, remedy)


DIABETES = {"name": "diabetes", "data": {"train": {"path": "builtin:diabetes"}, "split": {"dev": 0.4, "test": 0.1}},
            "model": {"hidden": [128, 128]}, "baselines": ["linear"],
            "train": {"epochs": 60, "batch_size": 32, "lr": 0.01, "early_stopping": False, **FAST}}


@pytest.mark.slow
def test_weight_decay_and_dropout_from_the_recipe_measurably_shrink_the_variance_gap():
    run = train(DIABETES, "memorises")
    d = tuneup.diagnose(run, measure=False)
    assert d.verdict == "variance" and d.error_in_units and "target's units" in " ".join(d.notes)
    plain = d.intervals["gaps"]["variance"]
    regularisers = [r for r in d.remedies if set(r.set) & {"train.weight_decay", "model.dropout"}]
    assert len(regularisers) == 2
    for remedy in regularisers:
        gap = tuneup.diagnose(train(DIABETES, remedy.action.replace(" ", "-"), remedy.set), measure=False)
        assert gap.intervals["gaps"]["variance"].high < plain.low, remedy.action  # intervals do not overlap
