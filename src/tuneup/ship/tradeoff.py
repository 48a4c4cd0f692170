"""Compress-then-verify: each variant's file size, latency and dev metric, overall and per slice.

A variant passes only if neither the whole dev set nor any slice with at least `min_slice` examples
loses more than `tolerance` of the metric against fp32 on the same examples; of those that pass, one
is recommended only if it is also really smaller and not much slower (`_recommend`). Latency is
measured on this CPU (int8 is sometimes slower than fp32 there: measured, never assumed).
"""
from __future__ import annotations

import gzip
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tuneup.data.encode import Encoder
from tuneup.errors.metrics import Metric
from tuneup.ship import evaluate, latency
from tuneup.ship.evaluate import EvalSet
from tuneup.ship.slices import slice_metrics

REFERENCE = "fp32"
SLOWER = 1.25  # a variant this much slower than fp32 is not recommended, however small


@dataclass
class Variant:
    name: str  # fp32 | int8 | pruned
    file: str
    size_bytes: int
    gzip_bytes: int  # what a download costs: pruned zeros compress, dense floats barely do
    latency_ms: dict[str, float]  # "batch_1", "batch_64": median on this CPU
    metric: float | None  # on dev
    loss: float  # metric lost against fp32 (positive = worse), overall
    agreement: float | None  # share of dev predictions equal to fp32's (classification)
    max_abs_diff: float  # largest |output - fp32 output| on dev
    slices: list[dict[str, Any]] = field(default_factory=list)  # column, value, n, metric, loss
    worst_slice: dict[str, Any] | None = None
    passes: bool = True
    why: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # pruning: fraction, sparsity, fine-tune

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Tradeoff:
    metric: str
    higher_is_better: bool
    split: str
    n: int
    tolerance: float
    min_slice: int
    variants: list[Variant]
    recommended: str
    threads: str = "ONNX Runtime default (all cores)"

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["variants"] = [v.to_dict() for v in self.variants]
        return d


def measure(files: dict[str, Path], encoder: Encoder, metric: Metric, data: EvalSet, threshold: float,
            tolerance: float = 0.01, min_slice: int = 30, extras: dict[str, dict] | None = None) -> Tradeoff:
    """Run every variant's ONNX file on `data` and build the table; `files` must hold 'fp32'."""
    outputs = {name: latency.onnx_call(latency.session(path))(data.feeds) for name, path in files.items()}
    ref = outputs[REFERENCE]
    sign = 1.0 if metric.higher_is_better else -1.0
    ref_overall = evaluate.score(encoder, metric, data.y, ref, threshold)
    ref_slices = _slices(encoder, metric, data, ref, threshold)
    variants = []
    for name, path in files.items():
        out = outputs[name]
        value = evaluate.score(encoder, metric, data.y, out, threshold)
        slices = _slices(encoder, metric, data, out, threshold)
        for s, r in zip(slices, ref_slices):
            s["loss"] = _loss(sign, r["metric"], s["metric"])
        v = Variant(
            name=name, file=path.name, size_bytes=path.stat().st_size, gzip_bytes=_gzip_size(path),
            latency_ms=_latencies(path, data.feeds), metric=value, loss=_loss(sign, ref_overall, value) or 0.0,
            agreement=_agreement(encoder, ref, out, threshold), max_abs_diff=float(np.max(np.abs(out - ref), initial=0.0)),
            slices=slices, extra=(extras or {}).get(name, {}),
        )
        variants.append(_judge(v, tolerance, min_slice))
    return Tradeoff(metric.name, metric.higher_is_better, data.split, len(data), tolerance, min_slice, variants,
                    _recommend(variants))


def _slices(encoder, metric, data: EvalSet, out: np.ndarray, threshold: float) -> list[dict]:
    return slice_metrics(data.meta, lambda rows: evaluate.score(encoder, metric, data.y[rows], out[rows], threshold))


def _loss(sign: float, ref: float | None, value: float | None) -> float | None:
    return None if ref is None or value is None else sign * (ref - value)


def _agreement(encoder: Encoder, ref: np.ndarray, out: np.ndarray, threshold: float) -> float | None:
    if encoder.task == "regression":
        return None
    a, b = evaluate.decide(encoder, ref, threshold), evaluate.decide(encoder, out, threshold)
    same = (a == b) if a.ndim == 1 else (a == b).all(axis=1)
    return float(same.mean()) if len(same) else None


def _judge(v: Variant, tolerance: float, min_slice: int) -> Variant:
    """Set the variant's worst judged slice, whether it keeps the metric, and why."""
    judged = [s for s in v.slices if s["n"] >= min_slice and s.get("loss") is not None]
    v.worst_slice = max(judged, key=lambda s: s["loss"], default=None)
    w = v.worst_slice
    if v.name == REFERENCE:
        v.passes, v.why = True, "the reference"
    elif v.loss > tolerance:
        v.passes, v.why = False, f"loses {v.loss:.4g} of the metric on the whole dev set (tolerance {tolerance:g})"
    elif w is not None and w["loss"] > tolerance:
        v.passes = False
        v.why = f"slice {w['column']}={w['value']} (n={w['n']}) loses {w['loss']:.4g} (tolerance {tolerance:g})"
    else:
        v.passes = True
        v.why = f"no slice loses more than {tolerance:g} ({len(judged)} slices with n >= {min_slice} checked)"
    return v


def _recommend(variants: list[Variant]) -> str:
    """Among the variants that keep the metric (overall and per slice), the smallest compressed file, if it
    saves at least 10% there, is no larger on disk, and is not more than 25% slower than fp32 at every batch
    size; otherwise fp32. Each variant's `why` says which condition ruled it out."""
    ref = next(v for v in variants if v.name == REFERENCE)
    fit = []
    for v in variants:
        if v is ref or not v.passes:
            continue
        problem = _cost(v, ref)
        if problem:
            v.why += f"; not recommended: {problem}"
        else:
            fit.append(v)
    return min(fit, key=lambda v: v.gzip_bytes).name if fit else REFERENCE


def _cost(v: Variant, ref: Variant) -> str:
    if v.size_bytes > ref.size_bytes:
        return f"{v.size_bytes / ref.size_bytes:.2f}x the size of fp32 on disk"
    if v.gzip_bytes > 0.9 * ref.gzip_bytes:
        return "saves under 10% of fp32's compressed size"
    slow = [f"{v.latency_ms[k] / ref.latency_ms[k]:.1f}x slower at {k.replace('_', ' ')}" for k in ref.latency_ms
            if v.latency_ms[k] > SLOWER * ref.latency_ms[k]]
    # slower at every batch size, not just one: a single median on a busy CPU can be off by that much
    return ", ".join(slow) if len(slow) == len(ref.latency_ms) else ""


def _latencies(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, float]:
    call = latency.onnx_call(latency.session(path))
    return {f"batch_{b}": latency.median_ms(call, feeds, b) for b in latency.BATCHES}


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))
