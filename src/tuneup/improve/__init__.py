"""Improve: hyperparameter sweeps (Optuna, Ray Tune) and the pieces the closed-loop recipe reuses.

- `tuneup.sweep(cfg, trials, ...)` -> SweepResult (`sweep.py`; worker processes in `workers.py`, Ray in `ray.py`;
  the study and its storage in `study.py`, `storage.py`; the result in `result.py`, `render.py`)
- `train_candidate(cfg, overrides, name, on_epoch)` -> Candidate: one configuration as a run folder, each
  epoch's record passed to a callback that may stop it (`candidate.py`)
- `load_space(file, cfg)` / `default_space(...)` -> Space: dotted keys -> distributions (`space.py`)
"""
from tuneup.improve.candidate import Candidate, train_candidate
from tuneup.improve.result import SweepResult, TrialRow
from tuneup.improve.space import Param, Space, default_space, load_space

# `sweep` the function is `tuneup.sweep`; here `tuneup.improve.sweep` stays the module
__all__ = ["Candidate", "Param", "Space", "SweepResult", "TrialRow", "default_space", "load_space", "train_candidate"]
