"""Diagnose: the error ladder with intervals, the verdict and the remedies (`tuneup.diagnose(run)`).

The package is callable: `tuneup.diagnose(run)` is `diagnosis.diagnose`, while `tuneup.diagnose.ladder`,
`tuneup.diagnose.bootstrap`, ... stay importable as modules. Its public names load on first use.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {
    "Diagnosis": "result", "Remedy": "recipe",
    "ErrorDifference": "bootstrap", "error_interval": "bootstrap",
    "error_difference": "bootstrap", "paired_difference": "bootstrap",
    "LearningCurve": "result", "learning_curve": "curves",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "diagnosis", "diagnose")  # tuneup.diagnose(run, ...) -> Diagnosis
