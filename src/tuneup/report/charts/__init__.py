"""Inline SVG charts for the report: lines, the error ladder, bars, histograms, the confusion matrix."""
from tuneup.report.charts.bars import Gap, LadderChart, Rung, hbar_chart, ladder_chart, spark_bars
from tuneup.report.charts.heatmap import heatmap
from tuneup.report.charts.lines import Mark, Series, line_chart
from tuneup.report.charts.svg import PALETTE

__all__ = ["Gap", "LadderChart", "Mark", "PALETTE", "Rung", "Series", "hbar_chart", "heatmap", "ladder_chart",
           "line_chart", "spark_bars"]
