"""Understand and validate the data before trusting any number (`tuneup check`).

    report = tuneup.check("tuneup.yaml")
    report.errors            # findings that stop `tuneup run` (unless --force)
    report.to_dict()         # what `tuneup check --json` prints and runs keep as check.json

One module per check: columns (summaries, constant / identifier-like / mostly-missing columns), classes
(counts, imbalance and what to do about it), leakage (one feature that predicts the target), split_values
(categories in only one split), duplicates (within the data, and across train and dev/test), conflicts
(same features, different labels), distribution (representativeness and shift), label_errors (confident
learning). `runner` runs them in order and times each.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports

_EXPORTS = {
    "CheckReport": "result", "ChecksFailed": "result", "Finding": "result",
    "CHECKS": "runner", "check": "runner", "run_checks": "runner",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
