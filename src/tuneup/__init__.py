"""tuneup: tells you why your model underperforms and what to do next, then does it.

    import tuneup
    cfg = tuneup.load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    run = tuneup.run(cfg)          # a Run: a handle on its run directory
    diag = tuneup.diagnose(run)    # the error ladder with intervals, the verdict, ranked remedies
    tuneup.export(run, int8=True)  # ONNX + int8 in <run>/export, with the compress-then-verify table
    tuneup.serve(run)              # REST API + upload page on 127.0.0.1:8000

Every public name loads on first use (PEP 562), so `import tuneup` and `tuneup --help` import neither torch
nor scipy. The steps named like their package (`diagnose`, `errors`, `improve`, `report`, `sweep`) are the
packages themselves, made callable, so `tuneup.diagnose.ladder` stays importable as a module.
"""
from __future__ import annotations

import time as _time

STARTED = _time.monotonic()  # when this process began using tuneup: a CLI command's wall-time budget counts from here

__version__ = "0.1.0"

from tuneup._lazy import lazy_exports  # noqa: E402

_EXPORTS = {
    # callable packages: tuneup.diagnose(run), tuneup.errors(run, by=[...]), tuneup.improve(cfg, budget),
    # tuneup.report(run), tuneup.sweep(cfg, trials)
    "diagnose": "diagnose", "errors": "errors", "improve": "improve", "report": "report", "sweep": "sweep",
    "CheckReport": "checks.result", "check": "checks.runner",
    "Config": "config", "load_config": "config",
    "ErrorReport": "errors.result", "slice_metrics": "errors.slices",
    "ErrorDifference": "diagnose.bootstrap", "Interval": "intervals", "error_difference": "diagnose.bootstrap",
    "error_interval": "diagnose.bootstrap", "paired_difference": "diagnose.bootstrap",
    "LearningCurve": "diagnose.result", "learning_curve": "diagnose.curves",
    "Diagnosis": "diagnose.result", "Remedy": "diagnose.recipe",
    "ConfigError": "exceptions", "DataError": "exceptions", "TrainingError": "exceptions", "UserError": "exceptions",
    "ImproveResult": "improve.result", "SweepResult": "sweep.result",
    "demo": "project", "demo_config": "project", "init_project": "project",
    "board": "report.board", "Comparison": "report.compare", "compare": "report.compare",
    "Run": "runs",
    "Export": "ship.result", "export": "ship.export",
    "ServeOptions": "ship.serve", "create_app": "ship.serve", "serve": "ship.serve",
    "MonitorReport": "watch.result", "monitor": "watch.monitor",
    "prepare": "pipeline.preparation", "run": "workflow", "train_candidate": "workflow",
}

__all__ = sorted([*_EXPORTS, "__version__"])
__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
