"""Watch: production traffic against the run: drift, live performance, A/B tests, audit samples and the
next generation's data (the last step of ARCHITECTURE.md's data flow). `tuneup.monitor(run, log=PATH)` is the entry point."""
from __future__ import annotations

from tuneup._lazy import lazy_exports

# `monitor` the function lives at `tuneup.monitor`: here the name is the module `tuneup.watch.monitor`
_EXPORTS = {"MonitorReport": "result"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
