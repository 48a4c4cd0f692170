"""Train same-shape candidates together: one vectorised ensemble (torch.func).

Candidates that share an architecture and differ in optimizer settings (learning rate, weight decay,
momentum, seed, schedule, early stopping) are stacked with `stack_module_state` and trained with one
`vmap`-ed forward and backward per batch. Each member keeps its own permutation of the data (from its
seed), its own learning-rate schedule and early stopping, and an optimizer update that follows
torch.optim's formulas exactly, so a member ends where it would have ended alone (within float
tolerance; dropout draws differ, since vmap draws for all members at once; and a bias feeding a batch
norm has a true gradient of zero, so Adam turns float rounding, which differs between batched and
single matrix products, into small steps of its own: such members agree in loss, not bit for bit).
Augmentation (`train.augment`, the same for every member) is drawn per member from the member's own
generator, in the Trainer's order, and importance weights (`Tensors.w`) weigh each member's loss as the
Trainer does.

    ens = EnsembleTrainer(models, head, [cfg.train for cfg in cfgs], metric, scorer, device)
    results = ens.fit(train, {"dev": dev})     # one FitResult per member; ens.models hold the weights
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from tuneup.config import Train
from tuneup.data.augment import Augmenter
from tuneup.data.encode import Tensors, gather
from tuneup.errors.metrics import Metric
from tuneup.exceptions import TrainingError
from tuneup.models.heads import Head
from tuneup.train.loop import (EarlyStopping, FitResult, Scorer, chance_error, make_scheduler, predict, seed_generator,
                               train_sample)

# settings that may differ between members; everything else must be equal
PER_MEMBER = {"lr", "weight_decay", "momentum", "nesterov", "seed", "schedule", "early_stopping", "epochs", "grad_clip"}


def compatible(cfgs: Sequence[Train], models: Sequence[nn.Module] | None = None) -> str | None:
    """None when these can train as one ensemble; else the reason they cannot."""
    if len(cfgs) < 2:
        return "an ensemble needs at least two members"
    first = cfgs[0].model_dump(exclude=PER_MEMBER)
    for c in cfgs[1:]:
        other = c.model_dump(exclude=PER_MEMBER)
        diff = [k for k in first if first[k] != other[k]]
        if diff:
            return f"members differ in {', '.join(diff)}"
    if any(c.schedule.kind == "onecycle" for c in cfgs):
        return "one-cycle schedules also cycle momentum; train those one by one"
    if models is not None:
        shapes = [[tuple(p.shape) for p in m.state_dict().values()] for m in models]
        if any(s != shapes[0] for s in shapes[1:]):
            return "members have different architectures"
    return None


class VectorOptimizer:
    """SGD (momentum, Nesterov), Adam, AdamW, RMSprop over stacked (M, ...) parameters, with one set of
    hyperparameters per member. The update formulas are torch.optim's (defaults: betas 0.9/0.999,
    eps 1e-8, RMSprop alpha 0.99)."""

    def __init__(self, params: dict[str, torch.Tensor], kind: str, lr: torch.Tensor, weight_decay: torch.Tensor,
                 momentum: torch.Tensor, nesterov: torch.Tensor):
        self.params, self.kind = params, kind
        self.lr, self.wd, self.momentum, self.nesterov = lr, weight_decay, momentum, nesterov
        self.state: dict[str, dict[str, torch.Tensor]] = {k: {} for k in params}
        self.steps = torch.zeros_like(lr)  # per member: frozen members do not count steps
        self.flat: torch.Tensor | None = None
        if kind in ("adam", "adamw"):
            self._flatten()

    def _flatten(self) -> None:
        """Adam's parameters and moments as views into three (M, P) buffers (the `params` dict is
        updated in place), so that a step in which every member moves is a dozen whole-buffer operations
        instead of a dozen per parameter tensor."""
        first = next(iter(self.params.values()))
        m = first.shape[0]
        sizes = [p[0].numel() for p in self.params.values()]
        self.flat = torch.empty((m, sum(sizes)), dtype=first.dtype, device=first.device)
        moments = torch.zeros((2, m, sum(sizes)), dtype=first.dtype, device=first.device)
        offset = 0
        for (name, p), size in zip(list(self.params.items()), sizes):
            part = lambda t: t[:, offset : offset + size].view(p.shape)  # noqa: E731
            with torch.no_grad():
                part(self.flat).copy_(p)
            self.params[name] = part(self.flat).detach().requires_grad_(True)
            self.state[name] = {"exp_avg": part(moments[0]), "exp_avg_sq": part(moments[1])}
            offset += size
        self.moments = moments

    def zero_grad(self) -> None:
        for p in self.params.values():
            p.grad = None

    @torch.no_grad()
    def step(self, active: torch.Tensor) -> None:
        """Update the members where `active` (M,) is True; the others stay exactly as they are."""
        self.steps += active.to(self.steps.dtype)
        everyone = bool(active.all())
        if everyone and self.flat is not None:
            self._adam_flat()
            return
        for name, p in self.params.items():
            if p.grad is not None:
                shape = (-1,) + (1,) * (p.dim() - 1)
                new = self._updated(name, p, p.grad, shape, active.view(shape), everyone)
                if everyone:
                    p.copy_(new)
                else:
                    p.copy_(torch.where(active.view(shape), new, p))

    def _adam_flat(self) -> None:
        """Adam / AdamW when every member steps (the common case): `_updated`'s formulas on the flat
        buffers, in place."""
        flat, (m, v) = self.flat, self.moments
        g = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(len(flat), -1)
                       for p in self.params.values()], dim=1)
        lr, wd = self.lr.view(-1, 1), self.wd.view(-1, 1)
        t = self.steps.clamp_min(1).view(-1, 1)
        if self.kind == "adamw":
            flat.mul_(1 - lr * wd)
        else:
            g.add_(flat * wd)  # L2 in the gradient, as torch.optim's adam does
        m.mul_(0.9).add_(g, alpha=0.1)
        v.mul_(0.999).addcmul_(g, g, value=0.001)
        denom = v.sqrt().div_((1 - 0.999**t).sqrt()).add_(1e-8)
        flat.sub_(torch.div(m, denom, out=denom).mul_(lr / (1 - 0.9**t)))

    def _updated(self, name, p, g, shape, on, everyone) -> torch.Tensor:
        """The parameter after one step; optimizer state changes only for members that are `on`."""
        lr, wd, st = self.lr.view(shape), self.wd.view(shape), self.state[name]
        keep = (lambda new, old: new) if everyone else (lambda new, old: torch.where(on, new, old))  # noqa: E731
        if self.kind != "adamw":
            g = g + wd * p  # L2 in the gradient, as torch.optim does for sgd, adam and rmsprop
        if self.kind == "sgd":
            mom = self.momentum.view(shape)
            # torch: the first step's buffer is the gradient itself, later ones momentum * buffer + gradient
            st["buf"] = g.clone() if "buf" not in st else keep(mom * st["buf"] + g, st["buf"])
            step = torch.where(self.nesterov.view(shape), g + mom * st["buf"], st["buf"])
            return p - lr * torch.where(mom > 0, step, g)
        if self.kind in ("adam", "adamw"):
            if self.kind == "adamw":
                p = p * (1 - lr * wd)
            m = _store(st, "exp_avg", keep(0.9 * st["exp_avg"] + 0.1 * g, st["exp_avg"]))
            v = _store(st, "exp_avg_sq", keep(0.999 * st["exp_avg_sq"] + 0.001 * g * g, st["exp_avg_sq"]))
            t = self.steps.view(shape).clamp_min(1)
            denom = v.sqrt() / (1 - 0.999**t).sqrt() + 1e-8
            return p - (lr / (1 - 0.9**t)) * m / denom
        zeros = torch.zeros_like(p)
        sq = st["square_avg"] = keep(0.99 * st.get("square_avg", zeros) + 0.01 * g * g, st.get("square_avg", zeros))
        return p - lr * g / (sq.sqrt() + 1e-8)


def _store(state: dict[str, torch.Tensor], key: str, value: torch.Tensor) -> torch.Tensor:
    """Write optimizer state into the tensor already there (a view into a flat buffer stays one)."""
    state[key].copy_(value)
    return state[key]


@dataclass
class _Member:
    cfg: Train
    early: EarlyStopping | None  # None: every epoch, the last one kept
    scheduler: object  # a torch scheduler on a one-parameter shadow optimizer: its lr is the member's
    shadow: torch.optim.Optimizer
    history: list
    sample: Tensors | None = None  # the fixed training sample measured every epoch (as Trainer's)
    best: dict[str, torch.Tensor] | None = None
    final: dict[str, torch.Tensor] | None = None  # the state when the member stopped
    epochs_run: int = 0
    stopped_early: bool = False
    done: bool = False


class EnsembleTrainer:
    def __init__(self, models: Sequence[nn.Module], head: Head, cfgs: Sequence[Train], metric: Metric,
                 scorer: Scorer, device: torch.device, augmenter: Augmenter | None = None):
        reason = compatible(cfgs, models)
        if reason:
            raise TrainingError(f"these candidates cannot train as one ensemble: {reason}")
        self.augmenter = augmenter if augmenter else None
        self.models = [m.to(device) for m in models]
        self.head, self.cfgs, self.metric, self.scorer, self.device = head.to(device), list(cfgs), metric, scorer, device
        params, buffers = stack_module_state(self.models)  # (M, ...) leaves
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self.buffers = {k: v.detach().clone() for k, v in buffers.items()}
        self.base = copy.deepcopy(self.models[0]).to("meta")
        self._on_epoch: Callable[[int, dict], bool] | None = None
        as_tensor = lambda values, dtype=torch.float32: torch.tensor(values, dtype=dtype, device=device)  # noqa: E731
        self.optimizer = VectorOptimizer(
            self.params, cfgs[0].optimizer, as_tensor([c.lr for c in cfgs]), as_tensor([c.weight_decay for c in cfgs]),
            as_tensor([c.momentum if c.optimizer == "sgd" else 0.0 for c in cfgs]),
            as_tensor([c.nesterov and c.momentum > 0 for c in cfgs], torch.bool),
        )

    def _loss_fn(self, weighted: bool):
        head, base = self.head, self.base

        def member_loss(params, buffers, inputs, y, w):
            out = functional_call(base, (params, buffers), tuple(inputs))
            if w is None:
                return head.loss(out, y)
            return (head.loss(out, y, reduction="none") * w).sum() / w.sum()  # as Trainer weighs it

        return vmap(member_loss, in_dims=(0, 0, 0, 0, 0 if weighted else None), randomness="different")

    def fit(self, train: Tensors, evals: dict[str, Tensors] | None = None, epochs: int | None = None,
            on_epoch: Callable[[int, dict], bool] | None = None) -> list[FitResult]:
        """`on_epoch(member, record)` sees every member's epoch; True stops that member there (a pruned
        sweep trial), keeping its best weights so far, as a stopped Trainer does."""
        self._on_epoch = on_epoch
        train = train.to(self.device)
        evals = {k: v.to(self.device) for k, v in (evals or {}).items()}
        n, bs, m = len(train), self.cfgs[0].batch_size, len(self.cfgs)
        has_bn = any(isinstance(x, nn.modules.batchnorm._BatchNorm) for x in self.models[0].modules())
        usable = n - 1 if has_bn and n % bs == 1 and n > 1 else n
        steps = math.ceil(usable / bs)
        members = [self._member(c, steps, epochs, train, list(evals)) for c in self.cfgs]
        max_epochs = max(epochs or c.epochs for c in self.cfgs)
        loss_fn = self._loss_fn(train.w is not None)
        started = time.perf_counter()
        with torch.random.fork_rng(devices=[self.device] if self.device.type == "cuda" else []):
            for epoch in range(1, max_epochs + 1):
                active = torch.tensor([not mb.done for mb in members], device=self.device)
                if not active.any():
                    break
                t0 = time.perf_counter()
                self.optimizer.lr = torch.tensor([mb.shadow.param_groups[0]["lr"] for mb in members],
                                                 device=self.device)  # schedules step once an epoch
                gens = [seed_generator(c.seed, epoch, self.device) for c in self.cfgs]  # as Trainer's
                torch.manual_seed(gens[0].initial_seed())  # dropout: reproducible (forked, so nothing leaks)
                perms = torch.stack([torch.randperm(n, generator=g, device=self.device) for g in gens])  # (M, N)
                total = torch.zeros(m, device=self.device)
                for start in range(0, usable, bs):
                    idx = perms[:, start : start + bs]  # (M, B): every member its own batch
                    inputs, y = self._augment(train.inputs(idx), gather(train.y, idx), gens)  # each (M, B, ...)
                    w = None if train.w is None else gather(train.w, idx)
                    losses = loss_fn(self.params, self.buffers, inputs, y, w)  # (M,)
                    self.optimizer.zero_grad()
                    losses.sum().backward()  # members share no parameters: one backward, M gradients
                    self._clip()
                    self.optimizer.step(active)
                    total += losses.detach()
                fit_losses = (total / max(steps, 1)).tolist()
                for i, mb in enumerate(members):
                    if not mb.done:
                        self._end_epoch(i, mb, epoch, fit_losses[i], evals, time.perf_counter() - t0,
                                        epochs or mb.cfg.epochs)
        results = []
        for i, mb in enumerate(members):
            state = mb.best if (mb.early is not None and mb.best) else mb.final
            self.models[i].load_state_dict(state if state is not None else self._member_state(i))
            best = mb.early.best_epoch if mb.early is not None else mb.epochs_run
            results.append(FitResult(mb.history, best, mb.epochs_run, mb.stopped_early, time.perf_counter() - started))
        return results

    def _augment(self, inputs: list[torch.Tensor], y: torch.Tensor,
                 gens: list[torch.Generator]) -> tuple[list[torch.Tensor], torch.Tensor]:
        """Each member's batch through the augmenter with that member's generator, as its Trainer would."""
        if self.augmenter is None:
            return inputs, y
        parts = [self.augmenter([t[i] for t in inputs], y[i], g) for i, g in enumerate(gens)]
        stacked = [torch.stack([p[0][k] for p in parts]) for k in range(len(inputs))]
        return stacked, torch.stack([p[1] for p in parts])

    def _member(self, cfg: Train, steps: int, epochs: int | None, train: Tensors, evals: list[str]) -> _Member:
        shadow = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=cfg.lr)
        scheduler, _ = make_scheduler(shadow, cfg.model_copy(update={"epochs": epochs or cfg.epochs}), steps)
        shadow.step()  # a no-op (no gradient) that tells the scheduler the optimizer has stepped
        sample = train_sample(train, cfg.eval_sample, cfg.seed)
        chance = chance_error(self.head, self.scorer, self.metric, sample.y)
        early = EarlyStopping.for_fit(cfg.early_stopping, evals, self.metric, chance)  # as Trainer's
        return _Member(cfg, early, scheduler, shadow, [], sample)

    def _clip(self) -> None:
        clips = [c.grad_clip for c in self.cfgs]
        if not any(clips):
            return
        grads = [p.grad for p in self.params.values() if p.grad is not None]
        norms = torch.sqrt(sum((g.flatten(1) ** 2).sum(1) for g in grads))  # (M,) like clip_grad_norm_
        limit = torch.tensor([c or math.inf for c in clips], device=self.device)
        coef = (limit / (norms + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.view((-1,) + (1,) * (g.dim() - 1)))

    def _member_state(self, i: int) -> dict[str, torch.Tensor]:
        state = {k: v[i].detach().clone() for k, v in self.params.items()}
        state.update({k: v[i].clone() for k, v in self.buffers.items()})
        return state

    def _end_epoch(self, i: int, mb: _Member, epoch: int, fit_loss: float, evals, seconds, epochs) -> None:
        if not math.isfinite(fit_loss):
            raise TrainingError(
                f"member {i} (train.lr {mb.cfg.lr:g}), epoch {epoch}: the training loss became {fit_loss}; "
                "try a lower learning rate or gradient clipping (train.grad_clip)"
            )
        model = self.models[i]
        model.load_state_dict(self._member_state(i))
        record = {"epoch": epoch, "fit_loss": fit_loss, "lr": mb.shadow.param_groups[0]["lr"],
                  "train": self._measure(model, mb.sample)}
        for name, data in evals.items():
            record[name] = self._measure(model, data)
        if mb.scheduler is not None:
            if isinstance(mb.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                mb.scheduler.step(record["dev"]["loss"] if "dev" in record else fit_loss)
            else:
                mb.scheduler.step()
        stop = False
        if mb.early is not None:
            keep, stop = mb.early.update(record, epoch)
            if keep:
                mb.best = self._member_state(i)
        record["seconds"] = seconds
        mb.history.append(record)
        mb.epochs_run = epoch
        stopped = self._on_epoch is not None and self._on_epoch(i, record)
        if stop or stopped or epoch >= epochs:
            mb.done, mb.stopped_early, mb.final = True, stop, self._member_state(i)

    def _measure(self, model: nn.Module, data: Tensors) -> dict[str, float]:
        out = predict(model, self.head, data)
        value = self.scorer(out, data.y)
        return {"loss": float(out.loss.mean()), "metric": value, "error": self.metric.error(value)}



