"""The shape of `tuneup diagnose RUN --json` (the ladder, gaps, verdict and remedies, with intervals), as a JSON Schema.

Scripts and the improve loop can rely on these keys; anything else in the document may grow."""
from __future__ import annotations

from tuneup.diagnose.ladder import GAPS, RUNGS

_NUMBER_OR_NULL = {"type": ["number", "null"]}

INTERVAL = {
    "type": "object",
    "required": ["value", "low", "high", "std", "confidence", "method", "n"],
    "properties": {
        "value": {"type": "number"}, "low": _NUMBER_OR_NULL, "high": _NUMBER_OR_NULL, "std": _NUMBER_OR_NULL,
        "confidence": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "method": {"enum": ["bootstrap", "folds", "exact", "normal approximation"]},
        "n": {"type": "integer", "minimum": 0},
    },
}

REMEDY = {
    "type": "object",
    "required": ["gap", "action", "why", "set"],
    "properties": {
        "gap": {"enum": ["did_not_learn", *GAPS, "ok"]}, "action": {"type": "string", "minLength": 1},
        "why": {"type": "string", "minLength": 1},
        "set": {"type": "object", "minProperties": 1, "propertyNames": {"pattern": r"^[a-z_]+(\.[a-z_]+)+$"}},
    },
    "additionalProperties": False,
}


def _keyed(keys, value) -> dict:
    return {"type": "object", "required": list(keys), "properties": {k: value for k in keys},
            "additionalProperties": False}


DIAGNOSIS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "tuneup diagnose --json",
    "type": "object",
    "required": ["run", "metric", "error_of", "ladder", "gaps", "verdict", "remedies", "intervals", "tolerance",
                 "confidence", "sentence"],
    "properties": {
        "run": {"type": "string"},
        "metric": {"type": "string"},
        "error_of": {"type": "string"},
        "ladder": _keyed(RUNGS, _NUMBER_OR_NULL),
        "gaps": _keyed(GAPS, _NUMBER_OR_NULL),
        "verdict": {"enum": ["did_not_learn", *GAPS, "ok"]},
        "sentence": {"type": "string"},
        "problems": {"type": "array", "items": {"enum": ["did_not_learn", *GAPS]}},
        "remedies": {"type": "array", "items": REMEDY},
        "intervals": {
            "type": "object", "required": ["ladder", "gaps"],
            "properties": {"ladder": _keyed(RUNGS, {"anyOf": [INTERVAL, {"type": "null"}]}),
                           "gaps": _keyed(GAPS, {"anyOf": [INTERVAL, {"type": "null"}]})},
        },
        "tolerance": {"type": "number", "minimum": 0},
        "confidence": {"type": "number"},
        "advice": {"type": "array", "items": {"type": "string"}},
        "notes": {"type": "array", "items": {"type": "string"}},
        "checks": {"type": "array", "items": {"type": "object", "required": ["kind", "message"]}},
    },
}
