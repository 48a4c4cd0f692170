"""Small, fast sweep configs for the sweep tests (bundled scikit-learn data, a few epochs)."""
from __future__ import annotations

import json
from pathlib import Path

import yaml


def wine_config(**extra) -> dict:
    """178 wines, 3 classes: an epoch takes a few hundredths of a second."""
    cfg = {
        "name": "wine",
        "data": {"train": {"path": "builtin:wine"}},
        "model": {"hidden": [16]},
        "train": {"epochs": 3, "batch_size": 32},
        "baselines": ["majority"],  # every trial fits the baselines; keep them cheap
    }
    cfg.update(extra)
    return cfg


def write_yaml(path: str | Path, data: dict) -> Path:
    path = Path(path)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


LR_SPACE = {"train.lr": {"log_uniform": [1e-3, 1e-1]}, "model.dropout": {"uniform": [0.0, 0.4]}}


def trial_json(run_dir: str | Path) -> dict:
    return json.loads(Path(run_dir, "trial.json").read_text())
