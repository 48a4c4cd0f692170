"""Inline SVG charts for the report: lines, the error ladder, bars, histograms, the confusion matrix
(`heatmap.heatmap`: the function is its module's, the package name `heatmap` is the module)."""
from __future__ import annotations

from tuneup._lazy import lazy_exports

_EXPORTS = {
    "Gap": "bars", "LadderChart": "bars", "Rung": "bars", "hbar_chart": "bars", "ladder_chart": "bars",
    "spark_bars": "bars", "Mark": "lines", "Series": "lines", "line_chart": "lines", "PALETTE": "svg",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
