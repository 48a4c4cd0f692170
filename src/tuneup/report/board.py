"""`tuneup board`: TensorBoard over the runs folder, one TensorBoard run per run folder, named after it.

Every run folder's `tensorboard/` holds one run: the per-epoch numbers of every split in one event file
(`loss/train`, `loss/dev`, ...; `train/callbacks.py`), the custom-scalars layout that draws each quantity as
one chart with a line per split, and, from `write_hparams(run)` (`pipeline/hparams.py`, for every run), an HParams session: the run's
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

import shutil
import tempfile
import threading
import time
import weakref
from pathlib import Path

from tuneup import _progress
from tuneup.exceptions import UserError, counted
from tuneup.pipeline.hparams import has_hparams, write_hparams
from tuneup.runs import CONFIG, FOLDS, SUMMARY, TENSORBOARD, Run, default_runs_dir

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
