"""Logs for the watch tests: the run's own model answering fresh examples from the same generator
(tests/conftest.py's make_table), written by bench/loggen.py in the server's log format."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from loggen import simulate
from tests.conftest import make_table

LABEL, DROP = "churn", ["churn", "customer_id", "region"]


def fresh(n: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    """New churn-like requests (features as a client sends them) and their true labels: tables of the
    training run's size (800, so sign-up dates span the same years), from other seeds."""
    parts = [make_table(800, seed=1000 * seed + k) for k in range(-(-n // 800))]
    table = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=seed).head(n).reset_index(drop=True)
    return table.drop(columns=DROP), table[LABEL]


def table_log(run, folder: Path, n: int = 2000, seed: int = 1, **plan) -> Path:
    rows, labels = fresh(n, seed)
    return simulate(run, folder, rows=rows, labels=labels, seed=seed, **plan)
