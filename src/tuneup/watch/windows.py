"""Time windows over the log: fixed lengths aligned to the clock (days start at midnight UTC), chosen
automatically so that the log spans about ten of them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuneup.exceptions import UserError

AUTO_STEPS = ("1min", "5min", "15min", "30min", "1h", "3h", "6h", "12h", "1D", "2D", "7D", "14D", "28D", "91D",
              "364D")
AUTO_COUNT = 10
MAX_WINDOWS = 200


@dataclass
class Windows:
    length: pd.Timedelta
    starts: pd.DatetimeIndex
    bounds: np.ndarray  # (W + 1,) row positions: window i holds rows bounds[i]:bounds[i + 1] (rows sorted by time)

    def __len__(self) -> int:
        return len(self.starts)

    def rows(self, i: int) -> slice:
        return slice(int(self.bounds[i]), int(self.bounds[i + 1]))

    def size(self, i: int) -> int:
        return int(self.bounds[i + 1] - self.bounds[i])

    def span(self, i: int) -> dict:
        return {"start": self.starts[i], "end": self.starts[i] + self.length}

    def subset(self, mask: np.ndarray) -> Windows:
        """The same windows over the rows where `mask` is True (kept in time order)."""
        picked = np.flatnonzero(mask)
        return Windows(self.length, self.starts, np.searchsorted(picked, self.bounds, side="left"))

    def codes(self) -> np.ndarray:
        """The window of each row."""
        return np.repeat(np.arange(len(self)), np.diff(self.bounds))

    @property
    def label(self) -> str:
        return _short(self.length)


def cut(times: pd.Series, setting: str = "auto") -> Windows:
    """Windows over `times` (sorted). `setting`: auto, or a length such as 1h, 1D, 7D."""
    times = pd.DatetimeIndex(times)
    if len(times) == 0:
        return Windows(pd.Timedelta("1D"), pd.DatetimeIndex([], tz="UTC"), np.zeros(1, dtype=np.int64))
    first, last = times[0], times[-1]
    length = _auto(last - first) if setting == "auto" else pd.Timedelta(setting)
    origin = first.floor(length) if length <= pd.Timedelta("1D") else first.normalize()
    count = int((last - origin) // length) + 1
    if count > MAX_WINDOWS:
        raise UserError(f"watch.window {setting} cuts the log ({_short(last - first)}) into {count} windows; "
                        f"at most {MAX_WINDOWS}: choose a longer window (--window) or a later --since")
    starts = pd.DatetimeIndex([origin + i * length for i in range(count)])
    edges = starts.append(pd.DatetimeIndex([origin + count * length]))
    bounds = np.searchsorted(times.asi8, edges.as_unit(times.unit).asi8, side="left")
    bounds[-1] = len(times)
    return Windows(length, starts, bounds)


def _auto(span: pd.Timedelta) -> pd.Timedelta:
    for step in AUTO_STEPS:
        if span / pd.Timedelta(step) <= AUTO_COUNT:
            return pd.Timedelta(step)
    return pd.Timedelta(AUTO_STEPS[-1])


def _short(length: pd.Timedelta) -> str:
    seconds = length.total_seconds()
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return str(length)
