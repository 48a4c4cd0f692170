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
from tuneup.checks.report import CHECK_FILE, CheckReport, ChecksFailed, Finding
from tuneup.checks.runner import CHECKS, check, run_checks

__all__ = ["CHECKS", "CHECK_FILE", "CheckReport", "ChecksFailed", "Finding", "check", "run_checks"]
