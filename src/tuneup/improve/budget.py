"""How much the improve loop may spend: a number of candidate trainings, or a duration.

    Budget.parse("8")       # eight candidate trainings (the starting run and --final's retrain not counted)
    Budget.parse("20m")     # twenty minutes of wall time, the starting run included; 90s, 1h, 1h30m too

A duration is checked before each candidate (or each ensemble of candidates) starts: a training under
way is finished, never cut off, so the loop can run over by one training.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from tuneup.exceptions import UserError

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(hours?|hr|h|minutes?|min|m|seconds?|sec|s)", re.IGNORECASE)
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}
def now() -> float:
    return time.monotonic()


HELP = "a number of candidate trainings (e.g. 8) or a duration (e.g. 90s, 20m, 1h, 1h30m)"


@dataclass
class Budget:
    trainings: int | None = None  # at most this many candidate trainings
    seconds: float | None = None  # or: stop starting new ones after this much wall time
    text: str = ""
    started: float = 0.0  # set by start()
    used: int = 0  # candidate trainings done so far

    @classmethod
    def parse(cls, value: "str | int | float | Budget") -> "Budget":
        if isinstance(value, Budget):
            return value
        text = str(value).strip()
        if re.fullmatch(r"\d+", text):
            if int(text) < 1:
                raise UserError(f"--budget {text}: at least one candidate training is needed; give {HELP}")
            return cls(trainings=int(text), text=text)
        parts = _PART.findall(text)
        if not parts or _PART.sub("", text).strip():
            raise UserError(f"--budget {text!r} is not understood; give {HELP}")
        seconds = sum(float(n) * _SECONDS[unit[0].lower()] for n, unit in parts)
        if seconds <= 0:
            raise UserError(f"--budget {text!r} is no time at all; give {HELP}")
        return cls(seconds=seconds, text=text)

    def start(self) -> "Budget":
        self.started, self.used = now(), 0
        return self

    @property
    def elapsed(self) -> float:
        return now() - self.started

    def left(self) -> int | None:
        """Candidate trainings still allowed now: a count, or None for 'as many as time allows' (0 when spent)."""
        if self.trainings is not None:
            return max(self.trainings - self.used, 0)
        return 0 if self.elapsed >= self.seconds else None

    @property
    def spent(self) -> bool:
        return self.left() == 0

    def spend(self, n: int = 1) -> None:
        self.used += n

    def describe(self) -> str:
        if self.trainings is not None:
            return f"{self.trainings} candidate training{'s' if self.trainings != 1 else ''}"
        return f"{self.text} of wall time"

    def to_dict(self) -> dict:
        return {"trainings": self.trainings, "seconds": self.seconds, "text": self.text, "used": self.used,
                "elapsed_s": self.elapsed}
