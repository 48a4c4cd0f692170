"""An export folder loaded for serving: the ONNX Runtime session, the encoder, and the labels.

`Bundle.load(ref)` takes an export folder, or a run (whose `export/` folder is made when missing).
Only ONNX files and JSON are read: nothing that can run code on load.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tuneup.data.encode import Encoder
from tuneup.exceptions import UserError, listing, shown
from tuneup.ship.export import ensure_export
from tuneup.ship.result import ENCODER, METADATA, Export


@dataclass
class Bundle:
    folder: Path
    metadata: dict[str, Any]
    encoder: Encoder
    variant_file: str
    session: Any  # onnxruntime.InferenceSession
    runs_dir: Path  # where the prediction log goes by default

    @classmethod
    def load(cls, ref: str | Path, variant: str = "fp32", threads: int = 0, runs_dir: str | Path | None = None) -> "Bundle":
        from tuneup.ship.latency import session

        export, root = _resolve(ref, runs_dir)
        files = export.metadata.get("files", {})
        if variant not in files or not files[variant].endswith(".onnx"):
            onnx = [k for k, v in files.items() if v.endswith(".onnx")]
            hint = {"int8": " (export it with --int8)", "pruned": " (export it with --prune 0.5)"}.get(variant, "")
            raise UserError(f"{export.path}: no '{variant}' ONNX model{hint}; this export holds: {listing(onnx) or 'none'}")
        return cls(export.path, export.metadata, Encoder.load(export.path / ENCODER), files[variant],
                   session(export.path / files[variant], threads, spin=False), root)

    # ---- what it is ----------------------------------------------------------------------------------
    @property
    def version(self) -> str:
        return self.metadata["model_version"]

    @property
    def task(self) -> str:
        return self.metadata["task"]

    @property
    def kind(self) -> str:
        return self.metadata["kind"]

    @property
    def classes(self) -> list:
        return self.metadata["classes"]

    @property
    def threshold(self) -> float | None:
        return self.metadata.get("threshold")

    @property
    def schema(self) -> dict[str, Any]:
        return self.metadata["input"]

    def signature(self) -> tuple:
        """What two models must share to take the same requests (A/B)."""
        return self.task, self.kind, _columns_key(self.schema)

    # ---- inference -----------------------------------------------------------------------------------
    def run(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, feeds)[0]

    def predict_batch(self, payloads: list) -> np.ndarray:
        """Several requests' inputs -> one encoding and one model call: table rows (a list of validated
        rows per request) or images ((N, C, H, W) uint8 per request). One output row per example."""
        from tuneup.ship.inputs import image_feeds, table_feeds

        if self.kind == "image":
            return self.run(image_feeds(np.concatenate(payloads)))
        return self.run(table_feeds(self.encoder, self.frame([row for rows in payloads for row in rows])))

    def frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        """Validated rows -> one column per feature; numbers as floats (None = NaN), the rest as received."""
        data = {}
        for col in self.schema["columns"]:
            values = [r.get(col["name"]) for r in rows]
            if col["type"] == "numeric":
                data[col["name"]] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            else:
                data[col["name"]] = pd.Series(values, dtype=object)
        return pd.DataFrame(data)

    def describe(self, output: np.ndarray) -> list[dict[str, Any]]:
        """Model outputs -> per example: prediction, probabilities, score and threshold (binary)."""
        task, classes, thr = self.task, self.classes, self.threshold
        out = []
        for row in output.tolist():
            if task == "binary":
                out.append({"prediction": classes[1] if row >= thr else classes[0], "score": row, "threshold": thr,
                            "probabilities": {str(classes[0]): 1.0 - row, str(classes[1]): row}})
            elif task == "multiclass":
                best = int(np.argmax(row))
                out.append({"prediction": classes[best], "score": None, "threshold": None,
                            "probabilities": {str(c): p for c, p in zip(classes, row)}})
            elif task == "multilabel":
                out.append({"prediction": [c for c, p in zip(classes, row) if p >= thr], "score": None,
                            "threshold": None, "probabilities": {str(c): p for c, p in zip(classes, row)}})
            else:
                out.append({"prediction": row, "score": None, "threshold": None, "probabilities": None})
        return out

    def unseen(self, rows: list[dict[str, Any]]) -> list[list[str]]:
        """Per row: notes on categories training never saw (they are treated as unknown)."""
        known = {c["name"]: set(c["categories"]) for c in self.schema.get("columns", []) if c["type"] == "categorical"}
        notes = []
        for r in rows:
            notes.append([f"{name}: {shown(r[name])} was not seen in training; treated as unknown"
                          for name, cats in known.items() if r.get(name) is not None and str(r[name]) not in cats])
        return notes


def _resolve(ref: str | Path, runs_dir: str | Path | None) -> tuple[Export, Path]:
    """An export folder or a run -> (the export, the runs folder its prediction log belongs to)."""
    from tuneup.runs import CONFIG, Run, default_runs_dir

    path = Path(ref)
    if (path / METADATA).exists():
        export = Export.open(path)
        run_dir = Path(export.metadata.get("run", ""))
        root = run_dir.parent if (run_dir / CONFIG).exists() else default_runs_dir()
        return export, Path(runs_dir) if runs_dir else root
    run = Run.open(ref, runs_dir)
    return ensure_export(run), run.root


def _columns_key(schema: dict[str, Any]) -> tuple:
    if schema["kind"] == "image":
        return schema["channels"], schema["height"], schema["width"]
    return tuple((c["name"], c["type"]) for c in schema["columns"])
