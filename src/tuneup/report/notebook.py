"""HTML for notebooks (`_repr_html_`): the report's own sections for a run, a diagnosis, an error report
and a learning curve, with the styles scoped to them. Quick: nothing here trains or re-reads the data."""
from __future__ import annotations

from tuneup.report.data import ReportData
from tuneup.report.page import fragment, sections_of
from tuneup.report.sections import errors, run as runs


def run_fragment(run) -> str:
    """A finished run: the header, the ladder from its summary and its per-epoch curves."""
    d = ReportData(run=run, summary=run.summary, history=run.history)
    return fragment(sections_of(d, [runs.header, runs.summary_ladder, runs.training]))


def diagnosis_fragment(diagnosis) -> str:
    d = ReportData(diagnosis=diagnosis)
    return fragment(sections_of(d, [runs.header, runs.ladder, runs.baselines]))


def errors_fragment(report) -> str:
    d = ReportData(errors=report)
    return fragment(sections_of(d, [errors.classes, errors.confusion, errors.slices, errors.ceiling,
                                    errors.top_losses]))


def curve_fragment(curve) -> str:
    return fragment(sections_of(ReportData(curve=curve), [runs.learning]))
