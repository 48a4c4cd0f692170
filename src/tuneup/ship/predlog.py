"""The prediction log: the contract with monitoring (README, "The prediction log").

A folder of JSONL files `log-000001.jsonl`, `log-000002.jsonl`, ...; a new file starts when the current
one would pass `max_bytes`. Each line is one JSON object written with a single write + flush, so a
reader never sees half a line: `{"type": "prediction", ...}` per example answered, and
`{"type": "feedback", "request_id", "label"}` when ground truth arrives. Uploaded images are kept as
`images/<request_id>.<ext>` beside the logs.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from tuneup._io import jsonable

NAME = re.compile(r"^log-(\d{6})\.jsonl$")
DEFAULT_MAX_MB = 50


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class PredictionLog:
    def __init__(self, folder: str | Path, max_bytes: int = DEFAULT_MAX_MB * 1024 * 1024):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self._images_ready = False
        self._lock = threading.Lock()
        numbers = [int(m.group(1)) for p in self.folder.iterdir() if (m := NAME.match(p.name))]
        self._index = max(numbers, default=1)  # a restarted server appends to the newest file
        self._size = self.path.stat().st_size if self.path.exists() else 0
        self._fd: int | None = None  # kept open: one write(2) per line, no open/close per request

    @property
    def path(self) -> Path:
        return self.folder / f"log-{self._index:06d}.jsonl"

    def write(self, record: dict[str, Any]) -> None:
        try:  # records are plain JSON types already; jsonable() only when one is not
            text = json.dumps(record, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError):
            text = json.dumps(jsonable(record), ensure_ascii=False)
        line = (text + "\n").encode()
        with self._lock:
            if self._size > 0 and self._size + len(line) > self.max_bytes:
                self.close()
                self._index += 1
                self._size = 0
            if self._fd is None:
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            # unbuffered and O_APPEND: the whole line reaches the file in one write, as `_io.append_jsonl` does
            written = os.write(self._fd, line)
            if written < len(line):  # only on a full disk or a signal; finish the line rather than cut it
                os.write(self._fd, line[written:])
            self._size += len(line)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def prediction(self, request_id: str, model: str, variant: str, client: str | None, input: dict[str, Any],
                   result: dict[str, Any], latency_ms: float) -> None:
        self.write({"type": "prediction", "time": now(), "request_id": request_id, "model": model,
                    "variant": variant, "client": client, "input": input, "prediction": result["prediction"],
                    "probabilities": result["probabilities"], "score": result["score"],
                    "threshold": result["threshold"], "latency_ms": latency_ms})

    def feedback(self, request_id: str, label: Any) -> None:
        self.write({"type": "feedback", "time": now(), "request_id": request_id, "label": label})

    def save_image(self, request_id: str, ext: str, data: bytes) -> str:
        """Keep an upload's bytes; returns its path relative to the log folder (what the log line holds).
        A plain write is enough: the line that names the file is written only after it is complete."""
        relative = f"images/{request_id}.{ext}"
        if not self._images_ready:
            (self.folder / "images").mkdir(exist_ok=True)
            self._images_ready = True
        with open(self.folder / relative, "xb") as f:  # request ids are fresh: never overwrite
            f.write(data)
        return relative
