"""tuneup: tells you why your model underperforms and what to do next, then does it.

    import tuneup
    cfg = tuneup.load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    run = tuneup.run(cfg)          # a Run: a handle on its run directory
"""
from __future__ import annotations

__version__ = "0.1.0"

from tuneup.checks import CheckReport, check
from tuneup.config import Config, load_config
from tuneup.exceptions import ConfigError, DataError, TrainingError, UserError
from tuneup.project import demo, demo_config, init_project
from tuneup.runs import Run
from tuneup.workflow import prepare, run

__all__ = [
    "CheckReport", "Config", "ConfigError", "DataError", "Run", "TrainingError", "UserError", "__version__", "check",
    "demo", "demo_config", "init_project", "load_config", "prepare", "run",
]
