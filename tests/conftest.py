"""Shared fixtures: every test runs in its own folder with its own runs dir and image cache."""
from __future__ import annotations

import io
import os
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

torch.set_num_threads(1 if os.environ.get("PYTEST_XDIST_WORKER") else 2)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUNEUP_CACHE", str(tmp_path / ".cache"))
    monkeypatch.delenv("TUNEUP_RUNS", raising=False)
    from tuneup import _progress
    from tuneup.checks import runner
    from tuneup.pipeline import preparation

    _progress.set_quiet(False)
    preparation._CACHE.clear()
    runner._said.clear()  # each test hears the data checks' warnings in full
    yield


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


def run_cli(*args: str) -> CliResult:
    """Run the CLI in-process, as `tuneup ARGS...`; returns exit code and captured streams."""
    from tuneup import _progress
    from tuneup.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    old_file = _progress.console._file  # None: follow sys.stderr (reading .file would pin today's stream)
    _progress.console.file = err
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        _progress.console._file = old_file
        _progress.set_quiet(False)
    return CliResult(code, out.getvalue(), err.getvalue())


@pytest.fixture
def cli():
    return run_cli


def make_table(n: int = 600, seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """A churn-like table: numbers with missing values, categoricals, a date, an id, a metadata column,
    and a binary label that depends on them."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n)
    income = rng.lognormal(10, 0.5, n)
    city = rng.choice(["paris", "berlin", "rome", "oslo"], n)
    plan = rng.choice(["basic", "pro"], n)
    logit = 0.08 * (age - 40) + 1.2 * (city == "paris") - 0.8 * (plan == "pro") + rng.normal(0, 0.7, n)
    df = pd.DataFrame({
        "customer_id": [f"c{i:05d}" for i in range(n)],
        "age": age, "income": income, "city": city, "plan": plan,
        "signup": pd.date_range("2021-01-01", periods=n, freq="D").astype(str),
        "region": rng.choice(["north", "south"], n),
        "churn": np.where(logit > 0.4, "yes", "no"),
    })
    if missing:
        df.loc[rng.random(n) < 0.1, "age"] = np.nan
        df.loc[rng.random(n) < 0.05, "city"] = np.nan
    return df


@pytest.fixture
def table_csv(tmp_path) -> Path:
    path = tmp_path / "churn.csv"
    make_table().to_csv(path, index=False)
    return path


def table_config(path: Path, **extra) -> dict:
    cfg = {
        "name": "churn",
        "data": {"train": {"path": str(path), "target": "churn", "id": "customer_id"}, "meta": ["region"]},
        "model": {"hidden": [32, 16]},
        "train": {"epochs": 15, "batch_size": 64},
    }
    for key, value in extra.items():
        cfg[key] = value
    return cfg


def write_image_folder(root: Path, per_class: int = 12, classes=("0", "1", "2"), size: int = 16, seed: int = 0) -> Path:
    """Class-per-subfolder PNGs drawn from the bundled digits."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(seed)
    for c in classes:
        (root / c).mkdir(parents=True, exist_ok=True)
        pool = np.flatnonzero(digits.target == int(c))
        for i, j in enumerate(rng.choice(pool, per_class, replace=False)):
            img = (digits.images[j] / 16 * 255).astype(np.uint8)
            Image.fromarray(img).resize((size, size)).save(root / c / f"{c}_{i:03d}.png")
    return root


@pytest.fixture(scope="session")
def trained_table_run(tmp_path_factory):
    """One small finished table run (binary, with missing values, categoricals and metadata)."""
    import tuneup

    root = tmp_path_factory.mktemp("table_run")
    path = root / "churn.csv"
    make_table(800).to_csv(path, index=False)
    cfg = table_config(path, runs_dir=str(root / "runs"))
    return tuneup.run(cfg, name="table", progress=False)


@pytest.fixture(scope="session")
def trained_image_run(tmp_path_factory):
    """One small finished image run on the web-vs-phone digits (train-dev and a target source)."""
    import tuneup

    root = tmp_path_factory.mktemp("image_run")
    cfg = tuneup.demo_config(epochs=4, runs_dir=str(root / "runs"))
    return tuneup.run(cfg, name="digits", progress=False)
