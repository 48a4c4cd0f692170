"""The prediction log: the contract with monitoring (README, "The prediction log").

A folder of JSONL files `log-000001.jsonl`, `log-000002.jsonl`, ...; a new file starts when the current
one would pass `max_bytes`. Each line is one JSON object written with a single write + flush, so a
reader never sees half a line: `{"type": "prediction", ...}` per example answered, and
`{"type": "feedback", "request_id", "label"}` when ground truth arrives. Uploaded images are kept as
`images/<request_id>.<ext>` beside the logs.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path
from typing import Any

from tuneup._io import append_jsonl

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

    @property
    def path(self) -> Path:
        return self.folder / f"log-{self._index:06d}.jsonl"

    def write(self, record: dict[str, Any]) -> None:
        import json

        from tuneup._io import jsonable

        size = len(json.dumps(jsonable(record), ensure_ascii=False).encode()) + 1
        with self._lock:
            if self._size > 0 and self._size + size > self.max_bytes:
                self._index += 1
                self._size = 0
            append_jsonl(self.path, record)
            self._size += size

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
