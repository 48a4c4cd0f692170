"""A sample of misclassified examples for a person to look at and tag (the seeds' manual error analysis:
look at ~100 dev errors, count what they have in common). Writes a CSV with an empty `tags` column, ready
to fill in and give back with `--tags`, and for images a contact sheet PNG."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup._io import write_bytes, write_with
from tuneup.errors.images import contact_sheet
from tuneup.errors.tags import error_mask
from tuneup.errors.toploss import example_records


@dataclass
class Sample:
    n: int  # examples written
    of: int  # errors to draw from
    csv: str
    png: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def sample_errors(examples, n: int, seed: int = 0) -> np.ndarray:
    """Up to `n` misclassified examples (for regression: from the worst quarter), drawn at random."""
    pool = np.flatnonzero(error_mask(examples))
    rng = np.random.default_rng(seed)
    picked = rng.choice(pool, size=min(n, len(pool)), replace=False) if len(pool) else pool
    return np.sort(picked)


def write_sample(examples, n: int, folder: str | Path, split: str = "dev", seed: int = 0) -> Sample:
    rows = sample_errors(examples, n, seed)
    folder = Path(folder)
    records = _flat(example_records(examples, rows))
    if records.empty:
        records = pd.DataFrame(columns=["id", "y_true", "y_pred", "loss", "tags"])
    csv = write_with(folder / f"sample-{split}.csv", lambda tmp: records.to_csv(tmp, index=False))
    png = None
    if examples.images is not None and len(rows):
        true, pred = examples.shown("y_true")[rows], examples.shown("y_pred")[rows]
        captions = [f"{examples.ids[i]}\n{t} -> {p}" for i, t, p in zip(rows, true, pred)]
        png = write_bytes(folder / f"sample-{split}.png", contact_sheet(examples.images[rows], captions))
    return Sample(len(rows), int(error_mask(examples).sum()), str(csv), None if png is None else str(png))


def _flat(records: list[dict]) -> pd.DataFrame:
    """One CSV row per example: its own fields, an empty `tags` to fill in, then its columns; a column named
    like one of the example's own fields is written as `column:<name>`."""
    rows = []
    for record in records:
        row = {k: v for k, v in record.items() if k != "columns"} | {"tags": ""}
        rows.append(row | {(f"column:{k}" if k in row else k): v for k, v in record["columns"].items()})
    return pd.DataFrame(rows)
