"""tuneup: tells you why your model underperforms and what to do next, then does it.

    import tuneup
    cfg = tuneup.load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    run = tuneup.run(cfg)          # a Run: a handle on its run directory
"""
from __future__ import annotations

__version__ = "0.1.0"

from tuneup import errors  # callable: tuneup.errors(run, split="dev", by=[...]) -> ErrorReport
from tuneup.config import Config, load_config
from tuneup.errors import ErrorReport, slice_metrics
from tuneup.exceptions import ConfigError, DataError, TrainingError, UserError
from tuneup.sweep.result import SweepResult
from tuneup.sweep.runner import sweep
from tuneup.project import demo, demo_config, init_project
from tuneup.runs import Run
from tuneup.workflow import prepare, run

__all__ = [
    "Config", "ConfigError", "DataError", "ErrorReport", "Run", "SweepResult", "TrainingError", "UserError",
    "__version__", "demo", "demo_config", "errors", "init_project", "load_config", "prepare", "run", "slice_metrics",
    "sweep",
]
