"""Errors a user can cause. The CLI turns every one of them into `error: ...` and exit code 2."""
from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable


class UserError(Exception):
    """Bad input, config or request: the message names the file, column or key, and the fix."""


class ConfigError(UserError, ValueError):
    """`tuneup.yaml` or an override is wrong."""


class DataError(UserError, ValueError):
    """A data file, column or value is wrong."""


class TrainingError(UserError, RuntimeError):
    """Training cannot go on with these settings (a NaN loss, an impossible device)."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The valid choice closest to `word`, for "did you mean ...?" hints."""
    found = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    guess = nearest(word, choices)
    return f"did you mean '{guess}'?" if guess else f"valid: {', '.join(map(str, choices))}"


def listing(values: Iterable[object], limit: int = 12) -> str:
    """`a, b, c, ... (40 in all)`: short enough for a one-line error."""
    values = [str(v) for v in values]
    shown = ", ".join(values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 row`, `3 rows`, `1,200 examples`: a count with its noun agreeing (`plural` when not noun + s)."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def _bounded_repr() -> reprlib.Repr:
    r = reprlib.Repr()
    r.maxlevel, r.maxlist, r.maxtuple, r.maxdict, r.maxset = 3, 4, 4, 4, 4
    r.maxstring = r.maxother = r.maxlong = 60
    return r


_REPR = _bounded_repr()


def shown(value: object, limit: int = 60) -> str:
    """`value` as a message shows it: its repr, at most `limit` characters. Built without walking all of a
    huge value (a YAML alias bomb, a 100 kB string), so a message never costs more than the mistake."""
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
