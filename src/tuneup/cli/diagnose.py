"""`tuneup diagnose RUN` and `tuneup curve CONFIG`."""
from __future__ import annotations

from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, out, overrides, start


@app.command()
def diagnose(
    run: Annotated[str, typer.Argument(help="A run folder or a run's name in the runs folder.")],
    tolerance: Annotated[float | None, typer.Option(
        help="The smallest gap worth acting on, in error units (default: the config's diagnose.tolerance, "
             "else 0.01 for shares of examples).", min=0.0)] = None,
    confidence: Annotated[float | None, typer.Option(help="Of the intervals (default 0.95).")] = None,
    resamples: Annotated[int | None, typer.Option(help="Bootstrap resamples (default 1000).")] = None,
    quick: Annotated[bool, typer.Option(help="Read only the run folder: no measuring of the data's differences, "
                                        "no learning-rate range test.")] = False,
    json: JsonOpt = False,
) -> None:
    """The error ladder with intervals, the gaps, the verdict and ranked remedies."""
    import shlex

    import tuneup
    from tuneup.diagnose.render import diagnosis_view
    from tuneup.runs import CONFIG, Run

    start(json)
    result = tuneup.diagnose(run, tolerance=tolerance, confidence=confidence, resamples=resamples, measure=not quick)
    if json:
        emit_json(result.to_dict())
        return
    out.print(diagnosis_view(result, config=shlex.quote(str(Run.open(run).path / CONFIG))))


@app.command()
def curve(
    config: Annotated[str, typer.Argument(help="tuneup.yaml")],
    set_: SetOpt = None,
    sizes: Annotated[int, typer.Option(help="How many training sizes, log-spaced up to the whole train split.",
                                       min=3, max=20)] = 5,
    repeats: Annotated[int, typer.Option(help="Seeds per size (their spread is the curve's noise).", min=1,
                                         max=20)] = 2,
    smallest: Annotated[int | None, typer.Option(help="The smallest training size (default: a tenth).",
                                                 min=2)] = None,
    json: JsonOpt = False,
) -> None:
    """Learning curves: train on growing subsets, fit a power law, say whether more data would help."""
    import tuneup

    start(json)
    result = tuneup.learning_curve(config, overrides(set_), sizes=sizes, repeats=repeats, smallest=smallest)
    if json:
        emit_json(result.to_dict())
        return
    out.print(result)
