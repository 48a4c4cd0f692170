"""TensorBoard's HParams session of a run folder: the run's hyperparameters (its flattened config) and its
final numbers (error, metric and loss per split at the kept epoch, the ladder's gaps) as `final.*` and
`gap.*` columns, written with every run (`folder.write_run`); `tuneup board` shows them."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tuneup.diagnose.ladder import gaps
from tuneup.runs import TENSORBOARD, Run, _flatten

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
