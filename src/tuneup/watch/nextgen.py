"""The next generation's data: labelled production examples written as a source `tuneup.yaml` takes as
`data.target` (the distribution that matters), for the next round of training.

Tables: a CSV of request_id, the run's input columns (and its data.meta and data.drop columns, empty
unless clients sent them) and `label`. Images: the images copied (hard-linked
where possible) into `<name>-images/` beside the CSV, which lists request_id, `image` (its path, relative
to the CSV) and `label`. Either way:

    data:
      target: {path: new.csv, target: label, id: request_id}            # tables
      target: {path: new.csv, target: label, id: request_id, image_column: image}   # images
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup._io import write_with
from tuneup.exceptions import DataError
from tuneup.watch.log import PredictionLog
from tuneup.data.labels import label_keys


@dataclass
class NewData:
    path: Path
    rows: int
    new_labels: list[str]  # labels the run has never seen (a new class?)
    missing_images: int
    source: dict  # the data.target entry for tuneup.yaml

    def to_dict(self) -> dict:
        return {"path": str(self.path), "rows": self.rows, "new_labels": self.new_labels,
                "missing_images": self.missing_images, "source": self.source}


def export_new_data(log: PredictionLog, run, out: str | Path) -> NewData:
    out = Path(out)
    rows = np.flatnonzero(log.labelled)
    if len(rows) == 0:
        raise DataError(f"the log {log.path} holds no labelled predictions yet; labels come back through the "
                        "server's POST /feedback or `tuneup monitor --import-feedback CSV`")
    last = log.predictions.iloc[rows].drop_duplicates("request_id", keep="last").index.to_numpy()
    p = log.predictions.loc[last]
    labels = p["label"].to_numpy(dtype=object)
    known = set(label_keys(run.encoder.classes))
    new = sorted({k for k in label_keys(p["label"]) if k is not None and k not in known}) \
        if run.encoder.task in ("binary", "multiclass") else []
    if "image" in log.inputs:
        frame, missing = _images(log, last, out)
        source = {"path": str(out), "target": "label", "id": "request_id", "image_column": "image"}
        frame["label"] = labels[np.isin(last, frame.pop("_row").to_numpy())]
    else:
        inputs = log.inputs.loc[last].reindex(columns=table_columns(run)).reset_index(drop=True)
        # the label and id columns take names no input column has (a feature may be called `label`)
        rid, label = _free("request_id", inputs.columns), _free("label", inputs.columns)
        source = {"path": str(out), "target": label, "id": rid}
        frame = pd.concat([pd.DataFrame({rid: p["request_id"].to_numpy()}), inputs,
                           pd.DataFrame({label: labels})], axis=1)
        missing = 0
    write_with(out, lambda tmp: frame.to_csv(tmp, index=False))
    return NewData(out, len(frame), new, missing, source)


def _free(name: str, taken) -> str:
    while name in taken:
        name = f"_{name}"
    return name


def table_columns(run) -> list[str]:
    """The model's input columns, then the config's data.meta and data.drop columns, which every source of
    the config must have: taken from the log when clients sent them, left empty otherwise."""
    data = run.config.data
    names = [c["name"] for c in run.encoder.spec["columns"]]
    return names + [c for c in [*data.meta, *data.drop] if c not in names]


def _images(log: PredictionLog, rows: np.ndarray, out: Path) -> tuple[pd.DataFrame, int]:
    """Copy the images into `<stem>-images/` (built aside, then moved into place)."""
    folder = out.with_name(f"{out.stem}-images")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=out.parent))
    kept, paths, missing = [], [], 0
    try:
        for row in rows:
            src = log.folder / str(log.inputs["image"].iloc[row])
            if not src.is_file():
                missing += 1
                continue
            name = f"{log.predictions['request_id'].iloc[row]}{src.suffix.lower()}"
            _link_or_copy(src, tmp / name)
            kept.append(row)
            paths.append(f"{folder.name}/{name}")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not kept:
        raise DataError(f"none of the {len(rows)} labelled predictions' images exist under {log.folder}; "
                        "the log's image paths are relative to its folder")
    ids = log.predictions["request_id"].iloc[kept].to_numpy()
    return pd.DataFrame({"request_id": ids, "image": paths, "_row": kept}), missing


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(src, dst)
