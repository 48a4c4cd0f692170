"""`Export`: a finished export folder (`tuneup export`) and what it holds, its `metadata.json`; drawn by
`ship/render.py` (the compress-then-verify table)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneup._io import read_json
from tuneup.exceptions import UserError

METADATA, ENCODER, WEB = "metadata.json", "encoder.json", "web"  # inside an export folder


@dataclass
class Export:
    """A finished export folder and what it holds (`metadata.json`)."""

    path: Path
    metadata: dict[str, Any]

    @classmethod
    def open(cls, path: str | Path) -> "Export":
        path = Path(path)
        if not (path / METADATA).exists():
            raise UserError(f"{path}: not an export folder (no {METADATA}); make one with `tuneup export RUN`")
        return cls(path, read_json(path / METADATA))

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), **self.metadata}

    def __rich__(self):
        from tuneup.ship.render import export_table

        return export_table(self.metadata)

    def _repr_html_(self) -> str:
        from tuneup.ship.render import export_html

        return export_html(self.metadata)
