"""Slices a person asked for: `tuneup errors RUN --by COL` keeps the columns in the run folder
(`slices.json`), so the next report of the run slices by them too, beside the default ones."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tuneup._io import read_json, write_json
from tuneup.exceptions import DataError
from tuneup.runs import SLICES as FILE


def asked_slices(run_path: str | Path) -> list[str]:
    """The columns asked for so far (none when the file is absent or not what tuneup writes)."""
    path = Path(run_path) / FILE
    if not path.is_file():
        return []
    data = read_json(path)
    by = data.get("by") if isinstance(data, dict) else None
    return [c for c in by if isinstance(c, str)] if isinstance(by, list) else []


def remember_slices(run_path: str | Path, by: Sequence[str]) -> Path:
    """Add `by` to the columns asked for (earlier ones kept, in order), atomically; a damaged file (tuneup's
    own) is written afresh."""
    try:
        before = asked_slices(run_path)
    except DataError:
        before = []
    columns = list(dict.fromkeys([*before, *by]))
    return write_json(Path(run_path) / FILE, {"by": columns, "asked_by": "tuneup errors --by"})
