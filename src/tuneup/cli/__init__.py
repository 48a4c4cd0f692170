"""The command line: a thin layer that parses, calls the library, and prints.

Exit codes: 0 success; 2 the user's input or config is wrong (one `error: ...` line, no traceback);
1 a bug. `--json` prints one JSON document on stdout and nothing else there.
"""
from __future__ import annotations

import sys

import click
import typer

from tuneup.exceptions import UserError

# typer >= 0.26 ships its own copy of click whose errors are not click's classes: catch both
_clicks = [click.exceptions]
try:
    from typer._click import exceptions as _typer_click

    _clicks.append(_typer_click)
except ImportError:  # pragma: no cover - an older typer uses click itself
    pass
UsageError = tuple(m.UsageError for m in _clicks)
ClickException = tuple(m.ClickException for m in _clicks)
Abort = (click.exceptions.Abort, getattr(typer, "Abort", click.exceptions.Abort))
Exit = (click.exceptions.Exit, getattr(typer, "Exit", click.exceptions.Exit))

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
from tuneup.cli import errors  # noqa: E402,F401
from tuneup.cli import watch  # noqa: E402,F401
from tuneup.cli import diagnose  # noqa: E402,F401
from tuneup.cli import check  # noqa: E402,F401
from tuneup.cli import sweep  # noqa: E402,F401
from tuneup.cli import ship  # noqa: E402,F401
from tuneup.cli import improve  # noqa: E402,F401
from tuneup.cli import report  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    _watch_interrupts()
    try:
        if app(args=argv, standalone_mode=False) == 130:
            raise KeyboardInterrupt  # typer turns Ctrl-C into Exit(130), which it returns without standalone mode
    except UserError as e:
        _fail(str(e))
    except UsageError as e:
        name = getattr(getattr(e, "param", None), "opts", None)
        where = f"{name[0]}: " if name and name[0] not in e.format_message() else ""
        _fail(where + e.format_message().replace("\n", " "))
    except (KeyboardInterrupt, *Abort):
        from tuneup.cli._common import interrupt_hint

        hint = interrupt_hint()
        print("interrupted" + (f"; {hint}" if hint else ""), file=sys.stderr)
        sys.exit(130)
    except Exit as e:
        sys.exit(getattr(e, "exit_code", getattr(e, "code", 0)))
    except ClickException as e:
        e.show()
        sys.exit(e.exit_code)


def _fail(message: str) -> None:
    from tuneup._progress import console

    console.file.flush()
    one_line = " ".join(message.split())
    print(f"error: {one_line}", file=sys.stderr, flush=True)
    sys.exit(2)


EXIT_GRACE_S = 20.0


def _watch_interrupts() -> None:
    """Ctrl-C ends the program. It raises KeyboardInterrupt as usual, and also starts a daemon watchdog that
    ends the process with 130 if it has not exited EXIT_GRACE_S later: the unwinding can wait for ever on a
    library's non-daemon thread caught mid-write by the interrupt (Optuna's heartbeat joins its thread while
    the interrupt unwinds a trial). A SIGINT the shell made us ignore stays ignored."""
    import signal

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        return

    def on_interrupt(signum, frame):
        _exit_even_if_threads_linger(130)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


def _exit_even_if_threads_linger(code: int) -> None:
    import os
    import threading
    import time

    def watchdog() -> None:
        time.sleep(EXIT_GRACE_S)
        sys.stderr.flush()
        os._exit(code)

    threading.Thread(target=watchdog, name="tuneup-exit-watchdog", daemon=True).start()
