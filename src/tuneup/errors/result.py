"""`ErrorReport`: what `tuneup.errors(run)` found, as plain data (`analysis.py` computes it); `to_dict()` is
`tuneup errors --json`, `errors/render.py` draws it in a terminal, the report's renderer in a notebook."""
from __future__ import annotations

from dataclasses import dataclass, field

from tuneup.errors.ceiling import CeilingRow
from tuneup.errors.classes import ClassTable
from tuneup.errors.regression import RegressionErrors
from tuneup.errors.sample import Sample
from tuneup.errors.scores import Scores
from tuneup.errors.slices import SliceTable
from tuneup.errors.tags import TagTable
from tuneup.errors.threshold import Threshold
from tuneup.errors.weak import WeakSlices


@dataclass
class ErrorReport:
    run: str
    split: str
    task: str
    metric: str
    error_of: str  # the run's error, e.g. "1 - f1"
    measure: str  # what slices and the ceiling add up: "error rate", "RMSE", ...
    n: int
    metric_value: float | None
    error: float  # overall, in the measure's units
    error_ci: tuple[float, float]
    human_level_error: float | None
    human_comparable: bool  # the human level is in the measure's units
    classes: ClassTable | None = None
    scores: Scores | None = None
    regression: RegressionErrors | None = None
    warnings: list[dict] = field(default_factory=list)
    slices: list[SliceTable] = field(default_factory=list)
    weak: WeakSlices | None = None
    tags: TagTable | None = None
    ceiling: list[CeilingRow] = field(default_factory=list)
    rare_classes: list[dict] = field(default_factory=list)
    top_losses: list[dict] = field(default_factory=list)
    threshold: Threshold | None = None  # a new one, chosen because it was asked for
    threshold_saved: str | None = None
    threshold_in_use: str | None = None  # binary: the decision threshold the run's predictions (and serving) use
    sample: Sample | None = None
    notes: list[str] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    path: str | None = None  # the run folder, for images and files

    def to_dict(self) -> dict:
        def d(x):
            return None if x is None else x.to_dict()

        return {
            "run": self.run, "path": self.path, "split": self.split, "task": self.task, "metric": self.metric,
            "error_of": self.error_of, "measure": self.measure, "n": self.n, "metric_value": self.metric_value,
            "error": self.error, "error_ci": list(self.error_ci), "human_level_error": self.human_level_error,
            "human_comparable": self.human_comparable, "warnings": self.warnings,
            "classes": d(self.classes), "scores": d(self.scores), "regression": d(self.regression),
            "slices": [s.to_dict() for s in self.slices], "weak_slices": d(self.weak), "tags": d(self.tags),
            "ceiling": [r.to_dict() for r in self.ceiling], "rare_classes": self.rare_classes,
            "top_losses": self.top_losses, "threshold": d(self.threshold), "threshold_saved": self.threshold_saved,
            "threshold_in_use": self.threshold_in_use,
            "sample": d(self.sample), "notes": self.notes, "timing": self.timing,
        }

    def __rich__(self):
        from tuneup.errors.render import report_renderable

        return report_renderable(self)

    def _repr_html_(self) -> str:
        from tuneup.report.notebook import errors_fragment

        return errors_fragment(self)
