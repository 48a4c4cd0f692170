"""What a deployed model computes, as one torch module: raw inputs -> the numeric preprocessing ->
the network -> the output activation. ONNX and TorchScript exports are traced from it, so the exported
file needs nothing from Python but the category-string -> index mapping (from encoder.json).

Inputs (batch first, any batch size):
    tables  `features` (B, D_raw) float32, NaN = missing (`Encoder.raw_numeric`);
            `categories` (B, K) int64 codes (0 = unknown), only when some categoricals are embedded
    images  `image` (B, C, H, W) float32 pixels in [0, 1] (the network normalizes them itself)
Output `output`: binary (B,) P(positive class); multiclass (B, C) and multilabel (B, L) probabilities;
regression (B,) in the target's own units.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from tuneup.data.encode import Encoder
from tuneup.models.heads import Head

OUTPUT = "output"
OPSET = 17


def input_names(encoder: Encoder) -> list[str]:
    if encoder.kind == "image":
        return ["image"]
    return ["features", "categories"] if encoder.embedded else ["features"]


class InferenceModule(nn.Module):
    def __init__(self, network: nn.Module, encoder: Encoder):
        super().__init__()
        self.preprocess = encoder.preprocess_module() if encoder.kind == "table" else None
        self.network = network.eval()
        self.head = Head(encoder.task, encoder.n_outputs)
        target = encoder.spec["target"]
        self.register_buffer("target_mean", torch.tensor(float(target.get("mean", 0.0))))
        self.register_buffer("target_std", torch.tensor(float(target.get("std", 1.0))))

    def forward(self, x: torch.Tensor, categories: torch.Tensor | None = None) -> torch.Tensor:
        if self.preprocess is not None:
            x = self.preprocess(x)  # (B, D_raw) -> (B, D)
        out = self.head.probabilities(self.network(x, categories))
        if self.head.task == "regression":
            out = out * self.target_std + self.target_mean  # standardized on train -> the target's units
        return out


def example_inputs(feeds: dict[str, np.ndarray], rows: int = 2) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(v[:rows])) for v in feeds.values())


def to_onnx(module: InferenceModule, encoder: Encoder, feeds: dict[str, np.ndarray], path: Path) -> Path:
    """Trace `module` into an ONNX file with a dynamic batch axis on every input and the output."""
    import warnings

    names = input_names(encoder)
    axes = {n: {0: "batch"} for n in [*names, OUTPUT]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter announces its own deprecation
        torch.onnx.export(module.eval(), example_inputs(feeds), str(path), input_names=names, output_names=[OUTPUT],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False, do_constant_folding=True)
    return path


def to_torchscript(module: InferenceModule, feeds: dict[str, np.ndarray], path: Path) -> Path:
    import warnings

    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # torch.jit is deprecated upstream; still the PyTorch-side format asked for
        traced = torch.jit.trace(module.eval(), example_inputs(feeds))
        traced.save(str(path))
    return path


def torch_outputs(module: nn.Module, feeds: dict[str, np.ndarray], batch: int = 1024) -> np.ndarray:
    """The module's outputs on `feeds`, in batches, as float32 numpy."""
    n = len(next(iter(feeds.values())))
    parts = []
    with torch.inference_mode():
        for start in range(0, n, batch):
            args = [torch.from_numpy(np.ascontiguousarray(v[start : start + batch])) for v in feeds.values()]
            parts.append(module(*args).float().numpy())
    return np.concatenate(parts) if parts else np.empty((0,), dtype=np.float32)
