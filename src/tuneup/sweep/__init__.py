"""Sweep: hyperparameter search (Optuna, Ray Tune) and the pieces the improve loop reuses.

- `tuneup.sweep(cfg, trials, ...)` -> SweepResult (`runner.py`; worker processes in `workers.py`, Ray in `ray.py`;
  the study and its storage in `study.py`, `storage.py`; the result in `result.py`, `render.py`)
- `train_candidate(cfg, overrides, name, on_epoch)` -> Candidate: one configuration as a run folder, each
  epoch's record passed to a callback that may stop it (`candidate.py`)
- `load_space(file, cfg)` / `default_space(...)` -> Space: dotted keys -> distributions (`space.py`)

The package is callable (`tuneup.sweep(cfg, trials)` is `runner.sweep`) while its modules stay importable;
its public names load on first use.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {
    "Candidate": "candidate", "train_candidate": "candidate",
    "SweepResult": "result", "TrialRow": "result",
    "Param": "space", "Space": "space", "default_space": "space", "load_space": "space",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "runner", "sweep")  # tuneup.sweep(cfg, trials, ...) -> SweepResult
