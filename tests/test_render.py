"""`tuneup.diagnose.render`: the terminal views read as sentences (issue 17, item 8)."""
from __future__ import annotations

import io

from rich.console import Console

import tuneup
from tuneup.exceptions import counted
from tuneup.diagnose.render import diagnosis_view, verdict_line


def text_of(renderable) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_the_verdict_is_said_once_and_remedies_run_on_the_named_config(trained_table_run):
    d = tuneup.diagnose(trained_table_run, measure=False)
    line = verdict_line(d)
    head = d.verdict.replace("_", " ")
    assert line.startswith(f"verdict: {head} — ") and f"{head}: " not in line  # not "verdict: ok: ok: ..."
    shown = text_of(diagnosis_view(d, config="tuneup.yaml"))
    assert "CONFIG" not in shown
    if d.remedies:
        assert "tuneup run tuneup.yaml --set" in shown


def test_counts_agree_with_their_nouns():
    assert counted(1, "seed") == "1 seed" and counted(2, "seed") == "2 seeds"
    assert counted(1_200, "example") == "1,200 examples" and counted(1, "match", "matches") == "1 match"
    assert counted(3, "match", "matches") == "3 matches"
