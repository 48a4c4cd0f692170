"""The learning-rate range test (Smith, "Cyclical learning rates", 2017; fastai's `lr_find`).

Train a fresh model for a hundred mini-batches while the learning rate grows exponentially from
1e-6 to 1. The (smoothed) loss first barely moves, then falls faster and faster, then explodes. A
learning rate a tenth of the one at the loss minimum sits on the steep part: fast and still stable.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch

from tuneup.exceptions import TrainingError

SMOOTHING = 0.9  # exponential moving average of the loss, bias-corrected
EXPLODED = 4.0  # stop once the smoothed loss is this many times its minimum
STEPS = 100


@dataclass
class LRRange:
    lrs: list[float]
    losses: list[float]  # smoothed
    suggested: float  # a tenth of the learning rate at the smoothed loss's minimum
    at_minimum: float

    def to_dict(self) -> dict:
        return asdict(self)


def lr_range_test(trainer, train, batch_size: int, start: float = 1e-6, end: float = 1.0, steps: int = STEPS,
                  seed: int = 0, on_step: Callable[[float, float], None] | None = None) -> LRRange:
    """Run the test with a fresh `trainer` (its model and optimizer are used up) on the `train` Tensors;
    `on_step(lr, smoothed loss)` after every step (progress)."""
    model, head, opt = trainer.model, trainer.head, trainer.optimizer
    train = train.to(trainer.device)
    n = len(train)
    batch = max(2, min(batch_size, n))
    factor = (end / start) ** (1 / max(steps - 1, 1))
    g = torch.Generator(device=trainer.device).manual_seed(seed)
    lrs, losses, avg, best = [], [], 0.0, math.inf
    model.train()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for i in range(steps):
            lr = start * factor**i
            for group in opt.param_groups:
                group["lr"] = lr
            idx = torch.randint(0, n, (batch,), generator=g, device=trainer.device)
            inputs, y = train.inputs(idx), train.y[idx]
            if trainer.augmenter is not None:
                inputs, y = trainer.augmenter(inputs, y, g)
            loss = head.loss(model(*inputs), y)
            value = float(loss.detach())
            if not math.isfinite(value):
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            avg = SMOOTHING * avg + (1 - SMOOTHING) * value
            smooth = avg / (1 - SMOOTHING ** (i + 1))
            lrs.append(lr)
            losses.append(smooth)
            if on_step is not None:
                on_step(lr, smooth)
            if i > 10 and smooth > EXPLODED * best:
                break
            best = min(best, smooth)
    if not losses:
        raise TrainingError(f"the learning-rate range test diverged at its first step ({start:g}): check the inputs "
                            "for extreme or missing values, or give train.lr")
    at_min = lrs[int(np.argmin(losses))]
    return LRRange(lrs, losses, at_min / 10, at_min)
