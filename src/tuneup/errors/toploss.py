"""The examples the model gets most wrong: the highest per-example loss, with their inputs, so a
person can see what they have in common (images: `images.example_images(run, ids)`)."""
from __future__ import annotations

import numpy as np
import pandas as pd

TOP = 10


def top_losses(examples, top: int = TOP) -> list[dict]:
    loss = np.where(np.isfinite(examples.loss), examples.loss, examples.error)
    k = min(top, len(loss))
    if k == 0:
        return []
    rows = np.argpartition(-loss, k - 1)[:k]
    rows = rows[np.argsort(-loss[rows], kind="stable")]
    return example_records(examples, rows)


def example_records(examples, rows: np.ndarray) -> list[dict]:
    """One plain dict per example: id, truth, prediction, how sure the model was, loss, and under `columns`
    its metadata and features (apart: a feature may be called `y_true` or `loss`)."""
    true, pred = examples.shown("y_true")[rows], examples.shown("y_pred")[rows]
    columns = _plain(examples.columns.iloc[rows])
    return [{"id": str(examples.ids[i]), "y_true": _value(true[j]), "y_pred": _value(pred[j]),
             **confidence(examples, int(i)), "loss": float(examples.loss[i]), "error": float(examples.error[i]),
             "columns": columns[j]} for j, i in enumerate(rows)]


def confidence(examples, i: int) -> dict:
    """What the model believed: P(positive) for binary, P(predicted) and P(true) for multiclass."""
    if examples.proba is None or examples.task in ("regression", "multilabel"):
        return {}
    if examples.task == "binary":
        return {"score": float(examples.proba[i])}
    p = examples.proba[i]
    return {"p_pred": float(p[examples.y_pred[i]]), "p_true": float(p[examples.y_true[i]])}


def _plain(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: dates as text, missing values as None."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00")
    out = out.astype(object)
    return out.where(out.notna(), None).to_dict("records")


def _value(v):
    return v.item() if isinstance(v, np.generic) else v
