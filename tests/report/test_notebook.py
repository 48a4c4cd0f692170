"""Runs, diagnoses, error reports, learning curves and comparisons as notebook HTML: the report's own
sections with their styles scoped to them."""
from __future__ import annotations

import tuneup
from tests.report.pages import sections, text, tooltips


def test_run_diagnosis_and_errors_render_as_the_reports_sections(trained_table_run, table_report):
    data, _ = table_report
    run_html = trained_table_run._repr_html_()
    assert run_html.startswith('<div class="tuneup"><style>') and ".tuneup" in run_html
    assert list(sections(run_html)) == ["summary", "ladder", "training"]
    assert "tuneup.diagnose('table') adds intervals" in text(run_html)
    d_html = data.diagnosis._repr_html_()
    assert list(sections(d_html)) == ["summary", "ladder", "baselines"]
    assert data.diagnosis.sentence in text(d_html)
    dev = data.diagnosis.intervals["ladder"]["dev"]  # the ladder with its intervals, not the plain ladder
    assert f"dev: {100 * dev.value:.1f}% (interval {100 * dev.low:.1f}% to {100 * dev.high:.1f}%)" in tooltips(d_html)
    e_html = data.errors._repr_html_()
    assert "<table>" in e_html and "region" in e_html
    assert {"classes", "confusion", "slices", "ceiling", "top-losses"} == set(sections(e_html))


def test_a_comparison_renders(trained_table_run):
    c = tuneup.compare([trained_table_run, trained_table_run])
    assert {"runs", "ladders", "curves"} <= set(sections(c._repr_html_()))
