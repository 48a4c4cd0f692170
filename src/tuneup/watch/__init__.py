"""Watch: production traffic against the run: drift, live performance, A/B tests, audit samples and the
next generation's data (DESIGN.md, step 9). `tuneup.monitor(run, log=PATH)` is the entry point."""
from __future__ import annotations

from tuneup.watch.monitor import monitor
from tuneup.watch.report import MonitorReport

__all__ = ["MonitorReport", "monitor"]
