"""Realistic prediction logs from a finished run, in the format `tuneup serve` writes (tuneup.watch.log).

The run's own model answers real examples (the run's held-out rows, or rows given), with planted changes:
input drift in chosen columns from a chosen moment, a drop in accuracy (labels that stop matching, the
concept drift that only feedback shows), an A/B candidate with a planted accuracy, a share of requests
that get feedback, several rotated files, and a last line cut by a kill. Lines are built column-wise
with pyarrow (a million lines in seconds), then written in time order.

    from loggen import simulate
    simulate(run, "logs", n=5000, drift={"age": 0.5}, drift_from=0.5, feedback=0.5)
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class Plan:
    n: int = 5000
    start: str = "2026-03-01T00:00:00"
    days: float = 10.0
    drift: dict = field(default_factory=dict)  # numeric column -> shift in train stds; categorical -> (value, share)
    image_drift: dict = field(default_factory=dict)  # {"brightness": 0.6}: pixels scaled after drift_from
    drift_from: float = 0.5  # share of the time span after which drift (and flips) start
    flip: float = 0.0  # share of labels changed after drift_from (the world changed; inputs did not)
    feedback: float = 0.5  # share of requests whose label comes back
    ab: dict | None = None  # {"share": 0.5, "primary": 0.8, "candidate": 0.85}: planted accuracies per arm
    files: int = 1
    truncate: bool = False  # the last line cut in half, as a killed server leaves it
    seed: int = 0


def simulate(run, out: str | Path, rows: pd.DataFrame | None = None, labels: pd.Series | None = None,
             splits: tuple[str, ...] = ("train_dev", "dev", "test"), **plan) -> Path:
    """Write the log folder `out` (log-0001.jsonl, ...) and return it. The requests are `rows` (feature
    columns, as the server receives them) with their true `labels`, or else `plan["n"]` examples drawn
    with replacement from the run's own examples in `splits`."""
    from tuneup import Run

    run = Run.open(run)
    p = Plan(**plan)
    rng = np.random.default_rng(p.seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    ds = run.data()
    split = run.splits.aligned_to(ds.ids).split
    if rows is not None:
        p.n = len(rows)
        take = None
    else:
        pool = np.flatnonzero(np.isin(split, splits))
        take = rng.choice(pool, p.n, replace=p.n > len(pool))  # repeats only when the pool is too small
    offsets = np.sort(rng.uniform(0, p.days * 86400, p.n))
    times = pd.Timestamp(p.start, tz="UTC") + pd.to_timedelta(offsets, unit="s")
    late = offsets >= p.drift_from * p.days * 86400
    y = (labels if labels is not None else ds.y.iloc[take]).to_numpy(dtype=object).copy()
    if ds.kind == "image":
        pixels = _drift_images(ds.images[take].copy(), p.image_drift, late)
        inputs, features = _image_inputs(out, pixels, rng), None
    else:
        features = (rows if rows is not None else ds.features.iloc[take]).reset_index(drop=True)
        features = _drift_table(features, ds.features[split == "train"], p.drift, late, rng)
        inputs, pixels = None, None
    pred, proba = _answer(run, features, pixels)
    classes = np.asarray(run.encoder.classes, dtype=object)
    task = run.encoder.task
    if p.flip:
        y = _flip(y, late & (rng.random(p.n) < p.flip), classes, rng)
    variant = np.array(["primary"] * p.n, dtype=object)
    model = np.array([run.name] * p.n, dtype=object)
    if p.ab:
        variant[rng.random(p.n) < p.ab["share"]] = "candidate"
        model[variant == "candidate"] = f"{run.name}-candidate"
        for arm in ("primary", "candidate"):
            rows_ = variant == arm
            pred[rows_], proba[rows_] = _planted(y[rows_], p.ab[arm], classes, rng)
    ids = np.array([f"{v:032x}" for v in rng.integers(0, 2**63, p.n)], dtype=object)
    lines = _prediction_lines(run.name, ids, times, model, variant, features, inputs, pred, proba, classes, task,
                              run.head().threshold)
    asked = rng.random(p.n) < p.feedback
    fb_times = times[asked] + pd.to_timedelta(rng.uniform(60, 3 * 86400, asked.sum()), unit="s")
    fb = _feedback_lines(ids[asked], fb_times, y[asked])
    _write(out, lines, times, fb, fb_times, p.files, p.truncate)
    return out


def _drift_table(features: pd.DataFrame, train: pd.DataFrame, drift: dict, late: np.ndarray,
                 rng: np.random.Generator) -> pd.DataFrame:
    features = features.copy()
    for col, how in drift.items():
        if isinstance(how, (int, float)):
            values = pd.to_numeric(features[col], errors="coerce").astype(float)
            values[late] += how * float(pd.to_numeric(train[col], errors="coerce").std())
            features[col] = values
        else:
            value, share = how
            hit = late & (rng.random(len(features)) < share)
            features[col] = features[col].astype(object).where(~hit, value)
    return features


def _drift_images(pixels: np.ndarray, drift: dict, late: np.ndarray) -> np.ndarray:
    if "brightness" in drift:
        pixels[late] = (pixels[late].astype(np.float32) * drift["brightness"]).clip(0, 255).astype(np.uint8)
    return pixels


def _image_inputs(out: Path, pixels: np.ndarray, rng: np.random.Generator) -> dict:
    from PIL import Image

    from tuneup.data.shift import image_stats

    (out / "images").mkdir(exist_ok=True)
    names = [f"images/{i:06d}-{rng.integers(1 << 30):08x}.png" for i in range(len(pixels))]
    for name, img in zip(names, pixels):
        Image.fromarray(img[0] if img.shape[0] == 1 else img.transpose(1, 2, 0)).save(out / name)
    stats = image_stats(pixels)
    return {"image": names, "width": pixels.shape[-1], "height": pixels.shape[-2], "stats": stats}


def _answer(run, features: pd.DataFrame | None, pixels: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The run's model on the logged inputs: (predicted labels, probabilities (N,) or (N, C))."""
    import torch

    from tuneup.data.encode import Tensors
    from tuneup.train.loop import predict

    enc = run.encoder
    if pixels is not None:
        data = Tensors(torch.from_numpy(pixels), None, None)
    else:
        x, x_cat = enc.transform_frame(features)
        data = Tensors(x, x_cat, None)
    out = predict(run.load_model(), run.head(), data)
    return enc.decode_target(out.pred).astype(object), out.proba


def _flip(y: np.ndarray, hit: np.ndarray, classes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    y = y.copy()
    for i in np.flatnonzero(hit):
        y[i] = rng.choice([c for c in classes if str(c) != str(y[i])])
    return y


def _planted(y: np.ndarray, accuracy: float, classes: np.ndarray, rng: np.random.Generator):
    """Predictions right with probability `accuracy`, and probabilities that agree with them."""
    right = rng.random(len(y)) < accuracy
    pred = _flip(y, ~right, classes, rng)
    idx = {str(c): i for i, c in enumerate(classes)}
    conf = rng.uniform(0.55, 0.99, len(y))
    proba = np.full((len(y), len(classes)), 0.0)
    proba[:] = ((1 - conf) / max(len(classes) - 1, 1))[:, None]
    proba[np.arange(len(y)), [idx[str(v)] for v in pred]] = conf
    return pred, (proba[:, 1] if len(classes) == 2 else proba)


# ---- JSON text, column-wise ---------------------------------------------------------------------
def _text(values) -> pa.Array:
    """JSON for each value: numbers as numbers, text quoted, missing as null."""
    arr = pa.array(values, from_pandas=True) if not isinstance(values, pa.Array) else values
    if pa.types.is_floating(arr.type):
        finite = pc.fill_null(pc.is_finite(arr), False)
        return pc.if_else(finite, pc.cast(arr, pa.string()), "null")
    if pa.types.is_integer(arr.type) or pa.types.is_boolean(arr.type):
        return pc.fill_null(pc.cast(arr, pa.string()), "null")
    if pa.types.is_null(arr.type):
        return pa.array(["null"] * len(arr), type=pa.string())
    s = pc.cast(arr, pa.string())
    s = pc.replace_substring(pc.replace_substring(s, "\\", "\\\\"), '"', '\\"')
    return pc.fill_null(pc.binary_join_element_wise('"', s, '"', ""), "null")


def _labels(values: np.ndarray) -> pa.Array:
    kinds = {type(v) for v in values}
    if kinds <= {int, np.int64, np.int32}:
        return _text(pa.array(values.astype(np.int64)))
    if kinds <= {bool, np.bool_}:
        return _text(pa.array(values.astype(bool)))
    if kinds <= {float, np.float64, np.float32}:
        return _text(pa.array(values.astype(np.float64)))
    return _text(pa.array([str(v) for v in values]))


def _object(items: list[tuple[str, pa.Array]]) -> pa.Array:
    parts = []
    for i, (key, value) in enumerate(items):
        parts += [pa.scalar(("," if i else "{") + json.dumps(key) + ":"), value]
    return pc.binary_join_element_wise(*parts, pa.scalar("}"), "")


def _iso(times: pd.DatetimeIndex) -> pa.Array:
    t = pa.array(times.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[us]"))
    return pc.binary_join_element_wise('"', pc.strftime(t, format="%Y-%m-%dT%H:%M:%S"), 'Z"', "")


def _prediction_lines(name, ids, times, model, variant, features, inputs, pred, proba, classes, task, threshold):
    n = len(ids)
    if features is not None:
        inp = _object([(c, _text(_plain(features[c]))) for c in features.columns])
    else:
        stats = _object([(k, _text(inputs["stats"][k].to_numpy())) for k in inputs["stats"].columns])
        inp = _object([("image", _text(inputs["image"])), ("width", _text(np.full(n, inputs["width"]))),
                       ("height", _text(np.full(n, inputs["height"]))), ("stats", stats)])
    if task == "binary":
        p1 = np.asarray(proba, dtype=np.float64)
        probs = _object([(str(classes[0]), _text(1 - p1)), (str(classes[1]), _text(p1))])
        score, thr = _text(p1), _text(np.full(n, float(threshold)))
    elif task == "regression":
        probs, score, thr = _text(pa.nulls(n)), _text(pa.nulls(n)), _text(pa.nulls(n))
    else:
        probs = _object([(str(c), _text(np.asarray(proba[:, i], np.float64))) for i, c in enumerate(classes)])
        score, thr = _text(pa.nulls(n)), _text(pa.nulls(n))
    latency = _text(np.round(np.random.default_rng(0).gamma(2.0, 2.0, n), 3))
    return _object([
        ("type", _text(np.full(n, "prediction", dtype=object))), ("time", _iso(times)),
        ("request_id", _text(ids)), ("model", _text(model)), ("variant", _text(variant)),
        ("client", _text(pa.array([f"c{i % 97}" for i in range(n)]))), ("input", inp),
        ("prediction", _labels(pred)), ("probabilities", probs), ("score", score), ("threshold", thr),
        ("latency_ms", latency),
    ])


def _plain(s: pd.Series):
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=np.float64)
    return s.astype(object).where(s.notna(), None).to_numpy()


def _feedback_lines(ids, times, labels) -> pa.Array:
    n = len(ids)
    return _object([("type", _text(np.full(n, "feedback", dtype=object))), ("time", _iso(times)),
                    ("request_id", _text(ids)), ("label", _labels(labels))])


def _write(out: Path, lines: pa.Array, times, fb: pa.Array, fb_times, files: int, truncate: bool) -> None:
    every = pa.concat_arrays([lines, fb])
    when = np.concatenate([times.asi8, fb_times.asi8])
    every = every.take(pa.array(np.argsort(when, kind="stable")))
    bounds = np.linspace(0, len(every), files + 1).astype(int)
    for i in range(files):
        part = every.slice(bounds[i], bounds[i + 1] - bounds[i])
        body = _buffer(pc.binary_join_element_wise(part, "\n", ""))
        if truncate and i == files - 1:
            body = body[: len(body) - len(body[:-1].rsplit(b"\n", 1)[-1]) // 2 - 1]
        (out / f"log-{i + 1:04d}.jsonl").write_bytes(body)


def _buffer(text: pa.Array) -> bytes:
    """The concatenated bytes of a string array, straight from its data buffer."""
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=len(text) + 1)
    return text.buffers()[2].to_pybytes()[offsets[0]:offsets[-1]]
