"""The report's sections, in page order: each is a function (ReportData) -> Section | None, so a new
kind of result becomes a new function added to this list."""
from __future__ import annotations

from tuneup.report.sections import checks, errors, improve, monitor, run, sweep

SECTIONS = (
    run.header,
    run.ladder,
    run.summary_ladder,
    run.training,
    run.learning,
    run.baselines,
    errors.classes,
    errors.confusion,
    errors.slices,
    errors.ceiling,
    errors.top_losses,
    checks.check,
    improve.improve,
    sweep.sweep,
    monitor.monitor,
)
