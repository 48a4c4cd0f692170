"""Error analysis: where the model fails and where improvement can come from.

The package is callable, so that `tuneup.errors(run, split="dev", by=["camera"])` is the analysis while
`tuneup.errors.slices`, `tuneup.errors.metrics`, ... stay importable as modules. The parts other steps
reuse (Ship's per-slice check, the report's images) are exported here and load on first use.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports, make_callable

_EXPORTS = {
    "errors": "analysis", "analyse": "analysis", "ErrorReport": "result",
    "Examples": "examples",
    "slice_metrics": "slices", "SliceTable": "slices",
    "find_weak_slices": "weak",
    "choose_threshold": "threshold", "save_threshold": "threshold", "load_threshold": "threshold",
    "example_images": "images", "png_bytes": "images", "contact_sheet": "images",
    "ceiling_table": "ceiling", "class_table": "classes", "top_losses": "toploss", "read_tags": "tags",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
make_callable(__name__, "analysis", "errors")
