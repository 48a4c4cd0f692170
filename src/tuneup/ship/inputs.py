"""Model inputs (feeds, by ONNX input name) from what people send: table rows or decoded images.

The same functions feed verification on dev, the server, and the benchmarks, so all three give the
exported model exactly what training gave the network.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tuneup.data.encode import Encoder


def table_feeds(encoder: Encoder, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Feature columns as read or received -> {'features': raw numeric (NaN = missing)[, 'categories']}."""
    feeds = {"features": np.ascontiguousarray(encoder.raw_numeric(frame), dtype=np.float32)}
    if encoder.embedded:
        # Encoder._codes is the one place that maps category strings to indices (unknown -> 0)
        codes = [encoder._codes(frame[c["name"]], c) for c in encoder.embedded]
        feeds["categories"] = np.ascontiguousarray(np.stack(codes, axis=1), dtype=np.int64)
    return feeds


def image_feeds(pixels: np.ndarray) -> dict[str, np.ndarray]:
    """(N, C, H, W) uint8 -> {'image': float32 in [0, 1]}, the scaling `Tensors.inputs` applies in training."""
    return {"image": np.ascontiguousarray(pixels, dtype=np.float32) / np.float32(255.0)}


def concat(feeds: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([f[k] for f in feeds]) for k in feeds[0]}


def take(feeds: dict[str, np.ndarray], rows: np.ndarray | slice) -> dict[str, np.ndarray]:
    return {k: np.ascontiguousarray(v[rows]) for k, v in feeds.items()}


def n_rows(feeds: dict[str, np.ndarray]) -> int:
    return len(next(iter(feeds.values())))
