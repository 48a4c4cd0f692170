"""Options and printing shared by every command."""
from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console

from tuneup import _progress
from tuneup._io import dumps
from tuneup.config import parse_override

out = Console(highlight=False, soft_wrap=True)  # stdout: results; progress and warnings go to stderr

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else there.")]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", help="Override a config key: --set train.lr=0.01 (repeatable; values read as YAML)."),
]


def overrides(pairs: list[str] | None) -> dict[str, Any]:
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
