"""Sweep: hyperparameter search (Optuna, Ray Tune) and the pieces the improve loop reuses.

- `tuneup.sweep(cfg, trials, ...)` -> SweepResult (`runner.py`; worker processes in `workers.py`, Ray in `ray.py`;
  the study and its storage in `study.py`, `storage.py`; the result in `result.py`, `render.py`)
- `train_candidate(cfg, overrides, name, on_epoch)` -> Candidate: one configuration as a run folder, each
  epoch's record passed to a callback that may stop it (`candidate.py`)
- `load_space(file, cfg)` / `default_space(...)` -> Space: dotted keys -> distributions (`space.py`)
"""
from tuneup.sweep.candidate import Candidate, train_candidate
from tuneup.sweep.result import SweepResult, TrialRow
from tuneup.sweep.space import Param, Space, default_space, load_space

# `tuneup.sweep` at the top level is the function (it shadows this package there, as `diagnose` does)
__all__ = ["Candidate", "Param", "Space", "SweepResult", "TrialRow", "default_space", "load_space", "train_candidate"]
