"""`tuneup demo`, `tuneup init`, `tuneup run`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tuneup import _progress
from tuneup.cli import app
from tuneup.cli._common import JsonOpt, SetOpt, emit_json, on_interrupt, out, overrides, start
from tuneup.exceptions import UserError, counted


def show_run(run, json_mode: bool, config: str | None = None) -> None:
    """The diagnosis, the training line and where the report and the run are; remedies as commands on
    `config`, or on the run's own config.yaml (the same experiment) when there is no file of the user's."""
    import tuneup
    from tuneup.diagnose.diagnosis import diagnose
    from tuneup.diagnose.render import diagnosis_view, fmt_error
    from tuneup.runs import CONFIG

    summary = run.summary
    diagnosis = diagnose(run)
    report = tuneup.report(run, diagnosis=diagnosis)
    if json_mode:
        emit_json({"path": str(run.path), **summary, "diagnosis": diagnosis.to_dict(), "report": str(report)})
        return
    out.print(diagnosis_view(diagnosis, remedies=3, config=_quoted(config or str(run.path / CONFIG))))
    if "folds" in summary:
        f = summary["folds"]
        out.print(f"{f['how']}: " + ", ".join(
            f"{s.replace('_', '-')} {fmt_error(v['mean_error'], summary)} +- {fmt_error(v['std_error'], summary)}"
            for s, v in f["splits"].items()) + f" (mean +- std over {counted(f['models'], 'model')}, in {run.path / 'folds'})")
    out.print(_training_line(summary))
    if not summary["final"]:
        out.print("test was not looked at (evaluate it once, at the end, with --final)")
    out.print(f"report: {report}")
    out.print(f"run: {run.path}")


def _quoted(path: str) -> str:
    import shlex

    return shlex.quote(path)


def _training_line(summary: dict) -> str:
    t, seconds = summary["training"], f"{summary['timing']['train_s']:.1f}s"
    early = " (stopped early)" if t["stopped_early"] else ""
    if t["model"] == "hgb":
        return (f"hgb ({t['estimator']}) with {t['parameters']:,} tree nodes: {t['iterations']} boosting iterations"
                f"{early}, {seconds}")
    if t["model"] == "linear":
        return f"linear ({t['estimator']}) with {t['parameters']:,} coefficients, fitted in {seconds}"
    return (f"{t['model']} with {t['parameters']:,} parameters on {t['device']}: {t['epochs_run']} epochs{early}, "
            f"best epoch {t['best_epoch']}, {seconds}")


@app.command()
def demo(
    epochs: Annotated[int, typer.Option(help="Training epochs (early stopping may end sooner).")] = 30,
    runs_dir: Annotated[str | None, typer.Option(help="Where run folders go (default ./tuneup-runs).")] = None,
    json: JsonOpt = False,
) -> None:
    """The whole loop on the bundled web-vs-phone digits: train, then the diagnosis."""
    import tuneup

    start(json)
    _progress.info("demo: 1,168 clean 'web' digits to train on; 629 blurred, dark, noisy 'phone' digits that matter")
    run = tuneup.demo(epochs=epochs, runs_dir=runs_dir)
    show_run(run, json)


@app.command()
def init(
    data: Annotated[str, typer.Option("--data", help="A CSV/Parquet table, a folder of images, or builtin:NAME.")],
    target: Annotated[str | None, typer.Option("--target", help="The label column of a table.")] = None,
    target_data: Annotated[str | None, typer.Option("--target-data", help="Data from the distribution that matters.")] = None,
    out_file: Annotated[Path, typer.Option("--out", help="The config file to write.")] = Path("tuneup.yaml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing config file.")] = False,
    skip_bad_files: Annotated[bool, typer.Option(help="Skip (and count) unreadable images.")] = False,
    json: JsonOpt = False,
) -> None:
    """Look at the data and write a tuneup.yaml with the inferred task, metric, model and training."""
    from tuneup.project import init_project

    start(json)
    result = init_project(data, target, target_data, out_file, force, skip_bad_files)
    if json:
        emit_json({"path": str(result.path), "notes": result.notes, "config": result.config.to_dict()})
        return
    for note in result.notes:
        out.print(f"  {note}")
    out.print(f"wrote {result.path}; next: tuneup run {result.path}")


@app.command()
def run(
    config: Annotated[str | None, typer.Argument(help="tuneup.yaml (optional with --resume).")] = None,
    set_: SetOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="The run folder's name.")] = None,
    final: Annotated[bool, typer.Option(help="Also evaluate on test (once; recorded in the test ledger).")] = False,
    resume: Annotated[str | None, typer.Option(help="Continue a killed run (its folder or name).")] = None,
    skip_bad_files: Annotated[bool, typer.Option(help="Skip (and count) unreadable images.")] = False,
    folds: Annotated[int | None, typer.Option(help="Also train K models, each on K-1 folds (data.split.folds).",
                                              min=2, max=100)] = None,
    repeats: Annotated[int | None, typer.Option(help="Repeat the K folds with other shuffles (data.split.repeats).",
                                                min=1, max=100)] = None,
    force: Annotated[bool, typer.Option(help="Train even when the data checks find errors.")] = False,
    json: JsonOpt = False,
) -> None:
    """Check the data, split, run baselines, train, evaluate; print the diagnosis."""
    import tuneup
    from tuneup.runs import made_here

    start(json)
    if config is None and resume is None:
        raise UserError("tuneup run needs a CONFIG (e.g. tuneup.yaml), or --resume RUN")
    if repeats is not None and folds is None:
        raise UserError("--repeats repeats K-fold training: give --folds K as well")
    changes = overrides(set_) | ({"data.skip_bad_files": True} if skip_bad_files else {})
    if folds is not None:
        changes |= {"data.split.folds": folds, "data.split.repeats": repeats or 1}
    before = len(made_here())
    try:
        result = tuneup.run(config, changes, name=name, final=final, resume=resume, progress=not json,
                            force=force)
    except KeyboardInterrupt:
        on_interrupt(_after_interrupt(resume, made_here()[before:]))
        raise
    show_run(result, json, config)


def _after_interrupt(resume: str | None, made: list[Path]) -> str:
    """What to do after Ctrl-C: continue the run folder it left unfinished."""
    from tuneup.runs import Run

    path = Run.open(resume).path if resume is not None else (made[0] if made else None)
    if path is None or not path.exists():
        return "no run folder was made yet: start again with `tuneup run CONFIG`"
    if Run(path).complete:
        return f"the run had finished: {path.resolve()}"
    return f"continue it with `tuneup run --resume {path.resolve()}`"
