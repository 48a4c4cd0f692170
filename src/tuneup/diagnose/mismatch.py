"""What differs between the data a run trained on and the data that matters, measured (data/shift.py),
so the data-mismatch remedies say what to change and why. Inputs only: no dev labels are read."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tuneup import _progress
from tuneup.data.dataset import TRAIN_SOURCE
from tuneup.data.shift import FeatureShift, ImageShift, feature_shifts, image_shift

MAX_ROWS = 5000  # per side: image statistics and shift tests need no more to see a difference


@dataclass
class Mismatch:
    kind: str  # image | table
    n_train: int
    n_target: int
    image: ImageShift | None = None
    shifted: list[FeatureShift] = field(default_factory=list)  # tables: the flagged columns, largest first

    def to_dict(self) -> dict:
        return {"kind": self.kind, "n_train": self.n_train, "n_target": self.n_target,
                "image": None if self.image is None else self.image.to_dict(),
                "shifted": [s.to_dict() for s in self.shifted]}


def measure_mismatch(run, seed: int = 0) -> Mismatch:
    """Training-source training examples vs the dev examples (the distribution that matters)."""
    with _progress.task(f"measuring how {run.name}'s dev data differs from its training data", total=2) as bar:
        ds = run.data()
        splits = run.splits.aligned_to(ds.ids)
        bar.advance(note="data read again")
        train = splits.mask("train") & (ds.source == TRAIN_SOURCE)
        if not train.any():
            train = splits.mask("train")
        rng = np.random.default_rng(seed)
        a, b = _sample(np.flatnonzero(train), rng), _sample(np.flatnonzero(splits.mask("dev")), rng)
        if ds.kind == "image":
            found = Mismatch("image", len(a), len(b), image=image_shift(ds.images[a], ds.images[b]))
        else:
            shifts = feature_shifts(ds.features.iloc[a], ds.features.iloc[b], run.config.data.types)
            found = Mismatch("table", len(a), len(b), shifted=[s for s in shifts if s.flagged])
        bar.advance(note=f"{len(a):,} training and {len(b):,} dev examples compared")
    return found


def _sample(rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rows if len(rows) <= MAX_ROWS else np.sort(rng.choice(rows, MAX_ROWS, replace=False))
