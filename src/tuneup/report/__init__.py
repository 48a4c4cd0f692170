"""What a person looks at: the single-file HTML report of a run, runs compared side by side, TensorBoard
over the runs folder, and HTML for notebooks.

    tuneup.report(run)                  # writes <run>/report.html, returns its path
    tuneup.compare(["a-001", "a-002"])  # a Comparison: config differences, ladders, curves (to_dict, HTML)
    tuneup.report.board("tuneup-runs")  # TensorBoard with every run's hyperparameters and final metrics

The package is callable (`tuneup.report(run)`), like `tuneup.errors`, so its modules stay importable.
"""
from __future__ import annotations

import importlib
import sys
import types

_EXPORTS = {
    "write_report": "page", "REPORT_FILE": "page", "ReportData": "data", "load": "data",
    "compare": "compare", "Comparison": "compare", "compare_page": "compare_render",
    "board": "board", "write_hparams": "board", "ensure_hparams": "board",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _Callable(types.ModuleType):
    def __call__(self, run, out=None, diagnosis=None, quick: bool = False):
        """Write the run's report.html (or `out`) and return its path."""
        from tuneup.report.page import write_report

        return write_report(run, out=out, diagnosis=diagnosis, quick=quick)


sys.modules[__name__].__class__ = _Callable
