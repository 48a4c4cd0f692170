"""What a person looks at: the single-file HTML report of a run, runs compared side by side, TensorBoard
over the runs folder, and HTML for notebooks.

    tuneup.report(run)                  # writes <run>/report.html, returns its path
    tuneup.compare(["a-001", "a-002"])  # a Comparison: config differences, ladders, curves (to_dict, HTML)
    tuneup.board("tuneup-runs")         # TensorBoard with every run's hyperparameters and final metrics

The package is callable (`tuneup.report(run)`), like `tuneup.errors`, so its modules stay importable.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {  # never a module's own name: once imported, the module would stand where the function should
    "write_report": "page", "REPORT_FILE": "page", "ReportData": "data", "load": "data",
    "Comparison": "compare", "compare_page": "compare_render", "write_hparams": "board", "ensure_hparams": "board",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "page", "report")  # tuneup.report(run, out=None, diagnosis=None, quick=False) -> Path
