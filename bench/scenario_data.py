"""A scenario's data in memory (`Generated`) and on disk the way a user keeps it: image folders (one
subfolder per class, PNG) or CSV tables with a named label column; two sources when the distribution that
matters (the target) differs from the one there is plenty of."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.scenario_images import ImageSet, write_folder
from bench.scenario_models import pixels

Part = ImageSet | pd.DataFrame


@dataclass
class Generated:
    train: Part  # the distribution there is plenty of
    target: Part | None = None  # the distribution that matters: dev and test come from it
    label: str | None = None  # tables: the label column
    extra: dict[str, Any] = field(default_factory=dict)  # what the checks need to know: flipped rows, P(y)...

    @property
    def kind(self) -> str:
        return "image" if isinstance(self.train, ImageSet) else "table"

    def xy(self, part: Part) -> tuple[pd.DataFrame | np.ndarray, np.ndarray]:
        """Features (a frame without the label, or raw [0, 1] pixels) and labels."""
        if isinstance(part, ImageSet):
            return pixels(part.images), part.labels
        return part.drop(columns=[self.label]), part[self.label].to_numpy()


@dataclass(frozen=True)
class Written:
    train: Path
    target: Path | None
    label: str | None  # tables: the label column `init` is told about


def write(gen: Generated, folder: Path, train_name: str = "web", target_name: str = "phone") -> Written:
    """Image folders `<folder>/<train_name>/<class>/00000.png`, or `<folder>/<train_name>.csv`."""
    folder.mkdir(parents=True, exist_ok=True)

    def one(part: Part, name: str) -> Path:
        if isinstance(part, ImageSet):
            return write_folder(folder / name, list(part.images), list(part.labels))
        path = folder / f"{name}.csv"
        part.to_csv(path, index=False)
        return path

    target = None if gen.target is None else one(gen.target, target_name)
    return Written(one(gen.train, train_name), target, gen.label)


def n_of(count: int, scale: float, least: int = 60) -> int:
    """`count` examples at `scale` (`--quick` makes everything smaller), never fewer than `least`."""
    return max(least, round(count * scale))
