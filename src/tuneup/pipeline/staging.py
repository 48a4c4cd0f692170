"""Staging: read the sources, fill in task and metric from the data, split. The half of preparing the data
that comes before encoding, and what the data checks look at (`checks/context.py`), `tuneup init`
(`project.py`) and every run (`preparation.prepare`) do the same way."""
from __future__ import annotations

import json
from dataclasses import dataclass

from tuneup.config import Config
from tuneup.data import columns, sources
from tuneup.data.dataset import Dataset
from tuneup.data.split import Splits, assign
from tuneup.errors.metrics import default_metric, get_metric


@dataclass(frozen=True)
class Inferred:
    """A setting tuneup chose from the data, and why."""

    key: str
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.key}: {self.value} ({self.why})"


def resolve_task(cfg: Config, ds: Dataset) -> tuple[Config, list[Inferred]]:
    """Fill in `task` and `metric` from the data when the config leaves them out."""
    notes, updates = [], {}
    task = cfg.task
    if task is None:
        task, why = columns.infer_task(ds.y)
        updates["task"] = task
        notes.append(Inferred("task", task, why))
    if cfg.metric is None:
        counts = None if task in ("regression", "multilabel") else ds.y.value_counts().to_numpy()
        metric, why = default_metric(task, counts)
        updates["metric"] = metric
        notes.append(Inferred("metric", metric, why))
    get_metric(updates.get("metric", cfg.metric), task)
    if updates:
        cfg = cfg.with_overrides(updates)
    return cfg, notes


def data_key(cfg: Config) -> str:
    """What makes two configs the same data set (and so one entry of `preparation`'s cache)."""
    d = cfg.to_dict()
    return json.dumps({"data": d["data"], "task": d["task"], "metric": d["metric"], "base": str(cfg.base_dir),
                       "files": sources.identity(cfg)}, sort_keys=True)  # a file rewritten since is read again


@dataclass
class Staged:
    """The data half before encoding: what the data checks look at."""

    cfg: Config
    dataset: Dataset
    splits: Splits
    notes: list[Inferred]
    fresh: bool = True  # read just now, not found in the cache (what was inferred has not been said yet)


def stage(cfg: Config) -> Staged:
    """Read `cfg`'s sources, fill in task and metric, split: (the resolved config, the examples, the splits)."""
    ds = sources.load(cfg)
    cfg, notes = resolve_task(cfg, ds)
    return Staged(cfg, ds, assign(ds, cfg.data.split, cfg.task), notes)
