"""Progress bars on a terminal, plain lines elsewhere (CI logs, pipes, `--json`)."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

console = Console(stderr=True, highlight=False)
_quiet = False
_silent = False
_live = None  # the bar on the terminal now: rich shows one live display at a time, so a task inside adds a row


def set_quiet(quiet: bool) -> None:
    """`--json` and library use without a terminal: say nothing on stderr except warnings."""
    global _quiet
    _quiet = quiet


@contextmanager
def silenced() -> Iterator[None]:
    """Nothing at all on stderr: for reading again data that was read, and warned about, once already."""
    global _silent
    before, _silent = _silent, True
    try:
        yield
    finally:
        _silent = before


def info(message: str) -> None:
    if not (_quiet or _silent):
        console.print(message, markup=False, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    if _silent:
        return
    console.print(f"warning: {message}", markup=False, highlight=False, style="yellow", soft_wrap=True)


class Task:
    """One unit of long work: `advance()` and `update(**fields)` it; it renders as a bar or as lines.

    As lines (a pipe, a CI log) it says what it does when it starts, then at most one line every 2 s, and
    its last state when it ends (a training stopped early never reaches its total). `note` is a phrase shown
    as it is (`exporting churn-003 2/6: int8 quantized`); fields show as `name value`. `lines=False`: a bar
    on a terminal only, for callers that print their own line per unit elsewhere."""

    def __init__(self, description: str, total: int | None, live: bool, lines: bool = True):
        self.description, self.total, self.live, self.lines = description, total, live, lines
        self.done = 0
        self.note = ""
        self.fields: dict[str, str] = {}
        self._progress = None
        self._task_id = None
        self._last_line = 0.0
        self._unsaid = False  # a state the lines have not shown yet

    def advance(self, n: int = 1, note: str | None = None, **fields: object) -> None:
        self.done += n
        self.update(note, **fields)

    def update(self, note: str | None = None, **fields: object) -> None:
        if note is not None:
            self.note = note
        self.fields.update({k: str(v) for k, v in fields.items()})
        if self._progress is not None:
            self._progress.update(self._task_id, completed=self.done, fields=self.text())
        elif not _quiet and self.lines:
            now = time.monotonic()
            last = self.total is not None and self.done >= self.total
            self._unsaid = True
            if last or now - self._last_line >= 2.0 or self.done <= 1:
                self.line()

    def text(self) -> str:
        return ", ".join(p for p in [self.note, *(f"{k} {v}" for k, v in self.fields.items())] if p)

    def line(self) -> None:
        """The state as one plain line on stderr."""
        self._last_line, self._unsaid = time.monotonic(), False
        of = f"/{self.total}" if self.total else ""
        text = self.text()
        print(f"{self.description} {self.done}{of}" + (f": {text}" if text else ""), file=sys.stderr, flush=True)


@contextmanager
def task(description: str, total: int | None = None, lines: bool = True) -> Iterator[Task]:
    global _live
    live = not _quiet and console.is_terminal
    t = Task(description, total, live, lines)
    if not live:
        if t.lines and not (_quiet or _silent):
            t.line()  # what it does, before the first unit of work ends
        try:
            yield t
        finally:
            if t.lines and t._unsaid and not (_quiet or _silent):
                t.line()
        return
    if _live is not None:  # inside another task (the errors of a report): a row of the bar already shown
        t._progress, t._task_id = _live, _live.add_task(description, total=total, fields="")
        yield t
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        TextColumn("{task.fields[fields]}"), console=console, transient=False,
    ) as progress:
        t._progress = progress
        t._task_id = progress.add_task(description, total=total, fields="")
        _live = progress
        try:
            yield t
        finally:
            _live = None
