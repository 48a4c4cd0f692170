"""What logged traffic is compared with: the run's own examples (the training split by default), as the
features the server logs (tables) or as image statistics (images), re-read through the run's sources."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuneup.exceptions import UserError

MAX_ROWS = 200_000  # a random sample this big measures a distribution as well as all of it


@dataclass
class Reference:
    frame: pd.DataFrame  # tables: the feature columns as read; images: brightness, contrast, sharpness, noise
    types: dict[str, str]  # column -> numeric | categorical | boolean | datetime
    images: np.ndarray | None  # images: (N, C, H, W) uint8, for the model's own features
    label: str  # "train split (640 rows)"


def load_reference(run, split: str = "train", seed: int = 0) -> Reference:
    from tuneup.data.shift import IMAGE_STATS, image_stats

    ds = run.data()
    mask = run.splits.aligned_to(ds.ids).split == split
    if not mask.any():
        raise UserError(f"run '{run.name}' has no {split} split to compare traffic with; set watch.reference to "
                        f"one of: {', '.join(run.splits.present())}")
    rows = np.flatnonzero(mask)
    if len(rows) > MAX_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_ROWS, replace=False))
    label = f"{split} split ({len(rows):,} rows{' sampled' if len(rows) < mask.sum() else ''})"
    if ds.kind == "image":
        images = ds.images[rows]
        return Reference(image_stats(images), {c: "numeric" for c in IMAGE_STATS}, images, label)
    types = {c["name"]: c["type"] for c in run.encoder.spec["columns"]}
    frame = ds.features.iloc[rows][list(types)].reset_index(drop=True)
    return Reference(frame, types, None, label)
