"""`MonitorReport`: everything `tuneup monitor` found, as plain data; the alarms and their reasons follow
from it and the run's `watch:` settings. Rendered by watch/render.py (terminal, notebook HTML); `to_dict()`
is the `--json` document."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tuneup.watch.abtest import ABTest
from tuneup.watch.drift import DataDrift, PredictionDrift
from tuneup.watch.performance import LivePerformance

ALARMS = ("drift", "performance")


@dataclass
class MonitorReport:
    run: str
    task: str
    metric: str
    error_of: str
    log: dict[str, Any]  # PredictionLog.summary()
    windows: dict[str, Any]  # length, count
    settings: dict[str, Any]  # the watch: section used
    data_drift: DataDrift
    prediction_drift: PredictionDrift | None
    performance: LivePerformance | None
    ab_test: ABTest | None
    notes: list[str] = field(default_factory=list)
    timing: dict[str, float] = field(default_factory=dict)
    audit: Any = None  # AuditSample
    new_data: Any = None  # NewData
    imported: dict | None = None

    # ---- what the numbers mean ----------------------------------------------------------------------
    def drift_reasons(self) -> list[str]:
        s, d = self.settings, self.data_drift
        out = []
        if len(d.drifted) >= s["drift_features"]:
            out.append(f"inputs drifted: {', '.join(d.drifted)} (all logged traffic against the {d.reference})")
        windows = [w for w in d.windows if len(w.drifted) >= s["drift_features"]]
        if windows:
            out.append(f"inputs drifted in {len(windows)} of {len(d.windows)} windows, first from "
                       f"{when(windows[0].start)}: {', '.join(windows[0].drifted)}")
        for name, c in (("training data from recent traffic", d.classifier),
                        ("training images from recent ones by the model's own features", d.embedding)):
            if c is not None and c.auc >= s["drift_auc"]:
                out.append(f"a classifier tells {name} apart (AUC {c.auc:.2f} >= watch.drift_auc {s['drift_auc']})")
        p = self.prediction_drift
        if p is not None and p.drifted:
            out.append(f"predictions drifted from dev: {', '.join(p.drifted)}")
        if p is not None and any(w.drifted for w in p.windows) and not p.drifted:
            first = next(w for w in p.windows if w.drifted)
            out.append(f"predictions drifted from dev in a window from {when(first.start)}: "
                       f"{', '.join(first.drifted)}")
        return out

    def performance_reasons(self) -> list[str]:
        p = self.performance
        if p is None:
            return []
        out = []
        if p.overall_worse:
            out.append(f"live {p.metric} {p.live.value:.4g} against dev {p.dev.value:.4g}: error up "
                       f"{p.error_increase:+.4g}, more than {p.tolerance:.4g} and significant (p = {p.p_value:.2g})")
        bad = p.worse_windows
        if bad:
            out.append(f"{p.metric} worse than dev in {len(bad)} of {len(p.windows)} windows, first from "
                       f"{when(bad[0].start)} ({bad[0].estimate.value:.4g} on {bad[0].n_labelled} labels)")
        return out

    @property
    def alarms(self) -> dict[str, bool]:
        return {"drift": bool(self.drift_reasons()), "performance": bool(self.performance_reasons())}

    def to_dict(self) -> dict[str, Any]:
        return _timestamps_as_text({
            "run": self.run, "task": self.task, "metric": self.metric, "error_of": self.error_of, "log": self.log,
            "windows": self.windows, "settings": self.settings, "alarms": self.alarms,
            "reasons": {"drift": self.drift_reasons(), "performance": self.performance_reasons()},
            "data_drift": self.data_drift.to_dict(),
            "prediction_drift": self.prediction_drift.to_dict() if self.prediction_drift else None,
            "performance": self.performance.to_dict() if self.performance else None,
            "ab_test": self.ab_test.to_dict() if self.ab_test else None,
            "audit": self.audit.to_dict() if self.audit else None,
            "new_data": self.new_data.to_dict() if self.new_data else None,
            "imported": self.imported, "notes": self.notes, "timing": self.timing,
        })

    def __rich__(self):
        from tuneup.watch.render import report_renderable

        return report_renderable(self)

    def _repr_html_(self) -> str:
        from tuneup.watch.render import report_html

        return report_html(self)


def _timestamps_as_text(value: Any) -> Any:
    """JSON has no times: ISO-8601 text (UTC), None for a missing one."""
    if isinstance(value, dict):
        return {k: _timestamps_as_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_timestamps_as_text(v) for v in value]
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def when(t: Any) -> str:
    """A window start as people read it: 2026-03-01 or 2026-03-01 06:00 (UTC)."""
    if t is None:
        return "-"
    t = pd.Timestamp(t)
    return t.strftime("%Y-%m-%d") if t == t.normalize() else t.strftime("%Y-%m-%d %H:%M")
