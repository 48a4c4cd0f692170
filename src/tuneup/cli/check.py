"""`tuneup check`: data understanding and validation."""
from __future__ import annotations

from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, out, overrides, start


@app.command()
def check(
    config: Annotated[str, typer.Argument(help="tuneup.yaml")],
    set_: SetOpt = None,
    json: JsonOpt = False,
) -> None:
    """Summarise and validate the data: columns, classes, leakage, duplicates, label errors, shift."""
    import tuneup

    start(json)
    report = tuneup.check(config, overrides(set_))
    if json:
        emit_json(report.to_dict())
        return
    out.print(report)
