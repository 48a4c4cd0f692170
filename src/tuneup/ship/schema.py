"""The input schema an exported model expects, from the fitted encoder (encoder.json).

Tables: every feature column with its type, whether a missing value is allowed (training saw missing
values there), the categories seen in training (others are treated as unknown) and a number's training
range (`min`, `max`). Images: the shape.
"""
from __future__ import annotations

from typing import Any

from tuneup.data.encode import MISSING, Encoder


def input_schema(encoder: Encoder) -> dict[str, Any]:
    if encoder.kind == "image":
        c, h, w = encoder.spec["image"]["shape"]
        return {"kind": "image", "channels": c, "height": h, "width": w,
                "pixels": "decoded, resized to height x width, scaled to [0, 1]"}
    numeric = encoder.spec["numeric"]
    with_indicator = {numeric["names"][i] for i in numeric["indicators"]}
    columns = []
    for c in encoder.spec["columns"]:
        name, kind = c["name"], c["type"]
        entry: dict[str, Any] = {"name": name, "type": kind}
        if kind == "categorical":
            entry["nullable"] = MISSING in c["categories"]
            entry["categories"] = [v for v in c["categories"] if v != MISSING]
            entry["encoding"] = c["encoding"]
        else:
            first = f"{name}.year" if kind == "datetime" else name
            entry["nullable"] = first in with_indicator
            if "min" in c:  # the training range (runs fitted before it was kept have none)
                entry["min"], entry["max"] = c["min"], c["max"]
        columns.append(entry)
    return {"kind": "table", "columns": columns}
