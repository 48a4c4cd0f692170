"""Improve: the closed-loop recipe (`tuneup.improve(cfg, budget)`, `tuneup improve`: loop.py and the modules
beside it).

The package is callable: `tuneup.improve(cfg, budget=...)` is `loop.improve`, while `tuneup.improve.loop`,
`tuneup.improve.budget`, ... stay importable as modules.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {"ImproveResult": "result", "Budget": "budget"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "loop", "improve")  # tuneup.improve(cfg, budget, ...) -> ImproveResult
