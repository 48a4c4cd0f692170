"""`tuneup report RUN`, `tuneup compare RUN RUN...`, `tuneup board [DIR]`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, emit_json, out, start


@app.command()
def report(
    run: Annotated[str, typer.Argument(help="A run folder or a run's name in the runs folder.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Where to write (default RUN/report.html).")] = None,
    quick: Annotated[bool, typer.Option(help="Diagnose from the run folder only: no measuring of the data's "
                                        "differences, no learning-rate range test.")] = False,
    json: JsonOpt = False,
) -> None:
    """Write the run's report: one self-contained HTML page that opens offline."""
    import tuneup

    start(json)
    path = tuneup.report(run, out=out_file, quick=quick)
    if json:
        emit_json({"run": str(run), "path": str(path), "bytes": path.stat().st_size})
        return
    out.print(f"report: {path}")


@app.command()
def compare(
    runs: Annotated[list[str], typer.Argument(help="Two or more run folders or names; the first is the reference.")],
    split: Annotated[str, typer.Option(help="Where runs are tested against the first, on the same examples.")] = "dev",
    html: Annotated[Path | None, typer.Option("--html", help="Also write the comparison as an HTML page.")] = None,
    json: JsonOpt = False,
) -> None:
    """Runs side by side: config differences, ladders, metrics, curves; is each better than the first?"""
    import tuneup
    from tuneup._io import write_text
    from tuneup.report.compare_render import compare_page

    start(json)
    result = tuneup.compare(runs, split=split)
    if html is not None:
        write_text(html, compare_page(result))
    if json:
        emit_json({**result.to_dict(), "html": str(html) if html else None})
        return
    out.print(result)
    if html is not None:
        out.print(f"comparison: {html}")


@app.command()
def board(
    logdir: Annotated[str | None, typer.Argument(help="The runs folder (default ./tuneup-runs) or one run.")] = None,
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).", min=0, max=65535)] = 6006,
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
) -> None:
    """TensorBoard over the runs: per-epoch charts (a line per split), hyperparameters and final numbers."""
    from tuneup.report.board import board as serve

    start(False)
    serve(logdir, host=host, port=port, block=True)
