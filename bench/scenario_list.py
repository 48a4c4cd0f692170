"""The scenarios: data with a known truth, and the config a user would have (what `tuneup init` writes,
plus the scenario's own user choices as overrides). `truth` is the verdict tuneup should give; each
description says why, and how the truth was checked without tuneup (`bench/scenario_checks.py`, printed by
`python bench/scenarios.py --verify`).

Verdicts: avoidable_bias, variance, data_mismatch, dev_overfit, ok, did_not_learn (a kept model at or
near chance on its own training data).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench import scenario_checks as checks
from bench import scenario_images as images
from bench import scenario_tables as tables
from bench.scenario_data import Generated, n_of


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # image | table
    truth: str  # the verdict tuneup should give
    description: str  # the data, why this truth, how it was checked
    make: Callable[[int, float], Generated]  # (seed, scale) -> the data; scale < 1 under --quick
    check: Callable[[Generated, int, float], dict[str, Any]]  # (data, seed, scale) -> independent evidence
    overrides: dict[str, Any] = field(default_factory=dict)  # the user's own choices over init's config
    accept: tuple[str, ...] = ()  # other verdicts counted right; the description says why

    @property
    def right(self) -> tuple[str, ...]:
        return (self.truth, *self.accept)


# ---- images ---------------------------------------------------------------------------------------------
PHONE = images.Camera(blur=(0.8, 1.6), contrast=(0.5, 0.7), brightness=(0.55, 0.75), noise=(0.04, 0.08))
CLUTTERED = images.Camera(cast=(1.15, 1.0, 0.75), noise=(0.02, 0.04))
CLUTTER = 6  # random lines and specks behind the target's shapes


def glyphs_phone(seed: int, scale: float) -> Generated:
    rng = np.random.default_rng(seed)
    return Generated(images.glyph_set(n_of(1200, scale), rng), images.glyph_set(n_of(600, scale), rng, PHONE))


def shapes_clutter(seed: int, scale: float) -> Generated:
    rng = np.random.default_rng(seed)
    return Generated(images.shape_set(n_of(1200, scale), rng),
                     images.shape_set(n_of(600, scale), rng, CLUTTERED, scale=0.8, offset=14.0, clutter=CLUTTER))


def digits_inverted(seed: int, scale: float) -> Generated:
    rng = np.random.default_rng(seed)
    rows = rng.permutation(1797)
    web, phone = rows[:n_of(1200, scale)], rows[1200:1200 + n_of(597, scale)]
    return Generated(images.digit_set(web, rng),
                     images.digit_set(phone, rng, invert=True, angle=20.0, scale=(0.8, 1.1), shift=2.0))


def glyphs_clean(seed: int, scale: float) -> Generated:
    return Generated(images.glyph_set(n_of(2000, scale), np.random.default_rng(seed)))


# ---- tables ---------------------------------------------------------------------------------------------
def sensor_drift(seed: int, scale: float) -> Generated:
    rng = np.random.default_rng(seed)
    train, _ = tables.machines(n_of(2000, scale), rng)
    target, _ = tables.machines(n_of(600, scale), rng, sensor_offset=7.0)
    return Generated(train, target, "failed")


def small_bignet(seed: int, scale: float) -> Generated:
    return Generated(tables.sparse_linear(n_of(500, scale), np.random.default_rng(seed)), label="converted")


def wavy(seed: int, scale: float) -> Generated:
    return Generated(tables.wavy(n_of(3000, scale), np.random.default_rng(seed)), label="side")


def quadrants(seed: int, scale: float) -> Generated:
    return Generated(tables.quadrants(n_of(1500, scale), np.random.default_rng(seed)), label="agree")


NOISE_SHARE = 0.22


def label_noise(seed: int, scale: float) -> Generated:
    rng = np.random.default_rng(seed)
    frame, flipped = tables.noisy_linear(n_of(2000, scale), rng, NOISE_SHARE)
    clean = np.where(flipped, np.where(frame["converted"] == "yes", "no", "yes"), frame["converted"])
    return Generated(frame, label="converted", extra={"flipped": flipped, "clean": clean})


def breast_cancer(seed: int, scale: float) -> Generated:
    return Generated(tables.breast_cancer(), label="diagnosis")  # fixed data: the seed moves the splits only


def thresholds(seed: int, scale: float) -> Generated:
    return Generated(tables.thresholds(n_of(3000, scale), np.random.default_rng(seed)), label="flag")


BIG_NET = {"model.hidden": [512, 512, 256], "model.dropout": 0.0, "train.early_stopping": False, "train.epochs": 300}
TINY_NET = {"model.hidden": [4], "model.dropout": 0.3, "train.weight_decay": 0.01}
MISMATCH_CHECK = "checked: `scenario_checks.mismatch` (domain AUC; a source-only model's train-dev vs target " \
                 "error; trained on half the target, with the source and alone, its error on the other half)"

SCENARIOS: list[Scenario] = [
    Scenario(
        "glyphs-phone", "image", "data_mismatch",
        "Issue 14's new user: 1,200 clean 32x32 grey digit glyphs (Pillow's font, dark ink on light paper, random "
        "size, stroke, rotation, position) as data.train; 600 more captured blurred (sigma 0.8-1.6), darker "
        "(x0.55-0.75) with less contrast (x0.5-0.7) and sensor noise (sigma 0.04-0.08) as data.target. The "
        "config is init's. Truth: the target is learnable but different, so dev (target) error far above "
        f"train-dev error is data mismatch. {MISMATCH_CHECK}.",
        glyphs_phone, lambda g, seed, scale: checks.mismatch(g, seed)),
    Scenario(
        "shapes-clutter", "image", "data_mismatch",
        "RGB: six shapes (circle, ring, square, triangle, star, cross) in random colours on plain light grounds, "
        "random size, rotation, position; 1,200 as data.train. The 600 target images are smaller (x0.8) and "
        "further off-centre, in front of a cluttered background (random coloured lines and specks), with a "
        "white-balance cast (R x1.15, B x0.75) and noise: a geometric shift plus clutter, not blur. The class is "
        f"the shape, never the colour. Config: init's. Truth: data mismatch. {MISMATCH_CHECK}.",
        shapes_clutter, lambda g, seed, scale: checks.mismatch(g, seed)),
    Scenario(
        "digits-inverted", "image", "data_mismatch",
        "scikit-learn's bundled 8x8 digits upscaled to 32x32: 1,200 scanned-style (bright ink on black, rotation "
        "+-8 degrees) as data.train; the other 597 photographed-style: inverted polarity (dark ink on light), "
        "rotated +-20 degrees, scaled 0.8-1.1, shifted +-2 px. Not the demo's degradation (no blur, no noise). "
        f"Config: init's. Truth: data mismatch. {MISMATCH_CHECK}.",
        digits_inverted, lambda g, seed, scale: checks.mismatch(g, seed)),
    Scenario(
        "sensor-drift", "table", "data_mismatch",
        "Machines that fail or not (2,000 rows, data.train): failure follows the true temperature, vibration, load "
        "and site (logistic, Bayes error about 10%); pressure and humidity are irrelevant; `site` is categorical. "
        "The 600 target rows (data.target, a second CSV) come from machines whose temperature sensor was "
        "recalibrated: it reads 7 degrees high; P(fail | true state) is unchanged. Config: init's. Truth: data "
        f"mismatch. {MISMATCH_CHECK.replace('domain AUC', 'domain AUC of HGB')}.",
        sensor_drift, lambda g, seed, scale: checks.mismatch(g, seed)),
    Scenario(
        "small-bignet", "table", "variance",
        "500 rows, 60 Gaussian features of which 8 set a deterministic linear label (Bayes error 0), plus an "
        "irrelevant categorical. The user's config: an MLP [512, 512, 256] without dropout, early stopping off, "
        "300 epochs (a realistic mistake on small data). Truth: variance (train error near 0, dev far above). "
        "checked: `scenario_checks.variance`: the same widths in scikit-learn (no L2, no early stopping) train "
        "near 0 and err far more on held-out rows; with 10x the rows of the same rule the held-out error falls "
        "(more data helps: variance); LogisticRegression does better on the same rows.",
        small_bignet,
        lambda g, seed, scale: checks.variance(g, small_bignet(seed, 10 * scale), (512, 512, 256), 300, seed),
        BIG_NET),
    Scenario(
        "wavy-tiny", "table", "avoidable_bias",
        "3,000 rows: the label says whether x2 lies above a sine wave in x1 that a categorical `zone` shifts, plus "
        "4 noise columns; deterministic, so the user gives human_level_error 0.01. The user's config: an MLP with "
        "one hidden layer of 4 units, dropout 0.3, weight decay 0.01 (too small, too regularised). Truth: "
        "avoidable bias (training error far above 1%, train-dev close to train). checked: "
        "`scenario_checks.bias`: a 4-unit scikit-learn MLP with L2 makes about the linear error on its own "
        "training rows, while HGB and a [128, 64] MLP make almost none: the bias is avoidable.",
        wavy, lambda g, seed, scale: checks.bias(g, (4,), 1.0, seed),
        {"human_level_error": 0.01, **TINY_NET}),
    Scenario(
        "tiny-lr", "table", "did_not_learn",
        "1,500 rows: the label says whether two Gaussian features have the same sign (deterministic; an "
        "interaction, so a straight line is at chance but a small network or a tree learns it), 6 irrelevant "
        "columns, an irrelevant categorical. The user's config: init's, with train.lr 1e-6 (a typo for 1e-3). "
        "Truth: did not learn (the kept model stays near chance on its own training data). checked: "
        "`scenario_checks.learning_rate`: init's MLP [64, 32] with batch norm in plain PyTorch, Adam at 1e-6 for "
        "init's 100 epochs, stays near chance on its training rows; at 1e-3 it learns, and so does HGB.",
        quadrants, lambda g, seed, scale: checks.learning_rate(g, (64, 32), 1e-6, 100, 32, seed),
        {"train.lr": 1e-6}),
    Scenario(
        "label-noise", "table", "ok",
        f"2,000 rows, a deterministic linear label on 10 features (easy: LR errs ~1% on clean labels), with "
        f"{NOISE_SHARE:.0%} of the labels flipped at random in every split; a categorical `region`. Config: init's. "
        "Truth: the remaining error is the noise floor, so `ok`; `variance` is also right when the network has "
        "memorised flipped training labels (train error clearly below the ~22% floor while dev stays at or "
        "above it), since then the train-dev gap is real. Never avoidable bias or did-not-learn. checked: "
        "`scenario_checks.label_noise`: the flipped share, LR on clean vs noisy labels.",
        label_noise, lambda g, seed, scale: checks.label_noise(g, seed), accept=("variance",)),
    Scenario(
        "breast-cancer", "table", "ok",
        "scikit-learn's bundled breast-cancer table (569 rows, 30 numbers) as a CSV with `diagnosis` "
        "(malignant/benign). Config: init's. Truth: ok (LR and HGB err a few percent; a network that learns "
        "matches them). checked: `scenario_checks.references` (LR, HGB held out).",
        breast_cancer, lambda g, seed, scale: checks.references(g, seed=seed)),
    Scenario(
        "glyphs-clean", "image", "ok",
        "2,000 clean digit glyphs (the web style of glyphs-phone), one source. Config: init's. Truth: ok (a "
        "small CNN that learns errs under 1%; LR on raw pixels errs far more, so it is no bar). checked: "
        "`scenario_checks.references`: LR on raw pixels and a small plain-PyTorch CNN, held out.",
        glyphs_clean, lambda g, seed, scale: checks.references(g, ("LR",), seed)),
    Scenario(
        "thresholds", "table", "variance",
        "3,000 rows: a deterministic label made of axis-aligned thresholds and interactions (a > 0.5 and b < 0; "
        "c > 0.8 for kinds c3/c4; d < -1.2) among 16 irrelevant columns, half heavy-tailed; `kind` is categorical. "
        "Config: init's. Exists to check that improve reaches HistGradientBoosting's dev error (trees fit this "
        "exactly). Truth, as it is with init's MLP [128, 64] at the time of writing (looked at, 2026-12-02): its "
        "kept epoch errs ~5% on train and ~13% on dev, so variance is the larger gap; the labels are "
        "deterministic, so the ~5% training error is avoidable bias as well (the second problem, not the "
        "verdict). checked: `scenario_checks.references`: a plain scikit-learn MLP of init's widths trains to 0 "
        "and errs ~12% held out; HGB errs ~0.2%, LR ~18%.",
        thresholds, lambda g, seed, scale: checks.references(g, seed=seed, hidden=(128, 64))),
]

BY_NAME = {s.name: s for s in SCENARIOS}
