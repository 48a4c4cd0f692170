"""Data augmentation per batch, on the device, with torch ops and a seeded generator.

`train.augment` is a list of named transforms with parameters:

    augment: [hflip, {name: blur, sigma: 1.5}, {name: noise, std: 0.05, p: 1.0}]

The transforms' names, parameters and caps are `data/transforms.py` (torch-free: the config validates with
it). Image transforms see float batches (B, C, H, W) in [0, 1]; table transforms see standardized features
(B, D). Every random draw comes from the generator passed in, so a run is reproducible.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tuneup.data.transforms import TRANSFORMS, parse_specs
from tuneup.exceptions import ConfigError

Batch = tuple[list[torch.Tensor], torch.Tensor]


class Augmenter:
    """Applies the configured transforms to a batch: `inputs, y = aug(inputs, y, generator)`."""

    def __init__(self, specs: list[str | dict[str, Any]], kind: str, task: str, n_classes: int):
        self.steps = parse_specs(specs)
        self.kind, self.task, self.n_classes = kind, task, n_classes
        for name, _ in self.steps:
            if kind not in TRANSFORMS[name].kinds:
                valid = [n for n, t in TRANSFORMS.items() if kind in t.kinds]
                raise ConfigError(
                    f"train.augment: '{name}' works on {'/'.join(sorted(TRANSFORMS[name].kinds))} data, "
                    f"but this data is a {kind}; transforms for a {kind}: {', '.join(valid)}"
                )

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __call__(self, inputs: list[torch.Tensor], y: torch.Tensor, g: torch.Generator) -> Batch:
        x = inputs[0]
        for name, params in self.steps:
            if name == "mixup":
                inputs, y = _mixup([x, *inputs[1:]], y, params, g, self.task, self.n_classes)
                x = inputs[0]
                continue
            fn = _IMAGE_OPS[name] if self.kind == "image" else _TABLE_OPS[name]
            chosen = torch.rand(x.shape[0], generator=g, device=x.device) < params["p"]  # (B,)
            if chosen.any():
                x = torch.where(_expand(chosen, x), fn(x, params, g), x)
        return [x, *inputs[1:]], y


def _expand(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return mask.view(-1, *([1] * (like.dim() - 1)))


def _uniform(n: int, low: float, high: float, g: torch.Generator, device: torch.device) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=g, device=device)


def _affine(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)  # (B, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


def _hflip(x, p, g):
    return x.flip(-1)


def _vflip(x, p, g):
    return x.flip(-2)


def _shift(x, p, g):
    b = x.shape[0]
    theta = torch.zeros(b, 2, 3, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, :, 2] = _uniform(2 * b, -2 * p["max"], 2 * p["max"], g, x.device).view(b, 2)  # grid units span 2
    return _affine(x, theta)


def _crop(x, p, g):
    b = x.shape[0]
    s = _uniform(b, min(p["scale"], 1.0), 1.0, g, x.device)  # (B,) side of the crop, as a share
    theta = torch.zeros(b, 2, 3, device=x.device)
    theta[:, 0, 0] = theta[:, 1, 1] = s
    theta[:, :, 2] = (1 - s).unsqueeze(1) * _uniform(2 * b, -1.0, 1.0, g, x.device).view(b, 2)
    return _affine(x, theta)


def _rotate(x, p, g):
    b = x.shape[0]
    a = _uniform(b, -p["degrees"], p["degrees"], g, x.device) * (math.pi / 180)
    cos, sin = torch.cos(a), torch.sin(a)
    theta = torch.stack([torch.stack([cos, -sin, torch.zeros_like(a)], 1), torch.stack([sin, cos, torch.zeros_like(a)], 1)], 1)
    return _affine(x, theta)


def _brightness(x, p, g):
    f = _uniform(x.shape[0], 1 - p["max"], 1 + p["max"], g, x.device)
    return (x * _expand(f, x)).clamp(0, 1)


def _contrast(x, p, g):
    f = _uniform(x.shape[0], 1 - p["max"], 1 + p["max"], g, x.device)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return ((x - mean) * _expand(f, x) + mean).clamp(0, 1)


def _blur(x, p, g):
    b, c, h, w = x.shape
    sigma = _uniform(b, 0.3, max(p["sigma"], 0.3), g, x.device)  # (B,)
    radius = max(1, int(math.ceil(2 * max(p["sigma"], 0.3))))
    offsets = torch.arange(-radius, radius + 1, device=x.device, dtype=x.dtype)  # (K,)
    kernel = torch.exp(-(offsets[None] ** 2) / (2 * sigma[:, None] ** 2))
    kernel = kernel / kernel.sum(1, keepdim=True)  # (B, K)
    kernel = kernel.repeat_interleave(c, 0)  # (B*C, K): one kernel per image and channel
    flat = F.pad(x.reshape(1, b * c, h, w), (radius, radius, radius, radius), mode="replicate")
    flat = F.conv2d(flat, kernel.view(b * c, 1, 1, -1), groups=b * c)  # along width
    flat = F.conv2d(flat, kernel.view(b * c, 1, -1, 1), groups=b * c)  # along height
    return flat.view(b, c, h, w)


def _invert(x, p, g):
    return 1.0 - x


def _noise_image(x, p, g):
    std = _uniform(x.shape[0], 0.0, p["std"], g, x.device)
    return (x + _expand(std, x) * torch.randn(x.shape, generator=g, device=x.device)).clamp(0, 1)


def _noise_table(x, p, g):
    return x + p["std"] * torch.randn(x.shape, generator=g, device=x.device)


def _mixup(inputs, y, p, g, task, n_classes):
    x = inputs[0]
    b = x.shape[0]
    seed = int(torch.randint(0, 2**31 - 1, (1,), generator=g, device=x.device))
    lam = float(np.random.default_rng(seed).beta(max(p["alpha"], 1e-3), max(p["alpha"], 1e-3)))
    lam = max(lam, 1 - lam)  # keep the first example dominant, as fastai does
    perm = torch.randperm(b, generator=g, device=x.device)
    mixed = [lam * x + (1 - lam) * x[perm], *inputs[1:]]  # categorical codes stay with the first example
    if task == "multiclass":
        y = F.one_hot(y.long(), n_classes).to(x.dtype) if y.dim() == 1 else y
    y = lam * y + (1 - lam) * y[perm]
    return mixed, y


_IMAGE_OPS: dict[str, Callable] = {
    "hflip": _hflip, "vflip": _vflip, "shift": _shift, "crop": _crop, "rotate": _rotate,
    "brightness": _brightness, "contrast": _contrast, "blur": _blur, "noise": _noise_image, "invert": _invert,
}
_TABLE_OPS: dict[str, Callable] = {"noise": _noise_table}
