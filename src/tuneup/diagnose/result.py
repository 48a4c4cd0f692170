"""What `tuneup diagnose` and `tuneup curve` found, as plain data: `Diagnosis` (`diagnosis.py` computes
it) and `LearningCurve` (`curves.py`); `to_dict()` is their `--json`, `diagnose/render.py` draws them in a
terminal and the report's renderer in a notebook."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tuneup.intervals import Interval
from tuneup.diagnose.evidence import Evidence
from tuneup.diagnose.mismatch import Mismatch
from tuneup.diagnose.recipe import Remedy
from tuneup.diagnose.training_checks import Check
from tuneup.train.lr_range import LRRange

CURVE_SPLITS = ("train", "train_dev", "dev")


@dataclass
class Diagnosis:
    run: str
    task: str
    metric: str
    error_of: str
    error_in_units: bool
    ladder: dict[str, float | None]
    gaps: dict[str, float | None]
    intervals: dict[str, dict[str, Interval | None]]  # {"ladder": {rung: ...}, "gaps": {gap: ...}}
    verdict: str
    sentence: str
    problems: list[str]  # every gap that is a problem, largest first (the verdict is the first)
    tolerance: float
    confidence: float
    method: str  # where the intervals come from, in words
    remedies: list[Remedy] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)  # what avoidable bias is measured against
    baselines: dict[str, dict] = field(default_factory=dict)  # name -> split -> error, from the summary
    holdout_ladder: dict[str, float | None] | None = None  # with K-fold: the single holdout model's ladder
    mismatch: Mismatch | None = None
    lr_range: LRRange | None = None
    evidence: Evidence | None = None
    versus: dict[str, str] = field(default_factory=dict)  # baseline -> beats | ties | worse than the network on dev
    model_kind: str = ""  # the run's model: mlp | cnn | linear | hgb

    def to_dict(self) -> dict[str, Any]:
        iv = lambda d: {k: None if v is None else v.to_dict() for k, v in d.items()}  # noqa: E731
        return {
            "run": self.run, "task": self.task, "metric": self.metric, "error_of": self.error_of,
            "error_in_units": self.error_in_units, "ladder": self.ladder, "gaps": self.gaps,
            "intervals": {"ladder": iv(self.intervals["ladder"]), "gaps": iv(self.intervals["gaps"])},
            "verdict": self.verdict, "sentence": self.sentence, "problems": self.problems,
            "tolerance": self.tolerance, "confidence": self.confidence, "method": self.method,
            "remedies": [r.to_dict() for r in self.remedies], "advice": self.advice,
            "checks": [c.to_dict() for c in self.checks], "notes": self.notes, "reference": self.reference,
            "baselines": self.baselines, "holdout_ladder": self.holdout_ladder,
            "mismatch": None if self.mismatch is None else self.mismatch.to_dict(),
            "lr_range": None if self.lr_range is None else
            {"suggested": self.lr_range.suggested, "at_minimum": self.lr_range.at_minimum,
             "steps": len(self.lr_range.lrs)},
            "evidence": None if self.evidence is None else self.evidence.to_dict(), "versus": self.versus,
        }

    def fmt(self, value: float | None) -> str:
        from tuneup.diagnose.render import fmt_error

        return fmt_error(value, {"error_in_units": self.error_in_units})

    def __rich__(self):
        from tuneup.diagnose.render import diagnosis_view

        return diagnosis_view(self)

    def _repr_html_(self) -> str:
        from tuneup.diagnose.render import diagnosis_html

        return diagnosis_html(self)


@dataclass
class CurveFit:
    split: str
    a: float
    b: float
    c: float
    intervals: dict[str, list[float]]  # parameter -> [low, high]
    predictions: dict[str, dict[str, float]]  # "1x", "2x", "10x" -> n, error, low, high
    drop_10x: dict[str, float]  # how much the error falls from 1x to 10x: value, low, high


@dataclass
class LearningCurve:
    name: str
    metric: str
    error_of: str
    error_in_units: bool
    sizes: list[int]
    repeats: int
    points: list[dict[str, Any]]  # one per (size, repeat): n, repeat, train, train_dev, dev
    fits: dict[str, CurveFit]
    more_data_helps: bool | None
    answer: str
    tolerance: float
    confidence: float
    fingerprint: str
    path: str | None = None
    notes: list[str] = field(default_factory=list)

    def errors(self, split: str) -> list[list[float]]:
        """Per training size, the split's error of each repeat."""
        return [[p[split] for p in self.points if p["n"] == n and p.get(split) is not None] for n in self.sizes]

    def mean(self, split: str) -> list[float | None]:
        return [float(np.mean(v)) if v else None for v in self.errors(split)]

    def std(self, split: str) -> list[float | None]:
        return [float(np.std(v, ddof=1)) if len(v) > 1 else None for v in self.errors(split)]

    @property
    def splits(self) -> list[str]:
        return [s for s in CURVE_SPLITS if all(p.get(s) is not None for p in self.points)]

    def to_dict(self) -> dict[str, Any]:
        splits = self.splits
        return {
            "name": self.name, "metric": self.metric, "error_of": self.error_of, "error_in_units": self.error_in_units,
            "sizes": self.sizes, "repeats": self.repeats, "points": self.points,
            "curves": {s: {"mean": self.mean(s), "std": self.std(s)} for s in splits},
            "fits": {s: vars(f) for s, f in self.fits.items()},
            "more_data_helps": self.more_data_helps, "answer": self.answer, "tolerance": self.tolerance,
            "confidence": self.confidence, "fingerprint": self.fingerprint, "path": self.path, "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "LearningCurve":
        """A saved curve (`to_dict()`, as kept in `<runs>/curves/`) back as an object."""
        names = {f for f in cls.__dataclass_fields__ if f != "fits"}
        fits = {s: CurveFit(**f) for s, f in d.get("fits", {}).items()}
        return cls(**{k: v for k, v in d.items() if k in names}, fits=fits)

    def fmt(self, value: float | None) -> str:
        from tuneup.diagnose.render import fmt_error

        return fmt_error(value, {"error_in_units": self.error_in_units})

    def __rich__(self):
        from tuneup.diagnose.render import curve_view

        return curve_view(self)

    def _repr_html_(self) -> str:
        from tuneup.diagnose.render import curve_html

        return curve_html(self)
