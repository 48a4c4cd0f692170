"""Starting a project: `tuneup init` writes a readable tuneup.yaml; `tuneup demo` runs the bundled one."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tuneup._io import atomic_path
from tuneup.config import Config, load_config
from tuneup.data import columns, sources
from tuneup.exceptions import UserError
from tuneup.pipeline.staging import resolve_task


def demo_config(epochs: int = 30, runs_dir: str | None = None) -> Config:
    """The seeds' situation in miniature: plenty of clean "web" digits to train on, a little of the
    blurred, dark, noisy "phone" digits that matter (dev and test come only from them)."""
    raw: dict[str, Any] = {
        "name": "demo",
        "human_level_error": [{"who": "typical person", "error": 0.03}, {"who": "careful reader", "error": 0.01}],
        "data": {
            "train": {"path": "builtin:digits-web"},
            "target": {"path": "builtin:digits-phone"},
            "meta": [],
            "split": {"seed": 0},
        },
        # channels and the learning rate are left to the data, as `tuneup init` leaves them: [16, 32, 64] for
        # 32x32 images, the rate from a range test (both said when the run starts, and kept in its config.yaml)
        "model": {"kind": "cnn", "batch_norm": True, "init": "he"},
        "train": {"optimizer": "adam", "lr": "auto", "batch_size": 64, "epochs": epochs,
                  "early_stopping": {"patience": 6}},
    }
    if runs_dir:
        raw["runs_dir"] = runs_dir
    return load_config(raw)


def demo(epochs: int = 30, runs_dir: str | None = None, progress: bool = True):
    """Train the demo end to end; returns the Run."""
    from tuneup.workflow import run

    return run(demo_config(epochs, runs_dir), progress=progress)


@dataclass
class Init:
    path: Path
    config: Config
    notes: list[str]


def init_project(data: str, target: str | None = None, target_data: str | None = None,
                 out: str | Path = "tuneup.yaml", force: bool = False, skip_bad_files: bool = False) -> Init:
    """Look at the data, infer task, metric, model and training settings, and write `out`."""
    out = Path(out)
    if out.exists() and not force:
        raise UserError(f"{out} already exists; pass --force to overwrite it, or --out another file")
    made = _out_folder(out)
    base = out.resolve().parent
    rel = lambda p: p if p.startswith("builtin:") else os.path.relpath(Path(p).resolve(), base)  # noqa: E731
    raw: dict[str, Any] = {"name": _name_for(data), "data": {"train": {"path": rel(data)}}}
    if target:
        raw["data"]["train"]["target"] = target
    if target_data:
        raw["data"]["target"] = {"path": rel(target_data), **({"target": target} if target else {})}
    if skip_bad_files:
        raw["data"]["skip_bad_files"] = True
    cfg = load_config(raw)
    cfg._base_dir = base
    ds = sources.load(cfg)
    cfg, notes = resolve_task(cfg, ds)
    id_col, drop = _identifier_columns(ds)
    model = _model_for(ds, cfg.task)
    train = _train_for(len(ds))
    text = _render(cfg, ds, notes, id_col, drop, model, train)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
        written = load_config(tmp)  # what we write must read back
    written._base_dir = base
    found = [f"id: {id_col} (unique per row)"] if id_col else []
    found += [f"data.drop: {c} (unique per row, like an identifier: it cannot generalise)" for c in drop]
    found += [f"made the folder {made} for --out"] if made else []
    return Init(out, written, [_describe(ds), *map(str, notes), *found, f"model: {model['kind']} ({model['_why']})"])


def _out_folder(out: Path) -> Path | None:
    """The --out file's folder when it is still to be made (as `mkdir -p` would, once the data has been read),
    else None; an error when a file stands where a folder must be."""
    if out.parent.is_dir():
        return None
    standing = next(p for p in out.parents if p.exists() or p == Path(p.anchor) or p == Path("."))
    if standing.exists() and not standing.is_dir():
        raise UserError(f"--out {out}: {standing} is a file, not a folder; choose another --out")
    return out.parent


def _name_for(data: str) -> str:
    stem = data.removeprefix("builtin:") if data.startswith("builtin:") else Path(data).stem or "project"
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem) or "project"


def _identifier_columns(ds) -> tuple[str | None, list[str]]:
    """An id column (named like one, unique per row), and other text columns unique per row (to drop)."""
    if ds.features is None:
        return None, []
    unique_text = [c for c in ds.features.columns
                   if columns.infer_type(ds.features[c]) == "categorical" and ds.features[c].is_unique]
    named = [c for c in unique_text if c.lower() == "id" or c.lower().endswith(("_id", "id", "uuid"))]
    id_col = named[0] if named else None
    return id_col, [c for c in unique_text if c != id_col]


def _model_for(ds, task: str) -> dict[str, Any]:
    if ds.kind == "image":
        from tuneup.models.nets import auto_channels

        shape = list(ds.images.shape[1:])
        channels = auto_channels(shape)
        return {"kind": "cnn", "channels": channels, "head_grid": 4, "batch_norm": True, "init": "he",
                "_why": f"{shape[1]}x{shape[2]} images: a CNN of {len(channels)} conv blocks {channels} down to a "
                        "~4x4 map, read by its linear head on that grid (measured: BENCHMARKS.md, Default models)"}
    small = len(ds) < 2000
    hidden = [64, 32] if small else [128, 64]
    return {"kind": "mlp", "hidden": hidden, "batch_norm": True, "dropout": 0.1 if small else 0.0, "init": "he",
            "_why": f"a table of {len(ds)} rows: an MLP {hidden} with batch norm"
            + (", light dropout for small data" if small else "")}


def _train_for(n: int) -> dict[str, Any]:
    batch = 32 if n < 2000 else 128 if n < 100_000 else 512
    return {"optimizer": "adam", "lr": "auto", "batch_size": batch, "epochs": 100 if n < 2000 else 50,
            "early_stopping": {"patience": 10 if n < 2000 else 5}}


def _describe(ds) -> str:
    if ds.kind == "image":
        c, h, w = ds.images.shape[1:]
        return f"data: {len(ds)} images, {c} channel(s), resized to {h}x{w}"
    f = ds.features
    missing = f.isna().sum()
    holes = missing[missing > 0]
    return (f"data: {len(ds)} rows, {f.shape[1]} features"
            + (f", {int(holes.sum())} missing values in {len(holes)} columns ({', '.join(holes.index[:5])})"
               if len(holes) else ", no missing values"))


def _flow(d: dict[str, Any]) -> str:
    return yaml.safe_dump(d, default_flow_style=True, sort_keys=False, width=1000).strip()


def _render(cfg: Config, ds, notes: list, id_col: str | None, drop: list[str], model: dict, train: dict) -> str:
    why = {n.key: n.why for n in notes}
    d = cfg.to_dict()
    src = {k: v for k, v in d["data"]["train"].items() if v not in (None, [], "auto")}
    if id_col:
        src["id"] = id_col
    lines = [
        f"# tuneup.yaml, written by `tuneup init` on {dt.date.today().isoformat()}. Edit freely;",
        "# `tuneup check` looks at the data, `tuneup run` trains. Every key: see the README.",
        f"name: {cfg.name}",
        f"task: {cfg.task}  # {why.get('task', 'as given')}",
        f"metric: {cfg.metric}  # {why.get('metric', 'as given')}",
        "# human_level_error: 0.05  # the error a person makes here, if known: separates avoidable bias",
        "data:",
        f"  train: {_flow(src)}  # the distribution there is plenty of",
    ]
    if d["data"].get("target"):
        tgt = {k: v for k, v in d["data"]["target"].items() if v not in (None, [], "auto")}
        lines.append(f"  target: {_flow(tgt)}  # the distribution that matters: dev and test come from it")
    else:
        lines.append("  # target: {path: other.csv, target: label}  # the distribution that matters, if it differs")
    lines += [
        "  meta: []  # columns kept for slicing errors, never fed to the model",
        f"  drop: {_flow(drop)}  # columns to ignore" + ("  (unique per row: identifiers)" if drop else ""),
    ]
    if cfg.data.skip_bad_files:
        lines.append("  skip_bad_files: true")
    lines += [
        "  split: {seed: 0}  # dev/test shares chosen by data size; set train_dev, dev, test to override",
        f"model: {_flow({k: v for k, v in model.items() if not k.startswith('_')})}  # {model['_why']}",
        f"train: {_flow(train)}  # lr auto: a learning-rate range test at the start of each run picks it (the run's "
        "config.yaml keeps the rate it found); training stops once neither train-dev (when there is one) nor dev improves, "
        "and keeps the best dev epoch",
        "",
    ]
    return "\n".join(lines)
