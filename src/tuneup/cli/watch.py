"""`tuneup monitor`: drift, live performance and A/B tests from the server's prediction log."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, out, overrides, start

ALARM_EXIT = 3  # distinct from 2 (bad input) and 1 (a bug): a cron job can tell "look at this" from "broken"


HELP = (
    "Has the input changed, has the model got worse, is the candidate better: from the prediction log.\n\n"
    "The log (written by `tuneup serve`) holds one JSON object per line: "
    '{"type": "prediction", "time", "request_id", "model", "variant", "client", "input", "prediction", '
    '"probabilities", "score", "threshold", "latency_ms"} or {"type": "feedback", "time", "request_id", "label"}.\n\n'
    f"Exit codes: 0 no alarm (or none named by --fail-on); {ALARM_EXIT} an alarm named by --fail-on was raised; "
    "2 bad input (a missing log, a malformed line, an unknown run); 1 a bug."
)


@app.command(help=HELP)
def monitor(
    run: Annotated[str, typer.Argument(help="The run that serves (its folder or name).")],
    log: Annotated[Path, typer.Option("--log", help="The prediction log: a folder of log-*.jsonl files, or one.")],
    since: Annotated[str | None, typer.Option(
        help="Only predictions from this time on: ISO-8601 (2026-05-01, 2026-05-01T12:00Z) or back from now "
             "(30m, 24h, 7d).")] = None,
    window: Annotated[str | None, typer.Option(help="Window length: 1h, 1D, 7D (default watch.window).")] = None,
    set_: SetOpt = None,
    fail_on: Annotated[list[str] | None, typer.Option(
        "--fail-on", help=f"Exit {ALARM_EXIT} when this alarm is raised (repeatable): drift, performance. "
                          "Thresholds: watch.* in tuneup.yaml or --set.")] = None,
    audit: Annotated[int | None, typer.Option(
        help="Also write a sample of N unlabelled predictions, stratified by class and confidence.")] = None,
    audit_out: Annotated[Path | None, typer.Option("--audit-out", help="The audit sample's CSV.")] = None,
    export_new_data: Annotated[Path | None, typer.Option(
        "--export-new-data", help="Write the labelled production examples as a CSV that tuneup.yaml takes as "
                                  "data.target.")] = None,
    import_feedback: Annotated[Path | None, typer.Option(
        "--import-feedback", help="First append the labels filled into an audit CSV to the log as feedback.")] = None,
    json: JsonOpt = False,
) -> None:
    import tuneup

    start(json)
    alarms(fail_on)  # a misspelt alarm fails before any work
    report = tuneup.monitor(
        run, log, since, window=window, settings=overrides(set_), audit=audit, audit_out=audit_out,
        export_new_data_to=export_new_data, import_feedback_from=import_feedback,
    )
    if json:
        emit_json(report.to_dict())
    else:
        out.print(report)
    raised = [a for a in alarms(fail_on) if report.alarms[a]]
    if raised:
        if not json:
            out.print(f"alarm: {', '.join(raised)} (exit {ALARM_EXIT})")
        sys.exit(ALARM_EXIT)  # not typer.Exit: with standalone_mode=False click returns its code, and main drops it


def alarms(names: list[str] | None) -> list[str]:
    """--fail-on drift --fail-on performance, or --fail-on drift,performance."""
    from tuneup.exceptions import UserError, did_you_mean
    from tuneup.watch.result import ALARMS

    picked = [n.strip() for name in names or [] for n in name.split(",") if n.strip()]
    for name in picked:
        if name not in ALARMS:
            raise UserError(f"--fail-on {name!r}: {did_you_mean(name, ALARMS)} (choices: {', '.join(ALARMS)})")
    return picked
