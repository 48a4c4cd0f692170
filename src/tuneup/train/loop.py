"""The trainer: data stays as tensors on the device; a batch is an index slice of a per-epoch permutation.

    trainer = Trainer(model, head, cfg.train, metric, scorer, device)
    result = trainer.fit(train, {"train_dev": td, "dev": dev}, callbacks=[...])

Every epoch measures loss and the metric in eval mode (train on a fixed sample, so dropout does not
distort the train error), stops early (`EarlyStopping`: when neither train-dev nor dev improves any more)
and restores the weights of the best dev epoch that learned something. Each epoch is seeded from
(seed, epoch), so a run resumed from its checkpoint ends exactly where an uninterrupted one would.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from tuneup.config import Train
from tuneup.data.augment import Augmenter
from tuneup.data.encode import Tensors, gather
from tuneup.errors.metrics import Metric
from tuneup.exceptions import TrainingError
from tuneup.models.heads import Head, Outputs

EVAL_BATCH = 4096

Scorer = Callable[[Outputs, torch.Tensor], float]  # (outputs, encoded targets) -> metric value


def resolve_device(name: str) -> torch.device:
    """`auto` picks CUDA when PyTorch sees a GPU; asking for `cuda` without one is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainingError(
            f"train.device is 'cuda' but PyTorch {torch.__version__} sees no CUDA GPU here; "
            "use train.device: auto (or cpu)"
        )
    return torch.device(name)


def make_optimizer(params, cfg: Train) -> torch.optim.Optimizer:
    # foreach: one multi-tensor kernel per step instead of a Python loop over parameters; PyTorch picks it
    # only for CUDA by default, yet on CPU it is what keeps a small network's step cheap
    kw = {"lr": cfg.lr, "weight_decay": cfg.weight_decay, "foreach": True}
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, momentum=cfg.momentum, nesterov=cfg.nesterov and cfg.momentum > 0, **kw)
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, **kw)
    if cfg.optimizer == "adamw":
        return torch.optim.AdamW(params, **kw)
    return torch.optim.RMSprop(params, **kw)


def make_scheduler(opt: torch.optim.Optimizer, cfg: Train, steps_per_epoch: int):
    """(scheduler or None, whether it steps every batch)."""
    s = cfg.schedule
    if s.kind == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=s.step_size, gamma=s.gamma), False
    if s.kind == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs), False
    if s.kind == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=s.max_lr or 10 * cfg.lr, epochs=cfg.epochs, steps_per_epoch=max(steps_per_epoch, 1)
        ), True
    if s.kind == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=s.factor, patience=s.patience), False
    return None, False


LEARNED = 0.9  # an epoch whose training error is above this share of chance's has not learned yet


@dataclass
class EarlyStopping:
    """When to stop, and which epoch to keep.

    Stop once no watched split has improved its loss (or metric) by `min_delta` for `patience` epochs.
    Keep the epoch that is best on `keep_on` (dev), except that an epoch still at or near chance on its
    own training data (`chance`: a constant predictor's training error) is never kept over one that has
    learned. With a training source and a target source the watched splits are train-dev and dev: dev (the
    target) may get worse for a while as the network learns its own distribution, and training must not
    stop while train-dev still improves."""

    patience: int
    watch: tuple[tuple[str, str], ...] = (("dev", "loss"),)  # (split, loss | metric | error)
    keep_on: tuple[str, str] = ("dev", "loss")
    higher_is_better: bool = False  # of the metric (losses and errors are lower-is-better)
    min_delta: float = 0.0
    chance: float | None = None  # the training error of predicting the majority class (the mean)
    best: dict[str, float] = field(default_factory=dict)  # "split quantity" -> best value seen
    bad: dict[str, int] = field(default_factory=dict)  # "split quantity" -> epochs since it improved
    best_epoch: int = 0  # the kept epoch
    kept: float = math.nan  # its value on keep_on
    kept_learned: bool = False

    @classmethod
    def for_fit(cls, es, evals: Sequence[str], metric: Metric, chance: float | None) -> "EarlyStopping | None":
        """The rule for `train.early_stopping` (None: off) given the splits measured every epoch. With
        `monitor: auto` and a train-dev split, train-dev is watched on its error: its loss keeps creeping
        down long after the network stopped getting more of it right, and would never let training end."""
        if es is None or "dev" not in evals:  # no dev (the final train+dev retrain): every epoch, keep the last
            return None
        split, on_metric = parse_monitor(es.monitor)
        if split == "train_dev" and "train_dev" not in evals:
            raise TrainingError("train.early_stopping.monitor watches train-dev, but this run has no train-dev split; "
                                "set data.split.train_dev, or monitor: auto (or dev)")
        q = "metric" if on_metric else "loss"
        if split == "dev" or (split == "auto" and "train_dev" not in evals):
            watch = (("dev", q),)
        elif split == "train_dev":
            watch = (("train_dev", q),)
        else:
            watch = (("train_dev", "error"), ("dev", q))
        return cls(es.patience, watch, ("dev", q), metric.higher_is_better, es.min_delta, chance)

    @property
    def quantity(self) -> str:
        """What the kept epoch is judged on (on dev)."""
        return self.keep_on[1]

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(split for split, _ in self.watch)

    def _better(self, value: float, than: float, quantity: str) -> bool:
        if not math.isfinite(value):
            return False
        if math.isnan(than):
            return True
        if quantity == "metric" and self.higher_is_better:
            return value > than + self.min_delta
        return value < than - self.min_delta

    def update(self, record: dict, epoch: int) -> tuple[bool, bool]:
        """(keep this epoch's weights, stop now) after an epoch's `record`."""
        for split, q in self.watch:
            key, value = f"{split} {q}", record[split][q]
            if self._better(value, self.best.get(key, math.nan), q):
                self.best[key], self.bad[key] = value, 0
            else:
                self.bad[key] = self.bad.get(key, 0) + 1
        learned = self.chance is None or record["train"]["error"] <= LEARNED * self.chance
        split, q = self.keep_on
        value = record[split][q]
        keep = (learned and not self.kept_learned) or (learned == self.kept_learned and self._better(value, self.kept, q))
        if keep:
            self.best_epoch, self.kept, self.kept_learned = epoch, value, learned
        return keep, all(self.bad.get(f"{s} {q}", 0) >= self.patience for s, q in self.watch)

    def describe(self) -> dict[str, Any]:
        """The rule, for summary.json."""
        return {"watched": [f"{s} {q}" for s, q in self.watch], "kept_on": " ".join(self.keep_on),
                "patience": self.patience, "min_delta": self.min_delta, "kept_learned": self.kept_learned}

    def state(self) -> dict[str, Any]:
        return {"best": self.best, "bad": self.bad, "best_epoch": self.best_epoch, "kept": self.kept,
                "kept_learned": self.kept_learned}

    def restore(self, state: dict[str, Any]) -> None:
        for key in ("best", "bad", "best_epoch", "kept", "kept_learned"):
            if key in state:
                setattr(self, key, state[key])


def parse_monitor(monitor: str) -> tuple[str, bool]:
    """`train.early_stopping.monitor` -> (which split stops training: auto | dev | train_dev, on the metric?)."""
    split, _, quantity = monitor.rpartition("_") if monitor.endswith(("_loss", "_metric")) else (monitor, "", "loss")
    if monitor in ("loss", "metric"):
        split, quantity = "auto", monitor
    return split, quantity == "metric"


def chance_error(head: Head, scorer: "Scorer", metric: Metric, y: torch.Tensor) -> float | None:
    """The error of always answering the same (the training majority class, or the mean): chance level."""
    if y is None or len(y) == 0:
        return None
    n = len(y)
    if head.task == "regression":
        pred = np.full(n, float(y.float().mean()))
        out = Outputs(pred, None, np.zeros(n))
    elif head.task == "multiclass":
        prior = torch.bincount(y.long(), minlength=head.n_outputs).float().cpu().numpy() / n
        out = Outputs(np.full(n, int(prior.argmax())), np.tile(prior, (n, 1)), np.zeros(n))
    else:  # binary and multilabel: each label's training rate
        rate = y.float().mean(0).cpu().numpy()
        proba = np.broadcast_to(rate, y.shape).astype(np.float64).copy()
        out = Outputs((proba >= 0.5).astype(np.int64), proba, np.zeros(n))
    try:
        return float(metric.error(scorer(out, y)))
    except (ValueError, ZeroDivisionError):  # a metric undefined for a constant answer
        return None


@dataclass
class FitResult:
    history: list[dict]
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    seconds: float


class Callback:
    def on_fit_start(self, trainer: "Trainer", start_epoch: int) -> None: ...
    def on_epoch_end(self, trainer: "Trainer", record: dict) -> None: ...
    def on_fit_end(self, trainer: "Trainer", result: FitResult) -> None: ...
    def close(self) -> None:
        """Called after the fit, also when it fails: release files and terminals."""


@dataclass
class State:
    """Everything a resumed run needs besides the model and optimizer tensors."""

    epoch: int = 0  # epochs completed
    history: list[dict] = field(default_factory=list)
    early: dict[str, Any] = field(default_factory=dict)
    scheduler: dict[str, Any] | None = None
    best_weights: dict[str, torch.Tensor] | None = None


@dataclass
class _Plan:
    """What one `fit` call works with, resolved once."""

    train: Tensors
    evals: dict[str, Tensors]
    epochs: int
    usable: int  # training rows used per epoch
    steps: int  # batches per epoch
    early: EarlyStopping | None  # None: every epoch, the last one kept
    sample: Tensors  # the fixed training sample measured every epoch
    params: list[torch.Tensor]


class Trainer:
    def __init__(self, model: nn.Module, head: Head, cfg: Train, metric: Metric, scorer: Scorer,
                 device: torch.device, augmenter: Augmenter | None = None, seed: int | None = None):
        self.model, self.head, self.cfg, self.metric, self.scorer = model.to(device), head.to(device), cfg, metric, scorer
        self.device = device
        self.augmenter = augmenter if augmenter else None
        self.seed = cfg.seed if seed is None else seed
        self.optimizer = make_optimizer(self.model.parameters(), cfg)
        self.scheduler = None
        self.per_batch_schedule = False
        self.state = State()
        self.early: EarlyStopping | None = None
        self.stop = False  # a callback may set this (pruned sweep trials): no further epoch starts

    # ---- the loop -----------------------------------------------------------------------------------
    def fit(self, train: Tensors, evals: dict[str, Tensors] | None = None,
            callbacks: Sequence[Callback] = (), epochs: int | None = None) -> FitResult:
        plan = self._plan(train.to(self.device), {k: v.to(self.device) for k, v in (evals or {}).items()},
                          epochs or self.cfg.epochs)
        try:
            return self._run(plan, callbacks)
        finally:
            for cb in callbacks:
                cb.close()

    def _plan(self, train: Tensors, evals: dict[str, Tensors], epochs: int) -> "_Plan":
        n, bs = len(train), self.cfg.batch_size
        has_bn = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in self.model.modules())
        usable = n - 1 if has_bn and n % bs == 1 and n > 1 else n  # a batch of one breaks batch norm
        steps = math.ceil(usable / bs)
        self.scheduler, self.per_batch_schedule = make_scheduler(self.optimizer, self.cfg, steps)
        if self.state.scheduler and self.scheduler is not None:
            self.scheduler.load_state_dict(self.state.scheduler)
        sample = self._train_sample(train)
        chance = chance_error(self.head, self.scorer, self.metric, sample.y)
        self.early = EarlyStopping.for_fit(self.cfg.early_stopping, list(evals), self.metric, chance)
        if self.early is not None:
            self.early.restore(self.state.early)
        return _Plan(train, evals, epochs, usable, steps, self.early, sample,
                     params=[p for p in self.model.parameters() if p.requires_grad])

    def _run(self, plan: "_Plan", callbacks: Sequence[Callback]) -> FitResult:
        started = time.perf_counter()
        for cb in callbacks:
            cb.on_fit_start(self, self.state.epoch)
        stopped_early = False
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            for epoch in range(self.state.epoch + 1, plan.epochs + 1):
                if self.stop:  # set in on_fit_start: a resumed, pruned sweep trial ends where its checkpoint is
                    break
                epoch_start = time.perf_counter()
                fit_loss = self._train_epoch(plan, self._seed_epoch(epoch))
                if not math.isfinite(fit_loss):
                    raise TrainingError(self._diverged(epoch, fit_loss))
                record, should_stop = self._end_epoch(plan, epoch, fit_loss)
                record["seconds"] = time.perf_counter() - epoch_start
                self.state.history.append(record)
                for cb in callbacks:
                    cb.on_epoch_end(self, record)
                if should_stop or self.stop:
                    stopped_early = should_stop
                    break
        best_epoch = plan.early.best_epoch if plan.early else self.state.epoch
        if plan.early and self.state.best_weights is not None:
            self.model.load_state_dict(self.state.best_weights)  # also when the last epoch was reached
        result = FitResult(self.state.history, best_epoch, self.state.epoch, stopped_early,
                           time.perf_counter() - started)
        for cb in callbacks:
            cb.on_fit_end(self, result)
        return result

    def _train_epoch(self, plan: "_Plan", g: torch.Generator) -> float:
        """One pass over the training data in a fresh permutation; the mean batch loss."""
        train, bs = plan.train, self.cfg.batch_size
        self.model.train()
        perm = torch.randperm(len(train), generator=g, device=self.device)
        total = torch.zeros((), device=self.device)
        for start in range(0, plan.usable, bs):
            idx = perm[start : start + bs]
            inputs, y = train.inputs(idx), gather(train.y, idx)
            if self.augmenter is not None:
                inputs, y = self.augmenter(inputs, y, g)
            if train.w is None:
                loss = self.head.loss(self.model(*inputs), y)
            else:  # importance weights: the loss the target distribution would give
                w = gather(train.w, idx)
                loss = (self.head.loss(self.model(*inputs), y, reduction="none") * w).sum() / w.sum()
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if self.cfg.grad_clip:
                nn.utils.clip_grad_norm_(plan.params, self.cfg.grad_clip)
            self.optimizer.step()
            if self.per_batch_schedule:
                self.scheduler.step()
            total += loss.detach()  # no .item() per batch: it would synchronise a GPU
        return float(total) / max(plan.steps, 1)

    def _end_epoch(self, plan: "_Plan", epoch: int, fit_loss: float) -> tuple[dict, bool]:
        """Measure every split in eval mode, step the schedule, track the best epoch; (record, stop?)."""
        record = {"epoch": epoch, "fit_loss": fit_loss, "lr": self.optimizer.param_groups[0]["lr"],
                  "train": self.measure(plan.sample)}
        for name, data in plan.evals.items():
            record[name] = self.measure(data)
        if self.scheduler is not None and not self.per_batch_schedule:
            if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                self.scheduler.step(record["dev"]["loss"] if "dev" in record else fit_loss)
            else:
                self.scheduler.step()
        should_stop = False
        if plan.early:
            for split, what in plan.early.watch:
                if not math.isfinite(record[split][what]):
                    raise TrainingError(self._diverged(epoch, record[split][what], where=f"{split} {what}"))
            keep, should_stop = plan.early.update(record, epoch)
            if keep:
                self.state.best_weights = _copy_weights(self.model)
        self.state.epoch = epoch
        self.state.early = plan.early.state() if plan.early else {}
        self.state.scheduler = self.scheduler.state_dict() if self.scheduler is not None else None
        return record, should_stop

    def _seed_epoch(self, epoch: int) -> torch.Generator:
        """Dropout (global RNG, forked) and shuffling/augmentation (the generator) from (seed, epoch)."""
        g = seed_generator(self.seed, epoch, self.device)
        torch.manual_seed(g.initial_seed())
        return g

    def _train_sample(self, train: Tensors) -> Tensors:
        return train_sample(train, self.cfg.eval_sample, self.seed)

    def _diverged(self, epoch: int, value: float, where: str = "training loss") -> str:
        clip = f"gradient clipping (train.grad_clip: 1.0)" if not self.cfg.grad_clip else f"a smaller train.grad_clip"
        return (
            f"epoch {epoch}: the {where} became {value}; try a lower learning rate (train.lr is {self.cfg.lr:g}), "
            f"{clip}, or check the inputs for extreme or missing values"
        )

    # ---- evaluation -----------------------------------------------------------------------------------
    def predict(self, data: Tensors) -> Outputs:
        return predict(self.model, self.head, data)

    def measure(self, data: Tensors) -> dict[str, float]:
        out = self.predict(data)
        value = self.scorer(out, data.y)
        return {"loss": float(np.mean(out.loss)), "metric": value, "error": self.metric.error(value)}


def seed_generator(seed: int, epoch: int, device: torch.device) -> torch.Generator:
    """The generator for one epoch: derived from (seed, epoch), so a resumed run draws the same."""
    g = torch.Generator(device=device)
    g.manual_seed((seed * 1_000_003 + epoch * 7919) % (2**63 - 1))
    return g


def train_sample(train: Tensors, size: int, seed: int) -> Tensors:
    """The fixed sample of training rows whose loss and metric are measured every epoch."""
    if len(train) <= size:
        return train
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(train), generator=g)[:size].sort().values.to(train.device)
    return train.take(idx)


def predict(model: nn.Module, head: Head, data: Tensors, batch_size: int = EVAL_BATCH) -> Outputs:
    """Outputs in eval mode, in batches, without gradients; the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    logits = []
    with torch.inference_mode():
        for start in range(0, len(data), batch_size):
            idx = torch.arange(start, min(start + batch_size, len(data)), device=data.device)
            logits.append(model(*[t.to(device) for t in data.inputs(idx)]))
    model.train(was_training)
    out = torch.cat(logits) if logits else torch.empty(0, head.n_outputs)
    y = None if data.y is None else data.y.to(out.device)
    return head.outputs(out, y)


def _copy_weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}

