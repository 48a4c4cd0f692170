"""Reading what other steps saved as JSON (monitor.json, check.json, improve.json, a sweep's
sweep.json) for the sections in monitor.py, checks.py, improve.py and sweep.py.

These files are read defensively: a part that is present and recognised is shown, anything else is
left out (never an empty box). Every key read is named in `KEYS_READ` below, so a change of format on
the writing side is easy to follow here."""
from __future__ import annotations

import math
from typing import Any

SHOWN = 12  # rows of a table, at most


def dig(data: Any, *path: str | int, kind: type | tuple[type, ...] = object) -> Any:
    """data[path[0]][path[1]]... when every step exists and the value is of `kind`; else None."""
    for key in path:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(data, dict) and key in data:
            data = data[key]
        else:
            return None
    return data if isinstance(data, kind) and data is not None else None


def rows_of(data: Any, *path: str) -> list[dict]:
    found = dig(data, *path, kind=list) or []
    return [r for r in found if isinstance(r, dict)]


def num(v: Any, digits: int = 3) -> str:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        return "-"
    return f"{v:,}" if isinstance(v, int) else f"{v:.{digits}g}"


def pct(v: Any) -> str:
    return f"{100 * v:.1f}%" if isinstance(v, (int, float)) and math.isfinite(v) else "-"


def yes(v: Any) -> str:
    return "yes" if v is True else "no" if v is False else "-"


KEYS_READ = {
    "monitor.json": ["log.predictions", "log.labelled", "log.first", "log.last", "alarms.drift", "alarms.performance",
                     "reasons.drift", "reasons.performance", "ab_test.sentence", "data_drift.reference",
                     "data_drift.features[].{column,kind,effect,effect_name,p_value,reference_summary,"
                     "current_summary,flagged}", "data_drift.windows[].{start,n,compared,drifted}", "notes"],
    "check.json": ["findings[].{severity,check,title,advice}",
                   "sections.classes.classes[].{class,count,share}", "sections.classes.imbalance_ratio",
                   "sections.columns.columns[].{column,type,distinct,missing_share,problem,"
                   "histogram.{counts,edges|values},top[].{value,count}}",
                   "sections.shift.<a>_vs_<b>.{features[].{column,effect,effect_name,p_value,flagged},"
                   "domain_classifier.auc,images.{reference,current,reasons}}",
                   "sections.duplicates.within.{rows,exact_copies,near_pairs}",
                   "sections.duplicates.<a>_vs_<b>.{rows,exact,near,share}",
                   "sections.leakage.{scorer,features[].{column,score}}",
                   "sections.label_errors.{suspected,share,suspects[].{id,split,given,suggested,confidence}}"],
    "<runs>/<name>-improve-NNN/improve.json": [
        "session", "error_in_units", "finished", "start.{run,dev}", "best.{run,dev,changes}", "relative_improvement",
        "trainings", "stopped", "notes", "steps[].{step,gap,dev_before.{value,low,high}}",
        "steps[].tried[].{run,remedy.{gap,action},strength,set,dev,difference.difference,outcome,kept,why}",
        "diagnosis.{ladder,sentence}", "final.{run,chosen,epochs,test,test_uses}",
        "(intervals: {value,low,high}; runs are found by run|incumbent|chosen anywhere in the file)"],
    "<study>.sweep.json": ["study", "error_in_units", "counts", "best.{number,dev_error,run}",
                           "trials[].{number,state,dev_error,params,run}", "importance", "importance_note"],
}
