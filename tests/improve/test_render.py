"""improve's terminal view: a step's decisions are at the step's Bonferroni-widened confidence and the session's
improvement at the usual one, so each interval says its level (the demo showed [10.5, 20.2] in the table and
[10.8, 19.7] two lines below for the same 15.6 points)."""
from __future__ import annotations

from pathlib import Path

from tuneup.diagnose.bootstrap import ErrorDifference
from tuneup.improve.render import decision, summary_lines
from tuneup.improve.result import ImproveResult, Tried
from tuneup.intervals import Interval


def _difference(low: float, high: float, confidence: float) -> ErrorDifference:
    return ErrorDifference(0.22, 0.064, Interval(-0.156, low, high, 0.02, confidence, "bootstrap", 314),
                           314, 314, 314, "dev")


def test_every_difference_says_the_confidence_of_its_interval():
    step = _difference(-0.202, -0.105, 0.975)
    tried = Tried("demo-s1-2", "data_mismatch", "augment", "why", "as measured", True, {}, False, 1, 20.0, "kept",
                  "beats", difference=step)
    result = ImproveResult("demo-improve-001", Path("improve.json"), "demo", "accuracy", "1 - accuracy", False,
                           "demo-001", True, Interval.exact(0.22), "demo-s1-2", Interval.exact(0.064), {}, [], "",
                           {}, improvement=_difference(-0.197, -0.108, 0.95))
    assert decision(result, tried) == "kept: 15.6 better [10.5, 20.2] (97.5%)"
    improvement = next(line for line in summary_lines(result) if line.startswith("improvement"))
    assert "15.6 points [10.8, 19.7] (95%)" in improvement
