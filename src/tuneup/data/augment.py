"""Data augmentation per batch, on the device, with torch ops and a seeded generator.

`train.augment` is a list of named transforms with parameters:

    augment: [hflip, {name: blur, sigma: 1.5}, {name: noise, std: 0.05, p: 1.0}]

Image transforms see float batches (B, C, H, W) in [0, 1]; table transforms see standardized
features (B, D). Every random draw comes from the generator passed in, so a run is reproducible.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from tuneup.exceptions import ConfigError, did_you_mean, shown

Batch = tuple[list[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Transform:
    name: str
    kinds: frozenset[str]  # "image", "table"
    defaults: dict[str, float]
    doc: str


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in [
        Transform("hflip", frozenset({"image"}), {"p": 0.5}, "mirror left-right"),
        Transform("vflip", frozenset({"image"}), {"p": 0.5}, "mirror top-bottom"),
        Transform("shift", frozenset({"image"}), {"p": 0.5, "max": 0.1}, "translate by up to `max` of the size"),
        Transform("crop", frozenset({"image"}), {"p": 0.5, "scale": 0.8}, "zoom into a random crop of at least `scale`"),
        Transform("rotate", frozenset({"image"}), {"p": 0.5, "degrees": 15.0}, "rotate by up to `degrees`"),
        Transform("brightness", frozenset({"image"}), {"p": 0.5, "max": 0.4}, "scale intensity by 1 +- `max`"),
        Transform("contrast", frozenset({"image"}), {"p": 0.5, "max": 0.4}, "scale contrast by 1 +- `max`"),
        Transform("blur", frozenset({"image"}), {"p": 0.5, "sigma": 1.5}, "Gaussian blur, sigma up to `sigma` px"),
        Transform("invert", frozenset({"image"}), {"p": 0.5}, "swap light and dark (1 - pixel): both polarities"),
        Transform(
            "noise", frozenset({"image", "table"}), {"p": 0.5, "std": 0.08},
            "Gaussian noise, std up to `std` (pixels in [0, 1]; table features in standard units)",
        ),
        Transform("mixup", frozenset({"image", "table"}), {"p": 1.0, "alpha": 0.2}, "blend pairs of examples and labels"),
    ]
}


# how far a remedy may push a magnitude: past these a transform destroys the image it should vary
MAGNITUDE_CAPS = {"max": 0.9, "sigma": 4.0, "std": 0.5, "degrees": 45.0, "alpha": 1.0}


def parse_specs(specs: list[str | dict[str, Any]]) -> list[tuple[str, dict[str, float]]]:
    """`[hflip, {name: blur, sigma: 2}]` or `[{blur: {sigma: 2}}]` -> [(name, params)], validated."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            name, given = spec, {}
        elif isinstance(spec, dict) and "name" in spec:
            name, given = spec["name"], {k: v for k, v in spec.items() if k != "name"}
        elif isinstance(spec, dict) and len(spec) == 1:
            name, given = next(iter(spec.items()))
            given = given or {}
        else:
            raise ConfigError(f"train.augment: {shown(spec)} is not a transform; write a name or {{name: NAME, param: value}}")
        if not isinstance(name, str) or name not in TRANSFORMS:
            raise ConfigError(
                f"train.augment: unknown transform {shown(name)}; {did_you_mean(name[:60] if isinstance(name, str) else shown(name), TRANSFORMS)} "
                f"(transforms: {', '.join(TRANSFORMS)})"
            )
        t = TRANSFORMS[name]
        params = dict(t.defaults)
        for key, value in dict(given).items():
            if key not in t.defaults:
                raise ConfigError(
                    f"train.augment: '{name}' has no parameter {shown(key)}; its parameters are: {', '.join(t.defaults)}"
                )
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"train.augment: {name}.{key} = {shown(value)} must be a number >= 0")
            params[key] = float(value)
        if not 0.0 <= params["p"] <= 1.0:
            raise ConfigError(f"train.augment: {name}.p = {params['p']} must be a probability in [0, 1]")
        out.append((name, params))
    return out


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
