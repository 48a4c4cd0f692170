"""`Dataset`: examples from one or two sources as loaded, before splitting and encoding."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

TRAIN_SOURCE, TARGET_SOURCE = "train", "target"


@dataclass
class Dataset:
    """Rows are examples. `meta` always has a `source` column: 'train' (the distribution there is
    plenty of) or 'target' (the one that matters)."""

    ids: np.ndarray  # (N,) str, unique
    y: pd.Series | pd.DataFrame  # raw labels; multilabel: a 0/1 frame, one column per label
    meta: pd.DataFrame  # metadata: never fed to the model
    features: pd.DataFrame | None = None  # tables: the model's inputs, as read
    images: np.ndarray | None = None  # images: (N, C, H, W) uint8
    target_name: str = "target"
    sources: dict[str, dict] = field(default_factory=dict)  # per source: path, rows, skipped files
    # set by `release_features`: reads the feature table again when it is asked for after being let go
    _reload: Callable[[], "Dataset"] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name, part in [("y", self.y), ("meta", self.meta), ("features", self.features), ("images", self.images)]:
            assert part is None or len(part) == n, f"{name} has {len(part)} rows, ids {n}"

    def release_features(self, reload: Callable[[], "Dataset"]) -> pd.DataFrame | None:
        """Let go of the feature table (the encoded tensors hold what the model needs) and return it, so a
        caller can free it as it goes; it is read again with `reload` (the same sources, loaded again) the
        first time anybody asks for `features`. Large tables are held once, not twice, while training."""
        if self._reload is not None or self._features is None:
            return None  # let go already, or images
        frame, self._features, self._reload = self._features, None, reload
        return frame

    def _read_features_again(self) -> None:
        from tuneup.exceptions import DataError

        reload, self._reload = self._reload, None
        again = reload()
        if not np.array_equal(again.ids, self.ids):
            where = ", ".join(str(s.get("path", k)) for k, s in self.sources.items())
            raise DataError(f"the data changed while tuneup was using it ({where}): its rows are not the ones read "
                            "at the start; run again")
        self.features = again.features

    @property
    def kind(self) -> str:
        return "image" if self.images is not None else "table"

    @property
    def multilabel(self) -> bool:
        return isinstance(self.y, pd.DataFrame)

    @property
    def source(self) -> np.ndarray:
        return self.meta["source"].to_numpy()

    @property
    def has_target_source(self) -> bool:
        return bool((self.meta["source"] == TARGET_SOURCE).any())

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, idx: np.ndarray) -> "Dataset":
        """The examples at positions `idx` (an int array or a boolean mask)."""
        idx = np.flatnonzero(idx) if np.asarray(idx).dtype == bool else np.asarray(idx)
        return Dataset(
            ids=self.ids[idx],
            y=self.y.iloc[idx].reset_index(drop=True),
            meta=self.meta.iloc[idx].reset_index(drop=True),
            features=None if self.features is None else self.features.iloc[idx].reset_index(drop=True),
            images=None if self.images is None else self.images[idx],
            target_name=self.target_name,
            sources=self.sources,
        )

    def frame(self) -> pd.DataFrame:
        """One table for people and analysis: id, target, features (tables), metadata."""
        parts = [pd.DataFrame({"id": self.ids})]
        parts.append(self.y.add_prefix("label:") if self.multilabel else self.y.rename(self.target_name).to_frame())
        if self.features is not None:
            parts.append(self.features)
        parts.append(self.meta)
        return pd.concat([p.reset_index(drop=True) for p in parts], axis=1)

    @staticmethod
    def concat(parts: list["Dataset"]) -> "Dataset":
        first = parts[0]
        y = pd.concat([p.y for p in parts], ignore_index=True)
        if first.multilabel:
            y = y.fillna(0).astype(np.int8)
        return Dataset(
            ids=np.concatenate([p.ids for p in parts]),
            y=y,
            meta=pd.concat([p.meta for p in parts], ignore_index=True),
            features=None if first.features is None else pd.concat([p.features for p in parts], ignore_index=True),
            images=None if first.images is None else np.concatenate([p.images for p in parts]),
            target_name=first.target_name,
            sources={k: v for p in parts for k, v in p.sources.items()},
        )


def _get_features(self: Dataset) -> pd.DataFrame | None:
    if self._reload is not None:
        self._read_features_again()
    return self._features


def _set_features(self: Dataset, frame: pd.DataFrame | None) -> None:
    self._features = frame


# `features` stays a constructor argument and reads as an attribute, but is read again after a release
Dataset.features = property(_get_features, _set_features)  # type: ignore[assignment]
