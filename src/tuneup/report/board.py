"""`tuneup board`: TensorBoard over the runs folder, one TensorBoard run per run folder, named after it.

Every run folder's `tensorboard/` holds one run: the per-epoch numbers of every split in one event file
(`loss/train`, `loss/dev`, ...; `train/callbacks.py`), the custom-scalars layout that draws each quantity as
one chart with a line per split, and, from `write_hparams(run)`, an HParams session: the run's
hyperparameters (its flattened config) and its final numbers (error, metric and loss per split at the kept
epoch, the ladder's gaps) as `final.*` and `gap.*` columns. Final numbers are not scalars: TensorBoard would
draw each as a one-point chart.

`tuneup board` shows TensorBoard a tree of links (TensorBoard's advice for naming runs) in a temporary
folder: `<run name>` -> `<run>/tensorboard`, K-fold models as `<run name> fold-<i>`, kept up to date while it
serves, so runs started later appear too. Run folders written before keep their layout (a folder per split).

No experiment summary is written: with one per run TensorBoard would pick one at random and hide the
other runs' hyperparameters; without any, it gathers them from every session.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup.diagnose.ladder import gaps
from tuneup.exceptions import UserError, counted
from tuneup.runs import CONFIG, FOLDS, SUMMARY, TENSORBOARD, Run, _flatten, default_runs_dir

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


def final_numbers(summary: dict[str, Any]) -> dict[str, float]:
    """What the run ended with (the kept epoch): per split its error, metric and loss; the ladder's gaps."""
    metric = summary["metric"]
    out: dict[str, float] = {}
    for split, scores in summary["splits"].items():
        if scores:
            out[f"final.{split}_error"] = scores["error"]
            out[f"final.{split}_{metric}"] = scores["metric"]
            out[f"final.{split}_loss"] = scores["loss"]
    out.update({f"gap.{g}": v for g, v in gaps(summary["ladder"]).items() if v is not None})
    return {k: float(v) for k, v in out.items() if isinstance(v, (int, float))}


def has_hparams(run: Run) -> bool:
    return any((run.path / TENSORBOARD).glob(f"events.out.tfevents.*{SUFFIX}"))


def write_hparams(run: Run | str | Path) -> Path:
    """Write (or replace) the run's HParams session: its hyperparameters and final numbers; returns the
    event file."""
    from torch.utils.tensorboard import SummaryWriter
    from torch.utils.tensorboard.summary import hparams

    run = Run.open(run)
    values = {**hparams_of(run.config.to_dict()), **final_numbers(run.summary)}
    _, start, end = hparams(values, {})
    folder = run.path / TENSORBOARD
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=run.path, prefix=".hparams-") as tmp:  # complete, then moved in
        with SummaryWriter(tmp, filename_suffix=SUFFIX) as w:
            w.file_writer.add_summary(start)
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
        candidates = [root, *root.glob(f"{FOLDS}/*")]
    else:
        candidates = [p.parent for p in root.glob(f"*/{SUMMARY}")] + [p.parent for p in root.glob(f"*/{FOLDS}/*/{SUMMARY}")]
    return [Run(p) for p in sorted(candidates) if (p / SUMMARY).exists() and (p / CONFIG).exists()]


def ensure_hparams(root: str | Path) -> list[Path]:
    """Write HParams for the finished runs in `root` that lack them (runs made before tuneup wrote them)."""
    missing = [r for r in finished_runs(Path(root)) if not has_hparams(r)]
    written: list[Path] = []
    if not missing:
        return written
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
    view = RunLinks(root)
    _progress.info("starting TensorBoard (it reads the event files in the background)")
    url = _launch(view.folder, host, port)
    view.keep_up()
    if block:
        _progress.info(f"TensorBoard at {url} (Ctrl-C to stop), {counted(len(view.names), 'run')} named after their "
                       f"folders: per-epoch charts with a line per split at {url}#custom_scalars, hyperparameters "
                       f"and final numbers at {url}#hparams")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return url


class RunLinks:
    """A temporary folder of links, one per run folder's `tensorboard/` (`churn-003` ->
    `tuneup-runs/churn-003/tensorboard`; K-fold models `churn-003 fold-1`): TensorBoard names a run after
    its folder below the logdir, and so each run shows as its own name, not `churn-003/tensorboard`."""

    def __init__(self, root: Path, every: float = 5.0):
        self.root, self.every = Path(root), every
        self.folder = Path(tempfile.mkdtemp(prefix="tuneup-board-"))
        self.names: dict[str, Path] = {}
        weakref.finalize(self, shutil.rmtree, str(self.folder), True)  # the links only: never their targets
        self.sync()

    def wanted(self) -> dict[str, Path]:
        one = (self.root / CONFIG).exists()  # the logdir is one run folder
        runs = [self.root] if one else sorted(p.parent for p in self.root.glob(f"*/{TENSORBOARD}"))
        out = {}
        for run in runs:
            name = run.resolve().name
            if (run / TENSORBOARD).is_dir():
                out[name] = (run / TENSORBOARD).resolve()
            for fold in sorted(run.glob(f"{FOLDS}/*/{TENSORBOARD}")):
                out[f"{name} {fold.parent.name}"] = fold.resolve()
        return out

    def sync(self) -> None:
        for name, target in self.wanted().items():
            if name not in self.names:
                (self.folder / name).symlink_to(target, target_is_directory=True)
                self.names[name] = target

    def keep_up(self) -> None:
        """Add the runs that start while TensorBoard serves, every few seconds, until the process ends."""
        def loop() -> None:
            while self.folder.exists():
                time.sleep(self.every)
                try:
                    self.sync()
                except OSError:
                    pass

        threading.Thread(target=loop, name="tuneup-board-links", daemon=True).start()


def _launch(root: Path, host: str, port: int) -> str:
    from tensorboard import program

    tb = program.TensorBoard()
    tb.configure(argv=[None, "--logdir", str(root), "--host", host, "--port", str(port)])
    try:
        return tb.launch()
    except program.TensorBoardServerException as e:  # the port is taken, the host cannot be bound
        raise UserError(f"TensorBoard could not start on {host}:{port} ({e.msg}); choose another --port") from None
