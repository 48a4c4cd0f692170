"""Image files: decode through Pillow, resize, and cache the decoded pixels.

The cache (a .npy of uint8 pixels plus a JSON index, no pickle) is keyed per file by path, mtime and
size, and per folder by image size and channels: a second run decodes nothing, and a changed or new
file is decoded alone.
"""
from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tuneup._io import atomic_path, write_text
from tuneup.exceptions import DataError

EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".gif", ".tif", ".tiff"})
GRAY_MODES = frozenset({"1", "L", "LA", "I", "I;16", "F", "P;L"})


@dataclass
class Decoded:
    pixels: np.ndarray  # (N, C, H, W) uint8
    kept: np.ndarray  # (N,) positions in the input list that decoded
    bad: list[tuple[str, str]]  # (file, reason) for files that did not


def cache_dir() -> Path:
    return Path(os.environ.get("TUNEUP_CACHE", Path.home() / ".cache" / "tuneup")) / "images"


def scan_folder(root: Path) -> tuple[list[Path], list[str]]:
    """Class-per-subfolder layout: root/<label>/**/<image>. Returns files and their labels."""
    if not root.is_dir():
        raise DataError(f"{root}: not a folder of images")
    files, labels = [], []
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for folder in classes:
        for f in sorted(folder.rglob("*")):
            if f.suffix.lower() in EXTENSIONS and f.is_file() and not f.name.startswith("."):
                files.append(f)
                labels.append(folder.name)
    if not files:
        loose = [f.name for f in root.iterdir() if f.suffix.lower() in EXTENSIONS][:3]
        hint = (
            f"; images lie directly in it ({', '.join(loose)}): put each class in its own subfolder"
            if loose
            else f"; expected subfolders named after the classes holding {', '.join(sorted(EXTENSIONS))} files"
        )
        raise DataError(f"{root}: no images found{hint}")
    return files, labels


def image_mode(path: Path) -> str | None:
    """The file's mode from its header (cheap), or None if Pillow cannot read it."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.mode
    except Exception:
        return None


def decode_one(path: Path | bytes, size: int, channels: int) -> np.ndarray:
    """One image -> (C, size, size) uint8. Raises whatever Pillow raises for a bad file."""
    import io

    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(path) if isinstance(path, bytes) else path) as im:
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode in ("RGBA", "LA", "P", "PA") or "transparency" in im.info:
            im = _flatten_alpha(im.convert("RGBA"))
        im = im.convert("L" if channels == 1 else "RGB").resize((size, size), Image.Resampling.BILINEAR)
        arr = np.asarray(im, dtype=np.uint8)
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1).copy()  # (C, H, W)


def _flatten_alpha(im):
    from PIL import Image

    background = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, im).convert("RGB")


def decode_files(
    files: list[Path], size: int, channels: int, skip_bad: bool, progress_label: str = "decoding images"
) -> Decoded:
    """Decode `files`, reusing the cache; corrupt files stop with their name unless `skip_bad`."""
    from tuneup._progress import task

    keys = [file_key(f) for f in files]
    cached = _Cache(files, size, channels)
    pixels = np.zeros((len(files), channels, size, size), dtype=np.uint8)
    ok = np.zeros(len(files), dtype=bool)
    todo = []
    for i, key in enumerate(keys):
        hit = cached.get(key)
        if hit is not None:
            pixels[i], ok[i] = hit, True
        else:
            todo.append(i)
    bad: list[tuple[str, str]] = []

    def work(i: int) -> tuple[int, np.ndarray | None, str]:
        try:
            return i, decode_one(files[i], size, channels), ""
        except Exception as e:  # Pillow raises many kinds for a bad file
            return i, None, f"{type(e).__name__}: {e}".splitlines()[0][:200]

    if todo:
        with task(progress_label, total=len(todo)) as t, ThreadPoolExecutor(max_workers=4) as pool:
            for i, arr, reason in pool.map(work, todo):
                t.advance()
                if arr is None:
                    if not skip_bad:
                        raise DataError(
                            f"{files[i]}: not a readable image ({reason}); remove or replace it, "
                            "or pass --skip-bad-files (data.skip_bad_files: true) to skip and count bad files"
                        )
                    bad.append((str(files[i]), reason))
                else:
                    pixels[i], ok[i] = arr, True
        cached.write([keys[i] for i in np.flatnonzero(ok)], pixels[ok])
    kept = np.flatnonzero(ok)
    return Decoded(pixels[kept], kept, bad)


def choose_channels(files: list[Path], channels: int | None) -> int:
    if channels is not None:
        return channels
    modes = {image_mode(f) for f in files[:2000]}
    modes.discard(None)
    return 1 if modes and modes <= GRAY_MODES else 3


def file_key(path: Path) -> str:
    """A file's identity: path, modification time (ns) and size; it changes when the file is rewritten."""
    try:
        st = path.stat()
    except OSError as e:
        raise DataError(f"{path}: cannot read ({e.strerror}); check the path and its permissions") from None
    return f"{path.resolve()}|{st.st_mtime_ns}|{st.st_size}"


class _Cache:
    """Decoded pixels for one folder, image size and channel count."""

    def __init__(self, files: list[Path], size: int, channels: int):
        parent = os.path.commonpath([str(f.resolve().parent) for f in files]) if files else "."
        tag = hashlib.sha256(f"{parent}|{size}|{channels}".encode()).hexdigest()[:20]
        self.pixels_path = cache_dir() / f"{tag}.npy"
        self.index_path = cache_dir() / f"{tag}.json"
        self.shape = (channels, size, size)
        self.index: dict[str, int] = {}
        self.pixels: np.ndarray | None = None
        try:
            index = json.loads(self.index_path.read_text())
            pixels = np.load(self.pixels_path, allow_pickle=False, mmap_mode="r")
            if tuple(pixels.shape[1:]) == self.shape and len(pixels) == len(index["keys"]):
                self.index = {k: i for i, k in enumerate(index["keys"])}
                self.pixels = pixels
        except (OSError, ValueError, KeyError):
            pass  # no cache yet, or a broken one: decode again

    def get(self, key: str) -> np.ndarray | None:
        i = self.index.get(key)
        return None if i is None or self.pixels is None else self.pixels[i]

    def write(self, keys: list[str], pixels: np.ndarray) -> None:
        """Replace the cache with the current files (stale entries go)."""
        try:
            with atomic_path(self.pixels_path) as tmp:
                with open(tmp, "wb") as f:
                    np.save(f, pixels, allow_pickle=False)
            write_text(self.index_path, json.dumps({"keys": keys}))
        except OSError:
            pass  # a read-only home: the cache is an optimisation, not a requirement
