"""What the checks found, as plain data: findings (errors first), one section of numbers per check, and
how long each check took. The terminal summary, `--json`, `check.json` and the notebook view all read it."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tuneup.exceptions import UserError

SEVERITIES = ("error", "warning", "info")


@dataclass
class Finding:
    """One thing a person should know: `error` stops `tuneup run` (unless --force), `warning` is printed."""

    severity: str  # error | warning | info
    check: str  # the check that found it: duplicates, leakage, ...
    title: str  # what was found, in one line
    advice: str = ""  # what to do about it
    columns: list[str] = field(default_factory=list)
    set: dict[str, Any] = field(default_factory=dict)  # config changes that act on the advice
    data: dict[str, Any] = field(default_factory=dict)  # the numbers behind it

    def __post_init__(self) -> None:
        assert self.severity in SEVERITIES, self.severity

    def line(self) -> str:
        return f"{self.check}: {self.title}" + (f"; {self.advice}" if self.advice else "")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class CheckReport:
    overview: dict[str, Any]  # config, kind, task, metric, rows, splits, sources
    findings: list[Finding]
    sections: dict[str, dict[str, Any]]  # check name -> its numbers (column summaries, shifts, suspects, ...)
    timing: dict[str, float]  # seconds per step and per check

    def __post_init__(self) -> None:
        self.findings = sorted(self.findings, key=lambda f: SEVERITIES.index(f.severity))  # errors first

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]

    @property
    def errors(self) -> list[Finding]:
        return self.of("error")

    @property
    def warnings(self) -> list[Finding]:
        return self.of("warning")

    def counts(self) -> dict[str, int]:
        return {s: len(self.of(s)) for s in SEVERITIES}

    def to_dict(self) -> dict[str, Any]:
        return {"overview": self.overview, "counts": self.counts(), "findings": [f.to_dict() for f in self.findings],
                "sections": self.sections, "timing": self.timing}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "CheckReport":
        return cls(d["overview"], [Finding(**f) for f in d["findings"]], d["sections"], d["timing"])

    @classmethod
    def read(cls, path: str | Path) -> "CheckReport":
        """A saved report: `check.json` in a run folder (or the folder itself)."""
        from tuneup._io import read_json
        from tuneup.runs import CHECK

        path = Path(path)
        path = path / CHECK if path.is_dir() else path
        if not path.exists():
            raise UserError(f"{path}: no such check report; runs started with `tuneup run` write one")
        return cls.from_dict(read_json(path))

    def __rich__(self):
        from tuneup.checks.render import summary

        return summary(self)

    def _repr_html_(self) -> str:
        from tuneup.checks.render import html_report

        return html_report(self)

    def __repr__(self) -> str:
        c = self.counts()
        return f"CheckReport({c['error']} errors, {c['warning']} warnings, {c['info']} notes)"


class ChecksFailed(UserError):
    """The data checks found errors and `tuneup run` was not told to go on (--force)."""

    def __init__(self, report: CheckReport, config_name: str = "CONFIG"):
        self.report = report
        errors = report.errors
        found = "; ".join(f.line() for f in errors)
        super().__init__(
            f"the data checks found {len(errors)} error{'s' if len(errors) > 1 else ''}: {found}; "
            f"see `tuneup check {config_name}`; fix the data, or run with --force (force=True) to train anyway"
        )
