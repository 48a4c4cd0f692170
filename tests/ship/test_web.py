"""The --web folder: the page in browser mode, the model, and ONNX Runtime Web from the cache or npm."""
from __future__ import annotations

import json

import pytest

from tuneup.exceptions import UserError
from tuneup.ship import web
from tuneup.ship.export import export


@pytest.fixture
def cached_ort(tmp_path):
    """Stand-in ONNX Runtime Web files in the cache, so no npm call is made."""
    folder = tmp_path / ".cache" / "onnxruntime-web" / web.ORT_WEB_VERSION
    folder.mkdir(parents=True)
    for name in web.ORT_FILES:
        (folder / name).write_text(f"// {name}")
    return folder


def test_web_folder_holds_everything_the_page_needs(trained_table_run, tmp_path, cached_ort):
    result = export(trained_table_run, tmp_path / "e", web=True)
    folder = result.path / "web"
    assert result.metadata["web"] == "web"
    html = (folder / "index.html").read_text()
    assert 'content="browser"' in html and 'content="server"' not in html
    assert "https://" not in html and "http://" not in html  # no CDN: works offline
    assert (folder / "model.onnx").read_bytes() == (result.path / "model.onnx").read_bytes()
    for name in web.ORT_FILES:
        assert (folder / "ort" / name).read_text() == f"// {name}"
    for name in web.PAGE_FILES:
        assert (folder / "page" / name).exists()
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["files"] == {"fp32": "model.onnx"} and meta["encoder"] == "encoder.json"
    assert json.loads((folder / "encoder.json").read_text()) == trained_table_run.encoder.spec


def test_without_npm_the_error_says_so_and_nothing_is_written(trained_table_run, tmp_path, monkeypatch):
    monkeypatch.setattr(web.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="npm"):
        export(trained_table_run, tmp_path / "e", web=True)
    assert not (tmp_path / "e").exists()
