"""`tuneup export RUN --web`: a static folder that runs the model in the browser, offline.

    web/index.html, web/page/*     the upload page, in "browser" mode
    web/model.onnx                 the fp32 model
    web/metadata.json, encoder.json
    web/ort/                       ONNX Runtime Web, vendored from the npm registry at export time

Serve it with any static server (`python -m http.server -d web`); opening index.html as a file://
URL does not work, because browsers refuse to fetch model files from disk.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from tuneup._io import write_json, write_text
from tuneup.exceptions import UserError

ORT_WEB_VERSION = "1.30.0"  # pinned: the page is tested against this release
ORT_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
PAGE_FILES = ("app.js", "browser.js", "style.css")


def cache_root() -> Path:
    return Path(os.environ.get("TUNEUP_CACHE", Path.home() / ".cache" / "tuneup"))


def ort_web(version: str = ORT_WEB_VERSION) -> Path:
    """A folder holding ONNX Runtime Web's browser files; fetched with `npm pack` once, then cached."""
    folder = cache_root() / "onnxruntime-web" / version
    if all((folder / f).exists() for f in ORT_FILES):
        return folder
    npm = shutil.which("npm")
    if npm is None:
        raise UserError(f"--web needs npm to fetch onnxruntime-web@{version} from the npm registry, and npm is not "
                        "installed; install Node.js and npm (e.g. apt-get install npm), or export without --web")
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([npm, "pack", f"onnxruntime-web@{version}", "--pack-destination", tmp, "--silent"],
                              capture_output=True, text=True, timeout=600)
        tarballs = list(Path(tmp).glob("onnxruntime-web-*.tgz"))
        if proc.returncode != 0 or not tarballs:
            why = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no tarball"]
            raise UserError(f"--web: `npm pack onnxruntime-web@{version}` failed ({why[0]}); check that the npm "
                            "registry is reachable, or export without --web")
        staging = Path(tempfile.mkdtemp(dir=_parent(folder)))
        with tarfile.open(tarballs[0]) as tar:
            for name in (*ORT_FILES, "package.json"):  # only named files; package.json says version and licence
                member = _member(tar, name)
                if member is not None:
                    with tar.extractfile(member) as src, open(staging / name, "wb") as dst:
                        shutil.copyfileobj(src, dst)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(staging, folder)
    return folder


def _parent(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder.parent


def _member(tar: tarfile.TarFile, name: str):
    for candidate in (f"package/dist/{name}", f"package/{name}"):
        try:
            member = tar.getmember(candidate)
        except KeyError:
            continue
        if member.isfile():
            return member
    return None


def build_web(folder: Path, export_dir: Path, metadata: dict[str, Any]) -> Path:
    """Fill `folder` with the browser page, the fp32 model, its metadata and ONNX Runtime Web."""
    page = resources.files("tuneup.ship") / "page"
    (folder / "page").mkdir(parents=True)
    html = (page / "index.html").read_text(encoding="utf-8")
    server_mode = '<meta name="tuneup-mode" content="server">'
    assert server_mode in html, "the page template lost its mode marker"
    write_text(folder / "index.html", html.replace(server_mode, '<meta name="tuneup-mode" content="browser">'))
    for name in PAGE_FILES:
        (folder / "page" / name).write_bytes((page / name).read_bytes())
    shutil.copyfile(export_dir / metadata["files"]["fp32"], folder / "model.onnx")
    shutil.copyfile(export_dir / metadata["encoder"], folder / "encoder.json")
    write_json(folder / "metadata.json", {**metadata, "files": {"fp32": "model.onnx"}, "web": "."})
    shutil.copytree(ort_web(), folder / "ort")
    return folder
