"""`tuneup._progress`: long work says what it does, as a bar on a terminal and as plain lines elsewhere."""
from __future__ import annotations

from tuneup import _progress


def test_lines_say_what_starts_and_how_it_ended(capsys):
    """Piped (pytest's stderr is not a terminal): a line when the task starts, before any unit is done, and
    the last state when it ends short of its total (a training stopped early)."""
    with _progress.task("training churn-001", total=50) as bar:
        assert capsys.readouterr().err == "training churn-001 0/50\n"
        bar.advance(loss="0.43")
        for epoch in range(2, 9):
            bar.advance(loss=f"0.{40 - epoch}")  # within 2 s of the last line: not shown yet
    lines = capsys.readouterr().err.splitlines()
    assert lines == ["training churn-001 1/50: loss 0.43", "training churn-001 8/50: loss 0.32"]


def test_a_note_reads_as_a_phrase_before_the_fields(capsys):
    with _progress.task("exporting churn-003", total=2) as bar:
        bar.advance(note="dev inputs and PyTorch outputs")
        bar.advance(note="int8 quantized", size="12 kB")
    assert capsys.readouterr().err.splitlines() == [
        "exporting churn-003 0/2", "exporting churn-003 1/2: dev inputs and PyTorch outputs",
        "exporting churn-003 2/2: int8 quantized, size 12 kB"]


def test_quiet_says_nothing(capsys):
    _progress.set_quiet(True)
    try:
        with _progress.task("training", total=3) as bar:
            bar.advance()
        _progress.info("hello")
    finally:
        _progress.set_quiet(False)
    assert capsys.readouterr().err == ""


def test_a_task_inside_another_is_a_row_of_the_same_bar_on_a_terminal():
    """rich allows one live display: a report's error analysis inside the report's own task must not fail."""
    import io

    from rich.console import Console

    before = _progress.console
    _progress.console = Console(file=io.StringIO(), force_terminal=True, width=100)
    try:
        with _progress.task("writing the report of churn-001", total=2) as outer:
            with _progress.task("analysing the errors of churn-001 on dev", total=2) as inner:
                inner.advance(note="data and predictions read")
                inner.advance(note="analysed")
            outer.advance(2, note="written")
        shown = _progress.console.file.getvalue()
    finally:
        _progress.console = before
    assert "writing the report of churn-001" in shown and "analysing the errors of churn-001 on dev" in shown
    assert "written" in shown
