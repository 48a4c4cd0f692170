"""A split of a finished run as exported-model inputs, and the run's metric on an exported model's outputs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuneup.data.encode import Encoder
from tuneup.errors.metrics import Metric
from tuneup.ship.inputs import image_feeds, table_feeds


@dataclass
class EvalSet:
    """One split, ready for any variant: inputs, encoded targets, and metadata for slicing."""

    split: str
    ids: np.ndarray
    feeds: dict[str, np.ndarray]
    y: np.ndarray  # encoded targets (class index, 0/1, or standardized value)
    meta: pd.DataFrame

    def __len__(self) -> int:
        return len(self.ids)


def eval_set(run, split: str = "dev") -> EvalSet:
    """Re-read the run's data and take `split` in splits.csv's assignment."""
    from tuneup.exceptions import UserError

    ds = run.data()
    splits = run.splits.aligned_to(ds.ids)
    rows = np.flatnonzero(splits.mask(split))
    if len(rows) == 0:
        raise UserError(f"run '{run.name}' has no {split} split to verify the export on; splits: {splits.present()}")
    part = ds.take(rows)
    enc = run.encoder
    feeds = image_feeds(part.images) if enc.kind == "image" else table_feeds(enc, part.features)
    y = enc.encode_target(part.y).numpy()
    return EvalSet(split, part.ids, feeds, y, part.meta)


def decide(encoder: Encoder, output: np.ndarray, threshold: float) -> np.ndarray:
    """Outputs -> encoded predictions: argmax, or P >= threshold (binary, multilabel), or the value."""
    if encoder.task == "multiclass":
        return output.argmax(-1)
    if encoder.task in ("binary", "multilabel"):
        return (output >= threshold).astype(np.int64)
    return output


def truth(encoder: Encoder, y: np.ndarray) -> np.ndarray:
    """Encoded targets in the form metrics take (regression back in the target's units)."""
    if encoder.task == "regression":
        return encoder.decode_target(y)
    if encoder.task in ("binary", "multilabel"):
        return np.rint(y).astype(np.int64)
    return y.astype(np.int64)


def score(encoder: Encoder, metric: Metric, y: np.ndarray, output: np.ndarray, threshold: float) -> float | None:
    """The metric on these examples; None where it is undefined (e.g. ROC AUC on a one-class slice)."""
    proba = None if encoder.task == "regression" else output
    try:
        return metric(truth(encoder, y), decide(encoder, output, threshold), proba, encoder.task)
    except ValueError:
        return None
