"""`errors/asked.py`: the slices a person asked `tuneup errors --by` for, kept for the next report."""
from __future__ import annotations

import json

import pytest

from tuneup.errors.asked import asked_slices, remember_slices
from tuneup.exceptions import DataError


def test_columns_asked_for_add_up_in_order_without_repeats(tmp_path):
    assert asked_slices(tmp_path) == []
    remember_slices(tmp_path, ["plan"])
    remember_slices(tmp_path, ["city", "plan"])
    assert asked_slices(tmp_path) == ["plan", "city"]
    assert json.loads((tmp_path / "slices.json").read_text())["by"] == ["plan", "city"]


def test_a_damaged_file_is_named_when_read_and_written_afresh(tmp_path):
    (tmp_path / "slices.json").write_text("{not json")
    with pytest.raises(DataError, match="slices.json"):
        asked_slices(tmp_path)
    remember_slices(tmp_path, ["plan"])
    assert asked_slices(tmp_path) == ["plan"]
    (tmp_path / "slices.json").write_text('{"by": "plan"}')  # not a list: nothing asked
    assert asked_slices(tmp_path) == []
