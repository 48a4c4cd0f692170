"""What an improve session did, as plain data: the steps, every candidate tried and why it was kept or
not, where it stopped, the final ladder, and (with --final) the one look at test. Rendered by
`improve/render.py` for a terminal and a notebook; `to_dict()` is `improve.json` and `--json`."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tuneup.diagnose.bootstrap import ErrorDifference
from tuneup.intervals import Interval
from tuneup.diagnose.result import Diagnosis


def _d(value: Any) -> Any:
    return None if value is None else value.to_dict()


@dataclass
class Tried:
    """One candidate: the remedy and strength it came from, its run, its dev error, the decision."""

    run: str
    gap: str
    action: str
    reason: str  # the remedy's why
    strength: str
    recommended: bool
    set: dict[str, Any]
    resplit: bool
    ensemble: int  # candidates trained together with it as one vectorised ensemble (1: alone)
    seconds: float
    outcome: str  # kept | beats | simpler | within noise | worse | did not learn | failed
    why: str
    dev: Interval | None = None
    difference: ErrorDifference | None = None

    def to_dict(self) -> dict:
        return {"run": self.run, "remedy": {"gap": self.gap, "action": self.action, "why": self.reason},
                "strength": self.strength, "recommended": self.recommended, "set": self.set,
                "resplit": self.resplit, "ensemble": self.ensemble, "seconds": self.seconds,
                "dev": _d(self.dev), "difference": _d(self.difference),
                "n_common": None if self.difference is None else self.difference.n_common,
                "outcome": self.outcome, "kept": self.outcome == "kept", "why": self.why}


@dataclass
class Step:
    index: int
    incumbent: str
    verdict: str
    gap: str  # the gap this step's remedies attack (the verdict, unless all of its remedies were tried)
    gap_interval: Interval | None
    dev_before: Interval
    tried: list[Tried] = field(default_factory=list)
    kept: str | None = None
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"step": self.index, "incumbent": self.incumbent, "verdict": self.verdict, "gap": self.gap,
                "gap_before": _d(self.gap_interval), "dev_before": _d(self.dev_before),
                "tried": [t.to_dict() for t in self.tried], "kept": self.kept, "skipped": self.skipped}


@dataclass
class FinalEvaluation:
    """The chosen configuration retrained on train + dev and evaluated on test, once."""

    run: str
    chosen: str
    epochs: int  # the chosen run's best epoch
    test: Interval
    test_uses: int  # looks at this test set recorded in the ledger, this one included
    ledger: str

    def to_dict(self) -> dict:
        return {"run": self.run, "chosen": self.chosen, "trained_on": "train+dev", "epochs": self.epochs,
                "early_stopping": False, "test": self.test.to_dict(), "test_uses": self.test_uses,
                "ledger": self.ledger}


@dataclass
class ImproveResult:
    session: str
    path: Path  # improve.json
    name: str  # the config's name
    metric: str
    error_of: str
    error_in_units: bool
    start: str
    start_reused: bool
    start_dev: Interval
    best: str
    best_dev: Interval
    changes: dict[str, Any]  # dotted overrides that turn the starting config into the best one
    steps: list[Step]
    stopped: str
    budget: dict[str, Any]
    diagnosis: Diagnosis | None = None  # of the best run, after the last step
    improvement: ErrorDifference | None = None  # best - start on their shared dev examples
    final: FinalEvaluation | None = None
    notes: list[str] = field(default_factory=list)
    finished: bool = False
    seconds: float = 0.0

    @property
    def relative_improvement(self) -> float | None:
        """How much lower the best run's dev error is than the start's, as a share of the start's
        (on the dev examples both were measured on)."""
        d = self.improvement
        if d is None or d.incumbent == 0:
            return None
        return (d.incumbent - d.candidate) / d.incumbent

    @property
    def tried(self) -> list[Tried]:
        return [t for s in self.steps for t in s.tried]

    def fmt(self, value: float | None, unit: bool = True, signed: bool = False) -> str:
        """An error difference in points (shares of examples) or in the target's units."""
        if value is None:
            return "-"
        sign = "+" if signed and value > 0 else ""
        if self.error_in_units:
            return f"{sign}{value:.4g}"
        return f"{sign}{100 * value:.1f}" + (" points" if unit else "")

    def to_dict(self) -> dict:
        return {
            "session": self.session, "path": str(self.path), "name": self.name, "metric": self.metric,
            "error_of": self.error_of, "error_in_units": self.error_in_units, "finished": self.finished,
            "start": {"run": self.start, "reused": self.start_reused, "dev": _d(self.start_dev)},
            "best": {"run": self.best, "dev": _d(self.best_dev), "changes": self.changes},
            "improvement": _d(self.improvement), "relative_improvement": self.relative_improvement,
            "steps": [s.to_dict() for s in self.steps], "stopped": self.stopped, "budget": self.budget,
            "trainings": len(self.tried), "seconds": self.seconds,
            "diagnosis": _d(self.diagnosis), "final": _d(self.final), "notes": self.notes,
        }

    def __rich__(self):
        from tuneup.improve.render import improve_view

        return improve_view(self)

    def _repr_html_(self) -> str:
        from tuneup.improve.render import improve_html

        return improve_html(self)
