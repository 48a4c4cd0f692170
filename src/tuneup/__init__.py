"""tuneup: tells you why your model underperforms and what to do next, then does it.

    import tuneup
    cfg = tuneup.load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    run = tuneup.run(cfg)          # a Run: a handle on its run directory
    diag = tuneup.diagnose(run)    # the error ladder with intervals, the verdict, ranked remedies
    tuneup.export(run, int8=True)  # ONNX + int8 in <run>/export, with the compress-then-verify table
    tuneup.serve(run)              # REST API + upload page on 127.0.0.1:8000
"""
from __future__ import annotations

import time as _time

STARTED = _time.monotonic()  # when this process began using tuneup: a CLI command's wall-time budget counts from here

__version__ = "0.1.0"

from tuneup import errors  # callable: tuneup.errors(run, split="dev", by=[...]) -> ErrorReport
from tuneup import report  # callable: tuneup.report(run) -> Path of <run>/report.html
from tuneup.checks import CheckReport, check
from tuneup.config import Config, load_config
from tuneup.errors import ErrorReport, slice_metrics
from tuneup.diagnose.bootstrap import ErrorDifference, Interval, error_difference, error_interval, paired_difference
from tuneup.diagnose.curves import LearningCurve, learning_curve
from tuneup.diagnose.diagnosis import Diagnosis, diagnose  # the function shadows the subpackage's name here
from tuneup.diagnose.recipe import Remedy
from tuneup.exceptions import ConfigError, DataError, TrainingError, UserError
from tuneup.improve.result import ImproveResult
from tuneup.improve.loop import improve  # the function shadows the subpackage's name here
from tuneup.sweep.result import SweepResult
from tuneup.sweep.runner import sweep
from tuneup.project import demo, demo_config, init_project
from tuneup.report.board import board
from tuneup.report.compare import Comparison, compare
from tuneup.runs import Run
from tuneup.ship.export import Export, export
from tuneup.ship.serve import ServeOptions, create_app, serve
from tuneup.watch import MonitorReport, monitor
from tuneup.workflow import prepare, run

__all__ = [
    "CheckReport", "Comparison", "Config", "ConfigError", "DataError", "Diagnosis", "ErrorDifference", "ErrorReport",
    "Export", "ImproveResult", "Interval", "LearningCurve", "MonitorReport", "Remedy", "Run", "ServeOptions",
    "SweepResult", "TrainingError", "UserError", "__version__", "board", "check", "compare", "create_app", "demo",
    "demo_config", "diagnose", "error_difference", "error_interval", "errors", "export", "improve", "init_project",
    "learning_curve", "load_config", "monitor", "paired_difference", "prepare", "report", "run", "serve",
    "slice_metrics", "sweep",
]
