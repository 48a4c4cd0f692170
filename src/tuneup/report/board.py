"""`tuneup board`: TensorBoard over the runs folder, where runs compare in the HParams view.

Every run folder's `tensorboard/` holds one event folder per split (train, train_dev, dev: the per-epoch
curves). `write_hparams(run)` adds, in `tensorboard/` itself, the run's hyperparameters (its flattened
config) as an HParams session and its final numbers (error and metric per split, the gaps) as scalars
under `final/` and `gap/`. TensorBoard then treats each run as a session: the final numbers are its
metrics, and the split folders below it are its per-epoch metric groups.

No experiment summary is written: with one per run TensorBoard would pick one at random and hide the
other runs' hyperparameters; without any, it gathers them from every session.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup.diagnose.ladder import gaps
from tuneup.exceptions import UserError
from tuneup.runs import CONFIG, SUMMARY, TENSORBOARD, Run, _flatten, default_runs_dir

SUFFIX = ".hparams"  # the event file's name ends so: found again, and replaced, by it
SKIPPED = ("name", "runs_dir")  # differ by design, or say nothing about the model


def hparams_of(config: dict[str, Any]) -> dict[str, float | str]:
    """The flattened config as HParams values: numbers stay numbers; booleans, lists and the rest are text."""
    out: dict[str, float | str] = {}
    for key, value in _flatten(config).items():
        if key in SKIPPED or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            value = json.dumps(value) if not isinstance(value, bool) else str(value).lower()
        out[key] = value
    return out


def final_metrics(summary: dict[str, Any]) -> dict[str, float]:
    """What the run ended with: per split its error, metric and loss; the ladder's gaps."""
    metric = summary["metric"]
    out: dict[str, float] = {}
    for split, scores in summary["splits"].items():
        if scores:
            out[f"final/{split}_error"] = scores["error"]
            out[f"final/{split}_{metric}"] = scores["metric"]
            out[f"final/{split}_loss"] = scores["loss"]
    out.update({f"gap/{g}": v for g, v in gaps(summary["ladder"]).items() if v is not None})
    return {k: float(v) for k, v in out.items() if isinstance(v, (int, float))}


def has_hparams(run: Run) -> bool:
    return any((run.path / TENSORBOARD).glob(f"events.out.tfevents.*{SUFFIX}"))


def write_hparams(run: Run | str | Path) -> Path:
    """Write (or replace) the run's HParams session and final metrics; returns the event file."""
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams

    run = Run.open(run)
    summary = run.summary
    metrics = final_metrics(summary)
    _, start, end = hparams(hparams_of(run.config.to_dict()), metrics)
    folder = run.path / TENSORBOARD
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=run.path, prefix=".hparams-") as tmp:  # complete, then moved in
        with SummaryWriter(tmp, filename_suffix=SUFFIX) as w:
            w.file_writer.add_summary(start)
            for tag, value in metrics.items():
                w.add_scalar(tag, value, summary["training"]["best_epoch"] or 0)
            w.file_writer.add_summary(end)
        (written,) = Path(tmp).glob(f"events.out.tfevents.*{SUFFIX}")
        for old in folder.glob(f"events.out.tfevents.*{SUFFIX}"):
            old.unlink()
        target = folder / written.name
        shutil.move(str(written), target)
    return target


def finished_runs(root: Path) -> list[Run]:
    """Finished runs in `root` (a runs folder, or one run folder), K-fold models included."""
    root = Path(root)
    if (root / CONFIG).exists():
        candidates = [root, *root.glob("folds/*")]
    else:
        candidates = [p.parent for p in root.glob(f"*/{SUMMARY}")] + [p.parent for p in root.glob(f"*/folds/*/{SUMMARY}")]
    return [Run(p) for p in sorted(candidates) if (p / SUMMARY).exists() and (p / CONFIG).exists()]


def ensure_hparams(root: str | Path) -> list[Path]:
    """Write HParams for the finished runs in `root` that lack them (runs made before tuneup wrote them)."""
    missing = [r for r in finished_runs(Path(root)) if not has_hparams(r)]
    written = []
    with _progress.task("hyperparameters for TensorBoard", total=len(missing)) as bar:
        for run in missing:
            written.append(write_hparams(run))
            bar.advance(run=run.name)
    return written


def board(logdir: str | Path | None = None, host: str = "127.0.0.1", port: int = 6006, block: bool = True) -> str:
    """Start TensorBoard over `logdir` (default: the runs folder) and return its URL; with `block`, serve
    until interrupted (Ctrl-C). Port 0 picks a free port."""
    root = Path(logdir) if logdir is not None else default_runs_dir()
    if not root.is_dir():
        raise UserError(f"{root}: no such folder; give the runs folder (e.g. tuneup-runs) or start a run first "
                        "with `tuneup run CONFIG`")
    if not finished_runs(root):
        raise UserError(f"{root} holds no finished runs (folders with {SUMMARY}); start one with `tuneup run CONFIG`")
    ensure_hparams(root)
    url = _launch(root, host, port)
    if block:
        _progress.info(f"TensorBoard at {url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return url


def _launch(root: Path, host: str, port: int) -> str:
    from tensorboard import program

    tb = program.TensorBoard()
    tb.configure(argv=[None, "--logdir", str(root), "--host", host, "--port", str(port)])
    try:
        return tb.launch()
    except program.TensorBoardServerException as e:  # the port is taken, the host cannot be bound
        raise UserError(f"TensorBoard could not start on {host}:{port} ({e.msg}); choose another --port") from None
