"""Per column: type, missing count and share, distinct values, range and quantiles or top categories, and a
histogram kept as data for the report. Flags constant, identifier-like and mostly-missing columns.
Images: the same summary for each image statistic (brightness, contrast, sharpness, noise)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks.context import CheckData
from tuneup.checks.result import Finding

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
BINS = 20  # histogram bins (numbers with at most this many distinct values: one bar per value)
TOP = 10  # categories listed by name
MOSTLY_MISSING = 0.5
IMAGE_SAMPLE = 20_000  # image statistics on at most this many images


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if data.kind == "image":
        return image_columns(data), []
    summaries = [summarize(data, name) for name in data.types]
    section: dict[str, Any] = {"columns": summaries}
    if data.task == "regression":
        y = pd.to_numeric(data.dataset.y, errors="coerce").to_numpy(dtype=np.float64)
        section["target"] = {"column": data.dataset.target_name, "type": "numeric", **numeric_summary(y)}
    return section, findings(data, summaries)


def summarize(data: CheckData, name: str) -> dict[str, Any]:
    s, kind = data.features[name], data.types[name]
    missing = int(s.isna().sum())
    out: dict[str, Any] = {"column": name, "type": kind, "rows": len(s), "missing": missing,
                           "missing_share": missing / max(len(s), 1)}
    if kind == "categorical":
        _, values, counts = data.factorized(name)
        out.update(category_summary(values, counts))
    else:
        out.update(numeric_summary(data.column_values(name)))
        if kind == "datetime":
            out.update(_as_dates(out))
        if kind == "boolean":
            out["true_share"] = out.get("mean")
    if name in data.suspicious:
        out["problem"] = data.suspicious[name]
    return out


def numeric_summary(x: np.ndarray) -> dict[str, Any]:
    """Distinct values, min/max/mean/std, quantiles and a histogram, from one sort (NaN = missing)."""
    v = np.sort(x[~np.isnan(x)])
    infinite = int(np.count_nonzero(np.isinf(v)))
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return {"distinct": 0, "infinite": infinite}
    distinct = int(1 + np.count_nonzero(v[1:] != v[:-1]))
    q = np.quantile(v, QUANTILES)  # v is sorted: numpy's selection finds it in order at once
    return {
        "distinct": distinct, "infinite": infinite, "min": float(v[0]), "max": float(v[-1]),
        "mean": float(v.mean()), "std": float(v.std()),
        "quantiles": {f"p{round(100 * p)}": float(value) for p, value in zip(QUANTILES, q)},
        "histogram": histogram(v, distinct),
    }


def histogram(v: np.ndarray, distinct: int) -> dict[str, list]:
    """Sorted finite values -> one bar per value (few values) or BINS equal-width bins [e_k, e_k+1)."""
    if distinct <= BINS:
        values, counts = np.unique(v, return_counts=True)
        return {"values": values.tolist(), "counts": counts.tolist()}
    edges = np.linspace(v[0], v[-1], BINS + 1)
    counts = np.diff(np.searchsorted(v, edges[1:-1], side="left"), prepend=0, append=len(v))
    return {"edges": edges.tolist(), "counts": counts.tolist()}


def category_summary(values: pd.Index, counts: np.ndarray) -> dict[str, Any]:
    order = np.argsort(-counts, kind="stable")
    return {
        "distinct": int(len(counts)),
        "top": [{"value": str(values[i]), "count": int(counts[i])} for i in order[:TOP]],
        "other": int(counts[order[TOP:]].sum()),
    }


def _as_dates(summary: dict[str, Any]) -> dict[str, Any]:
    """Days since 1970 back to dates, for people."""
    def date(d: float) -> str:
        return (pd.Timestamp(0) + pd.Timedelta(days=d)).isoformat()

    out = {k: date(summary[k]) for k in ("min", "max") if k in summary}
    if "quantiles" in summary:
        out["quantiles"] = {k: date(v) for k, v in summary["quantiles"].items()}
    return out


def findings(data: CheckData, summaries: list[dict[str, Any]]) -> list[Finding]:
    found = []
    drop = list(data.cfg.data.drop)
    constant = [c for c, why in data.suspicious.items() if why == "constant"]
    ids = [c for c, why in data.suspicious.items() if why == "identifier"]
    if constant:
        found.append(Finding(
            "warning", "columns", f"{_names(constant)} {'holds' if len(constant) == 1 else 'hold'} a single value",
            "a constant column tells a model nothing; drop it", constant, {"data.drop": drop + constant}))
    if ids:
        found.append(Finding(
            "warning", "columns", f"{_names(ids)} {'is' if len(ids) == 1 else 'are'} unique per row (identifier-like)",
            "a model can only memorise identifiers; name the one that identifies examples as data.train.id, "
            "drop the rest",
            ids, {"data.drop": drop + ids}))
    mostly = [s for s in summaries if s["missing_share"] >= MOSTLY_MISSING and s["column"] not in data.suspicious]
    for s in mostly:
        found.append(Finding(
            "warning", "columns", f"'{s['column']}' is missing in {100 * s['missing_share']:.0f}% of rows",
            "check why it is missing; the missing indicator may carry more than the values", [s["column"]],
            data={"missing": s["missing"], "rows": s["rows"]}))
    some = [s for s in summaries if 0 < s["missing_share"] < MOSTLY_MISSING]
    if some:
        shown = ", ".join(f"{s['column']} {100 * s['missing_share']:.1f}%" for s in some[:8])
        found.append(Finding(
            "info", "columns", f"{len(some)} column{'s have' if len(some) > 1 else ' has'} missing values ({shown})",
            "they are imputed from training data with a missing indicator", [s["column"] for s in some],
            data={s["column"]: s["missing"] for s in some}))
    for s in summaries:
        if s.get("infinite"):
            found.append(Finding(
                "warning", "columns", f"'{s['column']}' holds {s['infinite']} infinite values",
                "replace them (they usually come from a division by zero)", [s["column"]]))
    return found


def _names(columns: list[str]) -> str:
    shown = ", ".join(f"'{c}'" for c in columns[:6])
    return shown + (f" and {len(columns) - 6} more" if len(columns) > 6 else "")


def image_columns(data: CheckData) -> dict[str, Any]:
    """Image statistics summarised like numeric columns (on a sample of the images for large sets)."""
    rows = data.sample(np.arange(len(data.dataset)), IMAGE_SAMPLE, salt=1)
    stats = data.image_statistics(rows)
    summaries = [{"column": c, "type": "numeric", "rows": len(rows), "missing": 0, "missing_share": 0.0,
                  **numeric_summary(stats[c].to_numpy(np.float64))} for c in stats.columns]
    return {"columns": summaries, "image_shape": list(data.dataset.images.shape[1:]), "images": len(data.dataset),
            "sampled": len(rows)}
