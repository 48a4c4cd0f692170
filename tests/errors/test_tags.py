"""Tag files: read in their three shapes; ids that are not examples of the split stop the analysis."""
from __future__ import annotations

import json

import numpy as np
import pytest

from tuneup.errors.tags import read_tags, tag_table
from tuneup.exceptions import DataError

from .errors_helpers import errors_frame


@pytest.fixture
def examples():
    wrong = np.zeros(20, dtype=bool)
    wrong[:8] = True
    return errors_frame(wrong)


def test_tags_column_with_separators(tmp_path, examples):
    (tmp_path / "t.csv").write_text("id,tags\ne0,blurry; dark\ne1,dark\ne2,\ne15,dark\n")
    tags = read_tags(tmp_path / "t.csv", examples)
    assert sorted(map(tuple, tags.to_numpy())) == [("e0", "blurry"), ("e0", "dark"), ("e1", "dark"), ("e15", "dark"),
                                                  ("e2", "")]
    table = tag_table(examples, tags)
    rows = {r.tag: r for r in table.rows}
    assert table.reviewed == 4 and table.reviewed_errors == 3  # e15 was right
    assert rows["dark"].errors == 2 and rows["dark"].n == 3 and rows["dark"].share_of_errors == pytest.approx(2 / 3)
    assert rows["dark"].error_rate == pytest.approx(2 / 3)  # a correct example was tagged too


def test_long_and_json_shapes(tmp_path, examples):
    (tmp_path / "long.csv").write_text("id,tag\ne0,blurry\ne0,dark\n")
    (tmp_path / "t.json").write_text(json.dumps({"e0": ["blurry", "dark"]}))
    a = read_tags(tmp_path / "long.csv", examples)
    b = read_tags(tmp_path / "t.json", examples)
    assert sorted(a["tag"]) == sorted(b["tag"]) == ["blurry", "dark"]


def test_unknown_ids_are_named(tmp_path, examples):
    (tmp_path / "t.csv").write_text("id,tags\ne0,dark\nnope-1,dark\nnope-2,blurry\n")
    with pytest.raises(DataError, match=r"t.csv: 2 ids are not dev examples of this run \(nope-1, nope-2\)"):
        read_tags(tmp_path / "t.csv", examples)


def test_a_file_without_tags_says_what_it_needs(tmp_path, examples):
    (tmp_path / "t.csv").write_text("id,label\ne0,dark\n")
    with pytest.raises(DataError, match="no 'tags' or 'tag' column"):
        read_tags(tmp_path / "t.csv", examples)
