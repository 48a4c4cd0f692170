"""How much the improve loop may spend: a number of candidate trainings, or a duration.

    Budget.parse("8")       # eight candidate trainings (the starting run and --final's retrain not counted)
    Budget.parse("20m")     # twenty minutes of wall time, the starting run included; 90s, 1h, 1h30m too

A duration is a deadline: a candidate starts only while a few of its epochs still fit before it, and
one under way stops after the epoch that reaches it (keeping its best epoch so far, a complete run
folder), so the session ends within a few epochs of the budget. What the session does after its
last training (a diagnosis and the report) is kept in reserve: `reserve` seconds before the end.
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
    reserve: float = 0.0  # seconds kept for what follows the last training (the final diagnosis and report)

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

    def start(self, at: float | None = None) -> "Budget":
        """Start the clock now, or at the monotonic time `at` (a command counts from when it began)."""
        self.started, self.used = (now() if at is None else at), 0
        return self

    @property
    def elapsed(self) -> float:
        return now() - self.started

    def left(self) -> int | None:
        """Candidate trainings still allowed now: a count, or None for 'as many as time allows' (0 when spent)."""
        if self.trainings is not None:
            return max(self.trainings - self.used, 0)
        return 0 if self.out_of_time() else None

    @property
    def spent(self) -> bool:
        return self.left() == 0

    def remaining(self) -> float | None:
        """Seconds left for training (the reserve set aside), or None for a count budget."""
        if self.seconds is None:
            return None
        return self.seconds - self.reserve - self.elapsed

    def out_of_time(self) -> bool:
        """Training under way should stop now (a duration budget whose deadline has come)."""
        left = self.remaining()
        return left is not None and left <= 0

    def can_start(self, epoch_seconds: float | None, epochs: int = 3) -> bool:
        """A new candidate is worth starting: trainings are left and, for a duration, `epochs` of about
        `epoch_seconds` each still fit before the deadline."""
        if self.spent:
            return False
        left = self.remaining()
        return left is None or left > epochs * (epoch_seconds or 0.0)

    def spend(self, n: int = 1) -> None:
        self.used += n

    def describe(self) -> str:
        if self.trainings is not None:
            return f"{self.trainings} candidate training{'s' if self.trainings != 1 else ''}"
        return f"{self.text} of wall time"

    def left_text(self, per_training: float | None = None) -> str:
        """What is left, for a progress line: '3 of 8 trainings left (about 2m10s)' or '4m05s of 8m left'."""
        if self.trainings is not None:
            n = max(self.trainings - self.used, 0)
            eta = f" (about {clock(n * per_training)})" if per_training and n else ""
            return f"{n} of {self.trainings} trainings left{eta}"
        return f"{clock(max(self.seconds - self.elapsed, 0.0))} of {self.text} left"

    def to_dict(self) -> dict:
        return {"trainings": self.trainings, "seconds": self.seconds, "text": self.text, "used": self.used,
                "elapsed_s": self.elapsed, "reserve_s": self.reserve}


def clock(seconds: float) -> str:
    """90 -> '1m30s'; 3725 -> '1h02m'."""
    s = int(round(seconds))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
