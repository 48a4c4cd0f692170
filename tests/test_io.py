"""Atomic writes: files get the permissions the user's umask gives any new file; a damaged JSON file is an
error naming the file, never a traceback."""
from __future__ import annotations

import os
import stat

import pytest

from tuneup._io import read_json, write_bytes, write_json, write_text, write_with
from tuneup.exceptions import DataError


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_atomic_writes_get_the_umask_permissions_not_0600(tmp_path, umask_022):
    import torch
    from safetensors.torch import save_file

    paths = [write_text(tmp_path / "a.txt", "x"), write_json(tmp_path / "b.json", {"a": 1}),
             write_bytes(tmp_path / "c.bin", b"x"), write_with(tmp_path / "d.bin", lambda p: p.write_bytes(b"y")),
             # safetensors writes a private (0600) file of its own in place of the one it was given
             write_with(tmp_path / "e.safetensors", lambda p: save_file({"w": torch.zeros(2)}, str(p)))]
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_a_stricter_umask_is_respected(tmp_path):
    old = os.umask(0o077)
    try:
        path = write_text(tmp_path / "secret.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    def broken(path):
        path.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_with(tmp_path / "x.json", broken)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_json_file_names_the_file(tmp_path):
    path = tmp_path / "summary.json"
    path.write_text('{"ladder": {"dev": 0.1')
    with pytest.raises(DataError, match=r"summary\.json: not valid JSON \(.*line 1"):
        read_json(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataError, match="summary.json: not valid JSON"):
        read_json(path)
