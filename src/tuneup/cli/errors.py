"""`tuneup errors RUN`: which classes and slices fail, how much each could give back, which threshold
to ship."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, emit_json, out, start

By = Annotated[list[str] | None, typer.Option(
    "--by", help="Slice by this metadata or feature column (repeatable; default: the metadata).")]
Tags = Annotated[Path | None, typer.Option("--tags", help="A CSV of id,tags a person wrote (e.g. from --sample).")]
Sample = Annotated[int | None, typer.Option(
    "--sample", help="Export N misclassified examples to tag (a CSV; for images also a contact sheet PNG).")]


@app.command()
def errors(
    run: Annotated[str, typer.Argument(help="A run folder or a run's name.")],
    split: Annotated[str, typer.Option(help="The split to analyse (dev; test only at the very end).")] = "dev",
    by: By = None,
    tags: Tags = None,
    sample: Sample = None,
    threshold: Annotated[str | None, typer.Option(
        help="Binary: choose a new decision threshold on dev by f1, accuracy, balanced_accuracy, precision=P or "
             "recall=R (export and serving then use it); without it the run's own threshold stays.")] = None,
    save_threshold: Annotated[bool, typer.Option(help="Write the chosen threshold to RUN/threshold.json.")] = True,
    top: Annotated[int, typer.Option(help="How many highest-loss examples to list.")] = 10,
    bins: Annotated[int, typer.Option(help="Quantile bins for number columns.")] = 5,
    seed: Annotated[int, typer.Option(help="Seed for the sample and the weak-slice finder's halves.")] = 0,
    json: JsonOpt = False,
) -> None:
    """Error analysis: per class, slices, weak slices, tags, where improvement can come from, threshold."""
    import tuneup

    start(json)
    report = tuneup.errors(run, split=split, by=by, tags=tags, sample=sample, top=top, bins=bins,
                           threshold=threshold, save=save_threshold, seed=seed)
    if json:
        emit_json(report.to_dict())
        return
    out.print(report)
