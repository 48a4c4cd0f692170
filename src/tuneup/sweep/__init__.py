"""Sweep: hyperparameter search with Optuna (local processes) or Ray Tune (a cluster). Each trial trains
through `workflow.train_candidate`, as improve's candidates do.

- `tuneup.sweep(cfg, trials, ...)` -> SweepResult (`runner.py`; worker processes in `workers.py`, Ray in `ray.py`;
  the study and its storage in `study.py`, `storage.py`; the result in `result.py`, `render.py`)
- `--batch K` (`batch.py`): K trials asked at once, the compatible ones trained as one ensemble
  (`pipeline/ensemble.py`)
- `load_space(file, cfg)` / `default_space(...)` -> Space: dotted keys -> distributions (`space.py`)

The package is callable (`tuneup.sweep(cfg, trials)` is `runner.sweep`) while its modules stay importable;
its public names load on first use.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {
    "SweepResult": "result", "TrialRow": "result",
    "Param": "space", "Space": "space", "default_space": "space", "load_space": "space",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "runner", "sweep")  # tuneup.sweep(cfg, trials, ...) -> SweepResult
