"""A family's artifact in its run folder: never a pickle.

    model.onnx   the whole inference graph (`graph.to_onnx`): the networks' export inputs and output
    model.json   family, settings, scikit-learn's estimator and version, parameters, and the check below

Before it is written, the ONNX model runs on a held-out split's raw inputs (dev when there is one) and must
give what scikit-learn's own `predict_proba` / `predict` gave on the same rows: every output within
TOLERANCE x (1 + |scikit-learn's|). Trees take exactly scikit-learn's branches (float64 thresholds on the
same float64 inputs: there are no float32 threshold ties), so only the float32 output differs (~1e-7);
logistic regression on float32 inputs computes in float32 inside scikit-learn and in float64 in ONNX
(~1e-6 apart on 1,024 pixels).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from tuneup import __version__
from tuneup import runs as rd
from tuneup._io import read_json, write_json, write_with
from tuneup.data.labels import label_keys
from tuneup.models.heads import Outputs

TOLERANCE = 1e-4
CHECKED = ("dev", "train_dev", "train")  # the first of these a run has is the split the check runs on


class FamilyExportMismatch(RuntimeError):
    """The ONNX model does not compute what scikit-learn computes: a bug, not bad input."""


def save(path: Path, fitted, prepared, cfg, outputs: dict[str, Outputs]) -> dict[str, Any]:
    """Write model.onnx and model.json into the run folder `path`; returns model.json's contents."""
    import onnx
    import sklearn

    from tuneup.models.families.estimators import describe, parameters
    from tuneup.models.families.graph import to_onnx

    enc = prepared.encoder
    model = to_onnx(fitted.estimator, fitted.family, enc)
    split = next(s for s in CHECKED if s in outputs)
    check = verify(model, prepared, split, outputs[split])
    write_with(path / rd.FAMILY_MODEL, lambda tmp: onnx.save(model, str(tmp)))
    meta = {
        "format": "tuneup-family", "format_version": 1,
        "family": fitted.family, "task": enc.task,
        "estimator": describe(fitted.estimator), "params": getattr(cfg.model, fitted.family).model_dump(mode="json"),
        "scikit_learn_version": sklearn.__version__, "tuneup_version": __version__,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "parameters": parameters(fitted.estimator), "iterations": fitted.iterations,
        "onnx": {"file": rd.FAMILY_MODEL, "inputs": [i.name for i in model.graph.input],
                 "output": model.graph.output[0].name, "opsets": {o.domain or "ai.onnx": o.version
                                                                  for o in model.opset_import}},
        "verification": check,
    }
    write_json(path / rd.FAMILY_META, meta)
    return meta


def expected_outputs(task: str, out: Outputs, decode) -> np.ndarray:
    """What the ONNX model must output for these predictions: probabilities, or values in the target's units."""
    return decode(out.pred) if task == "regression" else np.asarray(out.proba)


def verify(model, prepared, split: str, out: Outputs) -> dict[str, Any]:
    """Run `model` on `split`'s raw inputs and compare with scikit-learn's outputs `out` on the same rows."""
    import onnxruntime as ort

    from tuneup.ship.inputs import image_feeds, table_feeds

    enc = prepared.encoder
    part = prepared.dataset.take(np.flatnonzero(prepared.splits.mask(split)))
    feeds = image_feeds(part.images) if enc.kind == "image" else table_feeds(enc, part.features)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    got = session.run(None, feeds)[0]
    return compare(got, expected_outputs(enc.task, out, enc.decode_target), enc.task, split)


def compare(got: np.ndarray, expected: np.ndarray, task: str, split: str) -> dict[str, Any]:
    """The check of the module docstring, as a record; raises FamilyExportMismatch when it fails."""
    diff = np.abs(got.astype(np.float64) - expected)
    worst = float(np.max(diff / (1.0 + np.abs(expected)), initial=0.0))
    record = {"engine": "ONNX Runtime", "reference": "scikit-learn", "split": split, "n": len(expected),
              "max_abs_diff": float(np.max(diff, initial=0.0)), "max_scaled_diff": worst,
              "tolerance": TOLERANCE, "passed": worst <= TOLERANCE}
    if not record["passed"]:
        raise FamilyExportMismatch(
            f"the ONNX model's outputs differ from scikit-learn's on {split} by up to {worst:.3g} x (1 + |value|) "
            f"(allowed {TOLERANCE:g}): the conversion is wrong; please report it")
    return record


def reference_outputs(run, ids: np.ndarray, split: str = "dev") -> np.ndarray:
    """scikit-learn's own outputs on the examples `ids` of `split`, as the run saved them (its predictions file):
    what an export of the run must reproduce."""
    import pandas as pd

    frame = run.predictions(split)
    rows = pd.Index(frame["id"]).get_indexer(ids)
    if (rows < 0).any():
        raise FamilyExportMismatch(f"run '{run.name}': {int((rows < 0).sum())} {split} examples have no saved "
                                   "prediction; the run folder does not match its data")
    frame, enc = frame.iloc[rows], run.encoder
    if enc.task == "regression":
        return frame["y_pred"].to_numpy(dtype=np.float64)
    if enc.task == "binary":
        return frame["score"].to_numpy(dtype=np.float64)
    return frame[[f"p:{k}" for k in label_keys(enc.classes)]].to_numpy(dtype=np.float64)


def load_meta(run_path: Path) -> dict[str, Any] | None:
    """model.json of a family run, or None for a network's run."""
    path = Path(run_path) / rd.FAMILY_META
    return read_json(path) if path.exists() else None
