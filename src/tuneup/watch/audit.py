"""The regular manual check: a sample of recent predictions for people to label, stratified by predicted
class and confidence so that rare classes and unsure answers are looked at too, and the labels they
fill in brought back into the log as feedback.

    audit_sample(log, 200, "audit.csv", task)      # request_id, time, ..., inputs, an empty `label`
    import_feedback("logs/", "audit.csv", scorer)  # the filled-in labels become feedback lines
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup._io import write_with
from tuneup.exceptions import DataError, listing, shown
from tuneup.watch.log import PredictionLog, append_feedback, read_log
from tuneup.data.labels import label_key, label_keys
from tuneup.watch.scoring import Scorer

CONFIDENCE_EDGES = (0.6, 0.8, 0.95)
CONFIDENCE_NAMES = ("<0.6", "0.6-0.8", "0.8-0.95", ">=0.95")
FIXED = ("request_id", "time", "model", "variant", "prediction", "confidence", "stratum")


@dataclass
class AuditSample:
    path: Path
    rows: int
    strata: list[dict]  # stratum, available, sampled

    def to_dict(self) -> dict:
        return {"path": str(self.path), "rows": self.rows, "strata": self.strata}


def confidence(log: PredictionLog, task: str) -> np.ndarray | None:
    """How sure the model was: the top probability (binary: max(score, 1 - score)); None for regression."""
    if task == "binary" and log.predictions["score"].notna().any():
        s = pd.to_numeric(log.predictions["score"], errors="coerce").to_numpy(np.float64)
        return np.maximum(s, 1 - s)
    if task in ("binary", "multiclass") and log.probabilities.shape[1]:
        return log.probabilities.apply(pd.to_numeric, errors="coerce").max(axis=1).to_numpy(np.float64)
    return None


def strata(log: PredictionLog, task: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Each prediction's stratum ("yes, 0.8-0.95"; regression: the prediction's quintile) and confidence."""
    conf = confidence(log, task)
    if task == "regression":
        values = pd.to_numeric(log.predictions["prediction"], errors="coerce")
        bins = pd.qcut(values, q=min(5, max(1, values.nunique())), duplicates="drop")
        return np.asarray(bins.astype(str), dtype=object), None
    keys = label_keys(log.predictions["prediction"]) if task != "multilabel" else \
        log.predictions["prediction"].astype(str).to_numpy(dtype=object)
    if conf is None:
        return keys, None
    bucket = np.asarray(CONFIDENCE_NAMES, dtype=object)[np.searchsorted(CONFIDENCE_EDGES, conf, side="right")]
    return np.array([f"{k}, {b}" for k, b in zip(keys, bucket)], dtype=object), conf


def allocate(sizes: np.ndarray, n: int) -> np.ndarray:
    """An equal share per stratum; what a small stratum cannot use goes to the others."""
    take = np.zeros(len(sizes), dtype=np.int64)
    left = int(min(n, sizes.sum()))
    while left > 0:
        open_ = np.flatnonzero(take < sizes)
        share = max(left // len(open_), 1)
        for i in open_:
            add = int(min(share, sizes[i] - take[i], left))
            take[i] += add
            left -= add
            if left == 0:
                break
    return take


def audit_sample(log: PredictionLog, n: int, out: str | Path, task: str, seed: int = 0) -> AuditSample:
    """Write `out` (CSV): `n` predictions still without ground truth (all of them when fewer), stratified."""
    if n < 1:
        raise DataError(f"--audit {n}: the sample needs at least one row")
    names, conf = strata(log, task)
    pool = np.flatnonzero(~log.labelled)
    if len(pool) == 0:
        raise DataError("every logged prediction already has a label; there is nothing left to audit")
    rng = np.random.default_rng(seed)
    groups = pd.Series(pool).groupby(names[pool], sort=True)
    keys = list(groups.groups)
    sizes = np.array([len(groups.groups[k]) for k in keys])
    take = allocate(sizes, n)
    chosen = [rng.choice(np.asarray(groups.groups[k]), t, replace=False) for k, t in zip(keys, take) if t]
    rows = np.sort(pool[np.concatenate(chosen)]) if chosen else np.zeros(0, int)
    frame = _frame(log, rows, names, conf)
    out = Path(out)
    write_with(out, lambda tmp: frame.to_csv(tmp, index=False))
    listed = [{"stratum": str(k), "available": int(s), "sampled": int(t)} for k, s, t in zip(keys, sizes, take)]
    return AuditSample(out, len(frame), listed)


def _frame(log: PredictionLog, rows: np.ndarray, names: np.ndarray, conf: np.ndarray | None) -> pd.DataFrame:
    p = log.predictions.iloc[rows]
    frame = pd.DataFrame({
        "request_id": p["request_id"].to_numpy(), "time": p["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").to_numpy(),
        "model": p["model"].astype(str).to_numpy(), "variant": p["variant"].astype(str).to_numpy(),
        "prediction": p["prediction"].to_numpy(), "confidence": None if conf is None else np.round(conf[rows], 4),
        "stratum": names[rows],
    })
    inputs = log.inputs.iloc[rows].reset_index(drop=True)
    if "image" in inputs:
        from tuneup.watch.images import image_paths

        inputs = pd.DataFrame({"image": image_paths(log).iloc[rows].to_numpy()})
    inputs = inputs.rename(columns=lambda c: f"input.{c}" if c in FIXED or c == "label" else c)
    return pd.concat([frame, inputs, pd.DataFrame({"label": [""] * len(rows)})], axis=1)


def import_feedback(log_path: str | Path, csv_path: str | Path, scorer: Scorer) -> dict:
    """Append the filled-in labels of `csv_path` (columns request_id and label) to the log as feedback.
    Everything is checked first: an unknown request or label writes nothing."""
    csv_path = Path(csv_path)
    table = _read_labels(csv_path)
    filled = table[table["label"].str.strip() != ""]
    known = set(read_log(log_path).predictions["request_id"])
    unknown = sorted(set(filled["request_id"]) - known)
    if unknown:
        raise DataError(f"{csv_path}: {len(unknown)} request_id values are not in the log {log_path} "
                        f"({listing(unknown, 3)}); import labels only for predictions this log holds")
    labels = [_label_value(v, scorer, csv_path) for v in filled["label"].str.strip()]
    rows = [{"request_id": r, "label": v} for r, v in zip(filled["request_id"], labels)]
    written = append_feedback(log_path, rows) if rows else None
    return {"csv": str(csv_path), "added": len(rows), "empty": int(len(table) - len(filled)),
            "file": str(written) if written else None}


def _read_labels(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"--import-feedback {path}: no such file; give the audit CSV with its label column filled")
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: not a readable CSV ({str(e).strip().splitlines()[-1][:160]})") from None
    missing = [c for c in ("request_id", "label") if c not in table.columns]
    if missing:
        raise DataError(f"{path}: needs the columns request_id and label; it lacks {', '.join(missing)} "
                        f"(columns: {listing(table.columns)})")
    return table


def _label_value(text: str, scorer: Scorer, path: Path):
    """The label as the run knows it (3, not "3"), so the log keeps one type per field."""
    if scorer.task == "regression":
        try:
            return float(text)
        except ValueError:
            raise DataError(f"{path}: label {shown(text)} is not a number; this run predicts numbers") from None
    if scorer.task == "multilabel":
        return text
    classes = {label_key(c): c for c in scorer.encoder.classes}
    key = label_key(text)
    if key not in classes:
        raise DataError(f"{path}: label {shown(text)} is not one of the run's classes: {listing(scorer.classes)}; "
                        "correct it, or leave the cell empty to skip the row")
    return classes[key]
