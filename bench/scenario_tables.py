"""Generated tables for the scenarios (`bench/scenarios.py`), each a DataFrame with a named label column,
built so that its truth is known: how the label depends on the features, how much of it is noise, and
(for two sources) exactly how the target source differs. Seeded: the same seed gives the same rows.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def machines(n: int, rng: np.random.Generator, sensor_offset: float = 0.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Machines that fail or not. The true temperature drives failure; the `temperature` column is what the
    sensor reads: the true value plus `sensor_offset` (a recalibrated sensor on the target machines).
    P(fail | true state) is the same in both sources: only the reading moved. Returns the table and each
    row's true P(fail)."""
    true_temp = rng.normal(60, 8, n)
    vibration = rng.gamma(2.0, 1.0, n)
    load = rng.uniform(0, 1, n)
    site = rng.choice(["north", "south", "east", "west"], n)
    site_effect = pd.Series(site).map({"north": 0.5, "south": -0.5, "east": 0.0, "west": 0.0}).to_numpy()
    p = _sigmoid(0.6 * (true_temp - 60) + 1.5 * (vibration - 2) + 2.0 * (load - 0.5) + site_effect)
    frame = pd.DataFrame({
        "temperature": (true_temp + sensor_offset).round(2),
        "vibration": vibration.round(3),
        "load": load.round(3),
        "pressure": rng.normal(100, 10, n).round(1),  # irrelevant
        "humidity": rng.uniform(20, 80, n).round(1),  # irrelevant
        "site": site,
        "failed": np.where(rng.random(n) < p, "yes", "no"),
    })
    return frame, p


def sparse_linear(n: int, rng: np.random.Generator, features: int = 60, informative: int = 8) -> pd.DataFrame:
    """A deterministic linear label on `informative` of `features` Gaussian columns (the Bayes error is 0)
    and a categorical column that carries nothing: with few rows, the kind of table a big network
    memorises."""
    w = np.zeros(features)  # drawn first: the same seed gives the same rule at any n
    w[:informative] = rng.choice([-1.0, 1.0], informative) * rng.uniform(0.5, 1.5, informative)
    x = rng.normal(size=(n, features))
    frame = pd.DataFrame(x.round(4), columns=[f"x{i:02d}" for i in range(features)])
    frame["channel"] = rng.choice(["web", "store", "phone"], n)
    frame["converted"] = np.where(x @ w > 0, "yes", "no")
    return frame


def wavy(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """A deterministic label: above or below a sine wave that each zone shifts. A straight line gets about
    15% wrong; a flexible model almost none (the Bayes error is 0)."""
    x1, x2 = rng.uniform(-2, 2, n), rng.uniform(-2, 2, n)
    zone = rng.choice(["a", "b", "c"], n)
    shift = pd.Series(zone).map({"a": -0.4, "b": 0.0, "c": 0.4}).to_numpy()
    frame = pd.DataFrame({"x1": x1.round(4), "x2": x2.round(4), "zone": zone})
    for i in range(4):
        frame[f"noise{i}"] = rng.normal(size=n).round(4)
    frame["side"] = np.where(x2 > np.sin(3 * x1) + shift, "above", "below")
    return frame


def quadrants(n: int, rng: np.random.Generator, noise_features: int = 6) -> pd.DataFrame:
    """A deterministic label: whether two features have the same sign (an interaction: no single feature
    and no straight line says anything, a small network or a tree learns it easily), irrelevant columns,
    and an irrelevant categorical."""
    x = rng.normal(size=(n, 2 + noise_features))
    frame = pd.DataFrame(x.round(4), columns=[f"f{i}" for i in range(x.shape[1])])
    frame["batch"] = rng.choice(["b1", "b2", "b3"], n)
    frame["agree"] = np.where((x[:, 0] > 0) == (x[:, 1] > 0), "same", "opposite")
    return frame


def flip_labels(labels: pd.Series, share: float, rng: np.random.Generator) -> tuple[pd.Series, np.ndarray]:
    """Exactly round(share * n) labels, chosen at random, changed to another class at random; returns the
    noisy labels and the mask of changed rows."""
    n = len(labels)
    flipped = np.zeros(n, dtype=bool)
    flipped[rng.choice(n, size=round(share * n), replace=False)] = True
    classes = np.array(sorted(labels.unique()))
    noisy = labels.to_numpy().copy()
    for i in np.flatnonzero(flipped):
        others = classes[classes != noisy[i]]
        noisy[i] = others[rng.integers(len(others))]
    return pd.Series(noisy, name=labels.name), flipped


def noisy_linear(n: int, rng: np.random.Generator, share: float) -> tuple[pd.DataFrame, np.ndarray]:
    """An easy table (`sparse_linear` with every column informative) with `share` of the labels flipped at
    random: every split carries the same noise, so about `share` error is the floor. Returns the table
    and the mask of flipped rows."""
    frame = sparse_linear(n, rng, features=10, informative=10)
    frame["converted"], flipped = flip_labels(frame["converted"], share, rng)
    return frame, flipped


def thresholds(n: int, rng: np.random.Generator, irrelevant: int = 16) -> pd.DataFrame:
    """A deterministic label made of axis-aligned thresholds and interactions (what trees are built for)
    among many irrelevant and heavy-tailed columns."""
    x = rng.normal(size=(n, 4))
    kind = rng.choice(["c1", "c2", "c3", "c4", "c5", "c6"], n)
    rule = ((x[:, 0] > 0.5) & (x[:, 1] < 0.0)) | ((x[:, 2] > 0.8) & np.isin(kind, ["c3", "c4"])) | (x[:, 3] < -1.2)
    frame = pd.DataFrame(x.round(4), columns=["a", "b", "c", "d"])
    frame["kind"] = kind
    for i in range(irrelevant):
        col = rng.standard_t(2, n) if i % 2 else rng.normal(size=n)  # half of them heavy-tailed
        frame[f"z{i:02d}"] = col.round(4)
    frame["flag"] = np.where(rule, "on", "off")
    return frame


def breast_cancer() -> pd.DataFrame:
    """scikit-learn's bundled breast-cancer table with the diagnosis named (malignant / benign)."""
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer(as_frame=True)
    frame = d.data.copy()
    frame["diagnosis"] = np.asarray(d.target_names)[d.target.to_numpy()]
    return frame
