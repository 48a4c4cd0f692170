"""`tuneup sweep CONFIG --trials N`: hyperparameter search with pruning, embedded or on a cluster."""
from __future__ import annotations

from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, out, overrides, start


@app.command()
def sweep(
    config: Annotated[str, typer.Argument(help="tuneup.yaml")],
    trials: Annotated[int, typer.Option("--trials", "-n", help="Trials the study should hold in total "
                                        "(a re-run continues it up to this number).")] = 20,
    space: Annotated[str | None, typer.Option("--space", help="Search space YAML: dotted keys -> distributions "
                                              "(default: lr, weight decay, optimizer, batch size, dropout, "
                                              "batch norm, width, depth; augmentations for images).")] = None,
    pruner: Annotated[str, typer.Option(help="median, hyperband or none.")] = "median",
    storage: Annotated[str | None, typer.Option(help="SQLAlchemy URL of the study (default: a SQLite file "
                                                "in the runs folder; postgresql+psycopg://... for many machines).")] = None,
    workers: Annotated[int, typer.Option(help="Processes on this machine sharing the study.")] = 1,
    backend: Annotated[str, typer.Option(help="optuna (this machine) or ray (a Ray cluster, with ASHA).")] = "optuna",
    address: Annotated[str | None, typer.Option(help="Ray cluster address (host:port or ray://host:port); "
                                                "default: start a local cluster.")] = None,
    study: Annotated[str | None, typer.Option(help="Study name (default: the config's name).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the sampler.")] = 0,
    batch: Annotated[int, typer.Option(help="Ask for this many trials at once; those differing only in lr, weight "
                                       "decay, momentum, seed, schedule, epochs, early stopping or clipping "
                                       "train together as one vectorised ensemble.")] = 1,
    set_: SetOpt = None,
    json: JsonOpt = False,
) -> None:
    """Search hyperparameters; every trial is a run folder; prints the best trial, the history and the
    hyperparameter importance; writes the best trial's report.html."""
    from tuneup.sweep.runner import sweep as run_sweep

    start(json)
    result = run_sweep(config, trials=trials, space=space, pruner=pruner, storage=storage, workers=workers,
                       backend=backend, address=address, study=study, overrides=overrides(set_), seed=seed, batch=batch,
                       progress=not json)
    report = best_report(result)
    if json:
        emit_json(result.to_dict() | ({"report": str(report)} if report else {}))
        return
    out.print(result)
    if report:
        out.print(f"report: {report}")


def best_report(result):
    """The best trial's report.html (its page shows the whole sweep); None before any trial completed."""
    import tuneup

    return tuneup.report(result.best.run) if result.best is not None and result.best.run else None
