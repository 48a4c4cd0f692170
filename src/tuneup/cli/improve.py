"""`tuneup improve CONFIG`: the closed-loop recipe."""
from __future__ import annotations

from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, out, overrides, start


@app.command()
def improve(
    config: Annotated[str, typer.Argument(help="tuneup.yaml")],
    set_: SetOpt = None,
    budget: Annotated[str, typer.Option(
        help="Candidate trainings (e.g. 8) or wall time (e.g. 20m, 1h, 90s; the starting run included).")] = "8",
    target: Annotated[float | None, typer.Option(
        help="Stop once the dev error is at most this (e.g. 0.05 for 5% when error = 1 - accuracy).")] = None,
    final: Annotated[bool, typer.Option(
        help="Then retrain the chosen configuration on train + dev and evaluate it on test, once (recorded in "
             "the test ledger).")] = False,
    json: JsonOpt = False,
) -> None:
    """Diagnose, try the remedies for the dominant gap at a few strengths, keep what beats the incumbent on
    dev beyond the noise, repeat; prints the step table, saves improve.json and writes the best run's report."""
    import tuneup

    start(json)
    result = tuneup.improve(config, overrides(set_), budget=budget, target=target, final=final, progress=not json,
                            started=tuneup.STARTED)  # the budget is the command's wall time
    # the best run's page shows the whole session (its improve section reads improve.json)
    report = tuneup.report(result.path.parent.parent / result.best, diagnosis=result.diagnosis)
    if json:
        emit_json(result.to_dict() | {"report": str(report)})
        return
    out.print(result)
    out.print(f"report: {report}")
