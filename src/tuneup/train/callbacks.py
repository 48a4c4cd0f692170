"""What the trainer reports every epoch: history.jsonl, TensorBoard, a checkpoint, a progress bar."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from tuneup import _progress
from tuneup._io import append_jsonl, atomic_path, read_jsonl, write_text
from tuneup.train.loop import Callback, FitResult, State, Trainer

SPLIT_NAMES = ("train", "train_dev", "dev")


class HistoryWriter(Callback):
    """One JSON line per epoch: split -> loss, metric, error; the epoch's wall time."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        kept = [r for r in read_jsonl(self.path) if r.get("epoch", 0) <= start_epoch]  # drop lines past the checkpoint
        write_text(self.path, "".join(json.dumps(r) + "\n" for r in kept))

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        append_jsonl(self.path, record)


class TensorBoardLogger(Callback):
    """One TensorBoard run per run folder: every split's per-epoch numbers in one event file, tagged
    `<quantity>/<split>` (`loss/train`, `loss/train_dev`, `loss/dev`, `error/...`, `<metric>/...`), and a
    custom-scalars layout that draws each quantity as one chart with a line per split (TensorBoard's Scalars
    view draws one chart per tag, and only runs as lines: splits as runs would turn one run into three)."""

    def __init__(self, logdir: Path, metric_name: str):
        self.logdir, self.metric_name = Path(logdir), metric_name
        self.writer: Any = None

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        from torch.utils.tensorboard import SummaryWriter

        # purge_step: a resumed run overwrites the epochs after its checkpoint instead of doubling them
        self.writer = SummaryWriter(str(self.logdir), purge_step=start_epoch + 1 if start_epoch else None)
        if not start_epoch:
            self.writer.add_custom_scalars(layout(self.metric_name))

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        epoch, w = record["epoch"], self.writer
        for split in SPLIT_NAMES:
            if split in record:
                w.add_scalar(f"loss/{split}", record[split]["loss"], epoch)
                w.add_scalar(f"{self.metric_name}/{split}", record[split]["metric"], epoch)
                w.add_scalar(f"error/{split}", record[split]["error"], epoch)
        if record["lr"] is not None:  # None: a model fitted without one (model.kind: linear)
            w.add_scalar("lr", record["lr"], epoch)
        w.add_scalar("fit_loss", record["fit_loss"], epoch)
        w.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.writer = None


def layout(metric_name: str) -> dict:
    """TensorBoard's custom scalars: one chart per quantity, train / train-dev / dev as its lines."""
    charts = {title: ["Multiline", [f"^{tag}/(train|train_dev|dev)$"]]
              for title, tag in (("loss", "loss"), ("error", "error"), (metric_name, metric_name))}
    charts["learning rate"] = ["Multiline", ["^lr$"]]
    charts["loss while training (mean over the epoch's batches)"] = ["Multiline", ["^fit_loss$"]]
    return {"per epoch: train, train-dev, dev": charts}


class Checkpointer(Callback):
    """Weights, optimizer state, best weights and loop state in one safetensors file, every epoch,
    written atomically: `load_checkpoint` puts a trainer back exactly where it was."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        save_checkpoint(self.path, trainer)

    def on_fit_end(self, trainer: Trainer, result: FitResult) -> None:
        self.path.unlink(missing_ok=True)  # the run finished: model.safetensors is the artifact


def save_checkpoint(path: Path, trainer: Trainer) -> None:
    tensors: dict[str, torch.Tensor] = {}
    for k, v in trainer.model.state_dict().items():
        tensors[f"model/{k}"] = v.detach().cpu().contiguous()
    for k, v in (trainer.state.best_weights or {}).items():
        tensors[f"best/{k}"] = v.detach().cpu().contiguous()
    opt = trainer.optimizer.state_dict()
    scalars: dict[str, dict[str, Any]] = {}
    for idx, entry in opt["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"optim/{idx}/{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(idx), {})[key] = value
    state = {
        "epoch": trainer.state.epoch,
        "history": trainer.state.history,
        "early": trainer.state.early,
        "scheduler": trainer.state.scheduler,
        "param_groups": opt["param_groups"],
        "optim_scalars": scalars,
    }
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"tuneup.state": json.dumps(state, default=_plain)})


def load_checkpoint(path: Path, trainer: Trainer) -> None:
    """Restore model, optimizer and loop state into `trainer` (built from the same config)."""
    with safe_open(str(path), framework="pt") as f:
        state = json.loads(f.metadata()["tuneup.state"])
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    device = trainer.device
    trainer.model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model/")})
    best = {k[5:]: v.to(device) for k, v in tensors.items() if k.startswith("best/")}
    opt_state: dict[int, dict[str, Any]] = {}
    for k, v in tensors.items():
        if k.startswith("optim/"):
            _, idx, key = k.split("/", 2)
            opt_state.setdefault(int(idx), {})[key] = v.to(device) if key != "step" else v
    for idx, entry in state["optim_scalars"].items():
        opt_state.setdefault(int(idx), {}).update(entry)
    trainer.optimizer.load_state_dict({"state": opt_state, "param_groups": state["param_groups"]})
    trainer.state = State(
        epoch=state["epoch"], history=state["history"], early=state["early"], scheduler=state["scheduler"],
        best_weights=best or None,
    )


def _plain(value: Any) -> Any:
    if torch.is_tensor(value):
        return value.tolist()
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


class ProgressBar(Callback):
    """Epoch bar with the losses and the dev error on a terminal; a line per epoch elsewhere."""

    def __init__(self, description: str, epochs: int):
        self.description, self.epochs = description, epochs
        self._cm = None
        self._task = None

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        self._cm = _progress.task(self.description, total=self.epochs)
        self._task = self._cm.__enter__()
        self._task.done = start_epoch

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        fields = {"loss": f"{record['train']['loss']:.4f}"}
        if "dev" in record:
            fields["dev loss"] = f"{record['dev']['loss']:.4f}"
            fields["dev error"] = f"{record['dev']['error']:.4f}"
        self._task.advance(**fields)

    def close(self) -> None:
        if self._cm is not None:
            self._cm.__exit__(None, None, None)
            self._cm = None


OnEpoch = Callable[[dict], bool]  # an epoch's record -> stop training now?


class EpochReport(Callback):
    """Calls `on_epoch(record)` after every epoch and stops training when it returns True. A resumed
    run first replays the epochs its checkpoint holds, so the caller sees every epoch exactly once."""

    def __init__(self, on_epoch: OnEpoch):
        self.on_epoch = on_epoch
        self.stopped_at: int | None = None

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        for record in trainer.state.history[:start_epoch]:
            self._see(trainer, record)

    def on_epoch_end(self, trainer: Trainer, record: dict) -> None:
        self._see(trainer, record)

    def _see(self, trainer: Trainer, record: dict) -> None:
        if self.stopped_at is None and self.on_epoch(record):
            self.stopped_at = record["epoch"]
            trainer.stop = True


class StopNow(Callback):
    """Ends training before another epoch starts: a run resumed with it is evaluated where its
    checkpoint left it (a trial a scheduler stopped in another process)."""

    def on_fit_start(self, trainer: Trainer, start_epoch: int) -> None:
        trainer.stop = True
