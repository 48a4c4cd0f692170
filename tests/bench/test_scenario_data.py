"""The scenario generators (`bench/scenario_*.py`) have the properties their truths rest on, on tiny sizes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from bench.scenario_checks import domain_auc
from bench.scenario_data import write
from bench.scenario_list import CLUTTERED, PHONE, SCENARIOS, digits_inverted, glyphs_phone, shapes_clutter
from bench.scenario_models import pixels
from PIL import Image

from bench import scenario_images as images
from bench import scenario_tables as tables

VERDICTS = {"avoidable_bias", "variance", "data_mismatch", "dev_overfit", "ok", "did_not_learn"}


@pytest.mark.parametrize("make", [glyphs_phone, shapes_clutter, digits_inverted])
def test_image_mismatch_sources_are_told_apart_from_pixels(make):
    gen = make(0, 0.04)  # 60 web and 60 phone images (n_of never goes below 60)
    assert domain_auc(pixels(gen.train.images), pixels(gen.target.images), seed=0) > 0.9
    assert set(gen.train.labels) == set(gen.target.labels)  # same classes, different capture


def test_camera_at_strength_zero_changes_nothing_and_degrades_at_one():
    rng = np.random.default_rng(0)
    clean = images.on_paper(images.glyph("7", rng), rng)
    assert np.allclose(PHONE.capture(clean, rng, strength=0.0), clean)
    phone = PHONE.capture(clean, rng)
    assert phone.mean() < clean.mean() - 0.1  # darker
    assert phone.std() < clean.std()  # less contrast (blur and the contrast loss)
    rgb = images.shape_rgb("star", rng)
    cast = CLUTTERED.capture(rgb, rng)
    assert cast[..., 2].mean() < rgb[..., 2].mean()  # the white-balance cast takes blue away


def test_generators_are_seeded():
    a, b, c = (images.glyph_set(20, np.random.default_rng(s), PHONE) for s in (3, 3, 4))
    assert np.array_equal(a.images, b.images) and list(a.labels) == list(b.labels)
    assert not np.array_equal(a.images, c.images)
    assert tables.thresholds(50, np.random.default_rng(1)).equals(tables.thresholds(50, np.random.default_rng(1)))


def test_image_folders_are_one_subfolder_per_class(tmp_path):
    gen = shapes_clutter(1, 0.02)
    written = write(gen, tmp_path)
    for root, part in ((written.train, gen.train), (written.target, gen.target)):
        assert sorted(p.name for p in root.iterdir()) == sorted(set(part.labels))
        files = sorted(root.glob("*/*.png"))
        assert len(files) == len(part.labels)
        with Image.open(files[0]) as img:
            assert img.size == (32, 32) and img.mode == "RGB"
    grey = write(glyphs_phone(0, 0.02), tmp_path / "glyphs")
    with Image.open(next(grey.train.glob("*/*.png"))) as img:
        assert img.mode == "L"


def test_sensor_drift_moves_only_the_temperature_reading():
    rng = np.random.default_rng(0)
    train, p_train = tables.machines(4000, rng)
    target, p_target = tables.machines(4000, rng, sensor_offset=7.0)
    assert target["temperature"].mean() - train["temperature"].mean() == pytest.approx(7.0, abs=0.6)
    for col in ("vibration", "load", "pressure", "humidity"):
        assert abs(target[col].mean() - train[col].mean()) < 0.1 * train[col].std()
    assert abs(p_target.mean() - p_train.mean()) < 0.03  # P(fail | true state) unchanged: same failure rate


def test_flip_labels_flips_exactly_the_stated_share():
    rng = np.random.default_rng(0)
    labels = pd.Series(rng.choice(["a", "b", "c"], 1000), name="y")
    noisy, flipped = tables.flip_labels(labels, 0.22, rng)
    assert flipped.sum() == 220
    assert (noisy[flipped].to_numpy() != labels[flipped].to_numpy()).all()
    assert (noisy[~flipped].to_numpy() == labels[~flipped].to_numpy()).all()


def test_label_noise_is_spread_over_every_split():
    frame, flipped = tables.noisy_linear(2000, np.random.default_rng(0), 0.22)
    parts = np.array_split(np.random.default_rng(1).permutation(len(frame)), 5)  # any random split
    assert all(abs(flipped[p].mean() - 0.22) < 0.06 for p in parts)


def test_quadrants_label_is_an_interaction():
    frame = tables.quadrants(4000, np.random.default_rng(0))
    same = frame["agree"] == "same"
    for col in ("f0", "f1"):  # one feature alone says nothing
        assert abs(same[frame[col] > 0].mean() - 0.5) < 0.05
    assert (same == ((frame["f0"] > 0) == (frame["f1"] > 0))).all()


def test_wavy_and_sparse_linear_labels_are_deterministic():
    w = tables.wavy(500, np.random.default_rng(0))
    shift = w["zone"].map({"a": -0.4, "b": 0.0, "c": 0.4})
    assert ((w["x2"] > np.sin(3 * w["x1"]) + shift) == (w["side"] == "above")).mean() > 0.99  # rounding only
    small, big = (tables.sparse_linear(n, np.random.default_rng(5)) for n in (100, 1000))
    assert small.columns.equals(big.columns)  # the same rule at any size: drawn before the rows


def test_scenarios_are_well_formed():
    import tuneup

    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names)) and len(names) >= 8
    for s in SCENARIOS:
        assert set(s.right) <= VERDICTS, s.name
        assert s.kind in ("image", "table")
        # every user choice is a real config key with a valid value
        tuneup.load_config({"data": {"train": {"path": "x.csv", "target": "y"}}}, overrides=s.overrides)
    kinds = {(s.kind, s.truth) for s in SCENARIOS}
    assert {("image", "data_mismatch"), ("table", "data_mismatch"), ("table", "variance"),
            ("table", "avoidable_bias"), ("table", "did_not_learn")} <= kinds
    assert sum(s.truth == "data_mismatch" and s.kind == "image" for s in SCENARIOS) >= 2
    assert sum(s.truth == "ok" for s in SCENARIOS) >= 2


def test_runner_lists_the_scenarios(capsys):
    from bench.scenarios import main

    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(s.name in out for s in SCENARIOS)


def test_glyphs_hold_no_near_copies_within_a_class():
    gen = images.glyph_set(200, np.random.default_rng(0))
    for c in images.DIGITS:
        thumbs = np.stack([images._thumb(img) for img in gen.images[gen.labels == c]])
        corr = thumbs @ thumbs.T / thumbs.shape[1]
        np.fill_diagonal(corr, 0)
        assert corr.max() < images.NEAR, c
