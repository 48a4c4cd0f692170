"""tuneup: tells you why your model underperforms and what to do next, then does it.

    import tuneup
    cfg = tuneup.load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    run = tuneup.run(cfg)          # a Run: a handle on its run directory
    tuneup.export(run, int8=True)  # ONNX + int8 in <run>/export, with the compress-then-verify table
    tuneup.serve(run)              # REST API + upload page on 127.0.0.1:8000
"""
from __future__ import annotations

__version__ = "0.1.0"

from tuneup.config import Config, load_config
from tuneup.exceptions import ConfigError, DataError, TrainingError, UserError
from tuneup.project import demo, demo_config, init_project
from tuneup.runs import Run
from tuneup.ship.export import Export, export
from tuneup.ship.serve import ServeOptions, create_app, serve
from tuneup.workflow import prepare, run

__all__ = [
    "Config", "ConfigError", "DataError", "Export", "Run", "ServeOptions", "TrainingError", "UserError", "__version__",
    "create_app", "demo", "demo_config", "export", "init_project", "load_config", "prepare", "run", "serve",
]
