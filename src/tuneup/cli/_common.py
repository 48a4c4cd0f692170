"""Options and printing shared by every command."""
from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from tuneup import _progress
from tuneup._io import dumps

# a pipe, a file or a CI log has no width: tables are printed whole there (rich would cut them at 80
# columns: `err…`, `89.…`); COLUMNS, when set, still decides
UNLIMITED = 10_000


def _width(stream) -> int | None:
    import os

    return None if os.environ.get("COLUMNS") or stream.isatty() else UNLIMITED


out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))  # results; progress and warnings: stderr

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a config key: --set train.lr=0.01 (repeatable; values read as YAML)."),
]


def overrides(pairs: list[str] | None) -> dict[str, Any]:
    from tuneup.config import parse_override  # pydantic's models are built on first use: `--help` skips them

    return dict(parse_override(p) for p in pairs or [])


def start(json_mode: bool) -> None:
    _progress.set_quiet(json_mode)


def emit_json(data: Any) -> None:
    sys.stdout.write(dumps(data) + "\n")
    sys.stdout.flush()


_interrupted: list[str] = []  # what to do after Ctrl-C, said by the command that knows


def on_interrupt(hint: str) -> None:
    _interrupted.append(hint)


def interrupt_hint() -> str:
    return _interrupted[-1] if _interrupted else ""
