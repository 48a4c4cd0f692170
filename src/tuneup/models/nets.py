"""Networks built from the config: an MLP (with embeddings for categorical columns) and a small CNN.

The seeds' BNNet is `model: {kind: mlp, hidden: [48, 24], batch_norm: true}` on 784 inputs:
Linear(784, 48) -> BatchNorm1d(48) -> ReLU -> Linear(48, 24) -> BatchNorm1d(24) -> ReLU -> Linear(24, 10).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from tuneup.config import Model
from tuneup.exceptions import ConfigError
from tuneup.models.families.estimators import is_family

if TYPE_CHECKING:
    from tuneup.data.encode import Encoder

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


class ImageInput(nn.Module):
    """Pixels in [0, 1] -> normalized by the training set's channel mean and std."""

    def __init__(self, mean: list[float], std: list[float]):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, H, W)
        return (x - self.mean) / self.std


class MLP(nn.Module):
    """Tables (numeric block + embedded categoricals) or flattened images -> outputs."""

    def __init__(self, n_inputs: int, hidden: list[int], n_outputs: int, activation: str = "relu",
                 batch_norm: bool = False, dropout: float = 0.0, cardinalities: list[int] | None = None,
                 embedding_dim: int | None = None, image_input: ImageInput | None = None):
        super().__init__()
        self.image_input = image_input
        self.embeddings = nn.ModuleList(
            nn.Embedding(card, embedding_dim or min(16, (card + 1) // 2)) for card in (cardinalities or [])
        )
        width = n_inputs + sum(e.embedding_dim for e in self.embeddings)
        layers: list[nn.Module] = []
        for size in hidden:
            layers.append(nn.Linear(width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, n_outputs))
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, x_cat: torch.Tensor | None = None) -> torch.Tensor:
        if self.image_input is not None:
            x = self.image_input(x).flatten(1)  # (B, C*H*W)
        if len(self.embeddings):
            x = torch.cat([x, *(emb(x_cat[:, i]) for i, emb in enumerate(self.embeddings))], dim=1)
        return self.body(x)


class CNN(nn.Module):
    """Conv blocks (conv -> [BN] -> activation -> max-pool -> [dropout]), the last feature map average-pooled
    to a `head_grid` x `head_grid` grid and flattened, a linear head.

    A grid rather than global average pooling: on small images the last map is 4x4 or so, and averaging it
    to one number per channel throws away where the strokes are (a 6 and a 9 share their parts)."""

    def __init__(self, shape: list[int], channels: list[int], n_outputs: int, image_input: ImageInput,
                 activation: str = "relu", batch_norm: bool = True, dropout: float = 0.0, kernel_size: int = 3,
                 head_grid: int = 4):
        super().__init__()
        self.image_input = image_input
        c, h, w = shape
        layers: list[nn.Module] = []
        for out in channels:
            layers.append(nn.Conv2d(c, out, kernel_size, padding=kernel_size // 2))
            if batch_norm:
                layers.append(nn.BatchNorm2d(out))
            layers.append(ACTIVATIONS[activation]())
            if min(h, w) >= 4:
                layers.append(nn.MaxPool2d(2))
                h, w = h // 2, w // 2
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            c = out
        self.features = nn.Sequential(*layers)
        grid = (min(head_grid, h), min(head_grid, w))
        self.pool = nn.AdaptiveAvgPool2d(grid)
        self.head = nn.Linear(c * grid[0] * grid[1], n_outputs)

    def forward(self, x: torch.Tensor, x_cat: torch.Tensor | None = None) -> torch.Tensor:
        x = self.features(self.image_input(x))  # (B, C', H', W')
        return self.head(self.pool(x).flatten(1))  # (B, C' * grid * grid) -> (B, outputs)


FIRST_CHANNELS, MAX_CHANNELS = 16, 128


def auto_channels(shape: list[int]) -> list[int]:
    """Conv blocks for an image size, chosen by measurement (BENCHMARKS.md, "Default models"): one block per
    halving until the map is about 4x4 (32x32 -> [16, 32, 64]; 64x64 -> [16, 32, 64, 128]), channels
    doubling from 16. Two wide blocks over a 32x32 image ([32, 64]) fit 3-10x slower per epoch and in
    more epochs: the first block's cost grows with its width at full resolution."""
    size = min(shape[1], shape[2])
    blocks = min(max(int(math.log2(max(size, 4))) - 2, 1), 5)
    return [min(FIRST_CHANNELS * 2**i, MAX_CHANNELS) for i in range(blocks)]


def resolve_architecture(cfg: Model, input_spec: dict[str, Any]) -> dict[str, Any]:
    """The settings `model` leaves to the data, as dotted overrides with a reason: {key: (value, why)}."""
    out: dict[str, Any] = {}
    kind = resolve_kind(cfg, input_spec)
    if cfg.kind == "auto":
        out["model.kind"] = (kind, "images: a CNN" if kind == "cnn" else "a table: an MLP")
    if kind == "cnn" and cfg.channels is None:
        c, h, w = input_spec["shape"]
        out["model.channels"] = (auto_channels(input_spec["shape"]),
                                 f"{h}x{w} images: one conv block per halving down to a ~4x4 map")
    return out


def resolve_kind(cfg: Model, input_spec: dict[str, Any]) -> str:
    if cfg.kind == "auto":
        return "cnn" if input_spec["kind"] == "image" else "mlp"
    if cfg.kind == "cnn" and input_spec["kind"] != "image":
        raise ConfigError("model.kind 'cnn' needs images, but this data is a table; use model.kind: mlp (or auto)")
    return cfg.kind


def build_model(cfg: Model, encoder: "Encoder", seed: int = 0) -> nn.Module:
    """The network for this data and config, initialised reproducibly from `seed` (global RNG untouched)."""
    input_spec, n_outputs = encoder.input_spec(), encoder.n_outputs
    kind = resolve_kind(cfg, input_spec)
    if is_family(kind):
        raise ConfigError(f"model.kind '{kind}' is a scikit-learn model, not a network: this step trains networks "
                          "only (a learning-rate range test, a learning curve, a train+dev retrain or an ensemble); "
                          "use model.kind mlp, cnn or auto for it")
    image_input = encoder.preprocess_module() if input_spec["kind"] == "image" else None
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if kind == "cnn":
            channels = cfg.channels if cfg.channels is not None else auto_channels(input_spec["shape"])
            model = CNN(input_spec["shape"], channels, n_outputs, image_input, cfg.activation,
                        cfg.batch_norm, cfg.dropout, cfg.kernel_size, cfg.head_grid)
        elif input_spec["kind"] == "image":
            c, h, w = input_spec["shape"]
            model = MLP(c * h * w, cfg.hidden, n_outputs, cfg.activation, cfg.batch_norm, cfg.dropout,
                        image_input=image_input)
        else:
            model = MLP(input_spec["n_features"], cfg.hidden, n_outputs, cfg.activation, cfg.batch_norm, cfg.dropout,
                        input_spec.get("cardinalities"), cfg.embedding_dim)
        initialise(model, cfg.init, cfg.activation)
    return model


def initialise(model: nn.Module, init: str, activation: str) -> None:
    """He (Kaiming) or Xavier (Glorot) weights with zero biases; 'default' keeps PyTorch's."""
    if init == "default":
        return
    nonlinearity = {"gelu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "leaky_relu": "leaky_relu"}.get(activation, "relu")
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d)):
            if init == "he":
                nn.init.kaiming_normal_(m.weight, nonlinearity=nonlinearity)
            else:
                nn.init.xavier_normal_(m.weight, gain=nn.init.calculate_gain(nonlinearity))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
