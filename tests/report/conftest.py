from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tuneup.runs import Run


@pytest.fixture(scope="module")
def table_report(trained_table_run):
    """The table run's report data and page, made once per module (nothing written to the run folder)."""
    from tuneup.report.data import load
    from tuneup.report.page import render

    data = load(trained_table_run, quick=True)
    return data, render(data)


def copy_run(run: Run, runs_root: Path, name: str | None = None) -> Run:
    """A private copy of a finished run in `runs_root` (tests that write into the run or runs folder)."""
    return Run(shutil.copytree(run.path, runs_root / (name or run.name)))
