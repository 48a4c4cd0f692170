"""The command line: a thin layer that parses, calls the library, and prints.

Exit codes: 0 success; 2 the user's input or config is wrong (one `error: ...` line, no traceback);
1 a bug. `--json` prints one JSON document on stdout and nothing else there.
"""
from __future__ import annotations

import sys

import click
import typer

from tuneup.exceptions import UserError

app = typer.Typer(
    name="tuneup",
    help="Tells you why your model underperforms and what to do next, then does it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# each module registers its commands on `app`
from tuneup.cli import core  # noqa: E402,F401
from tuneup.cli import ship  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    try:
        app(args=argv, standalone_mode=False)
    except UserError as e:
        _fail(str(e))
    except click.exceptions.UsageError as e:
        _fail(e.format_message().replace("\n", " "))
    except click.exceptions.Abort:
        sys.exit(130)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.exceptions.ClickException as e:
        e.show()
        sys.exit(e.exit_code)


def _fail(message: str) -> None:
    from tuneup._progress import console

    console.file.flush()
    one_line = " ".join(message.split())
    print(f"error: {one_line}", file=sys.stderr, flush=True)
    sys.exit(2)
