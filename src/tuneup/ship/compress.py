"""Compression: int8 dynamic quantization (ONNX Runtime) and magnitude pruning with a short fine-tune.

Both are only candidates: `tradeoff.py` measures what each costs on dev, overall and per slice.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from torch import nn

from tuneup.exceptions import UserError

PRUNABLE = (nn.Linear, nn.Conv2d)
FINETUNE_LR_SCALE = 0.1  # fine-tuning a trained network: a tenth of its learning rate


def quantize_int8(src: Path, dst: Path) -> Path:
    """Weights to int8, activations quantized on the fly (dynamic quantization)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "pre.onnx"
        quant_pre_process(str(src), str(prepared))  # shape inference + graph clean-up, as ONNX Runtime asks
        quantize_dynamic(str(prepared), str(dst), weight_type=QuantType.QInt8)
    return dst


def check_fraction(fraction: float) -> float:
    if not 0.0 < fraction < 1.0:
        raise UserError(f"--prune {fraction}: the share of weights to remove must be between 0 and 1, e.g. --prune 0.5")
    return fraction


def prunable(model: nn.Module) -> list[tuple[nn.Module, str]]:
    return [(m, "weight") for m in model.modules() if isinstance(m, PRUNABLE)]


def sparsity(model: nn.Module) -> float:
    """Share of zero weights over the prunable layers."""
    weights = [m.weight.detach() for m, _ in prunable(model)]
    total = sum(w.numel() for w in weights)
    return float(sum(int((w == 0).sum()) for w in weights) / max(total, 1))


def prune_and_finetune(run, fraction: float, epochs: int = 3) -> tuple[nn.Module, dict]:
    """Global unstructured L1 pruning of the run's network, then a short fine-tune through the foundation
    trainer (train split; dev for early stopping, as in training). Returns the network with the pruning
    made permanent, and what was done."""
    from torch.nn.utils import prune

    from tuneup.pipeline.preparation import prepare
    from tuneup.pipeline.trainer import build

    check_fraction(fraction)
    prepared = prepare(run.config)
    if prepared.encoder.spec != run.encoder.spec:
        raise UserError(f"run '{run.name}': its data changed since training (the refitted encoder differs); "
                        "pruning needs the training data as it was")
    cfg = prepared.cfg.with_overrides({"train.epochs": epochs, "train.checkpoint": False,
                                       "train.lr": run.config.train.lr * FINETUNE_LR_SCALE})
    trainer = build(prepared, cfg)
    trainer.model.load_state_dict(run.load_model().state_dict())
    params = prunable(trainer.model)
    prune.global_unstructured(params, pruning_method=prune.L1Unstructured, amount=fraction)
    fit = trainer.fit(prepared.tensors["train"], prepared.evals())
    for module, name in params:
        prune.remove(module, name)  # weight = weight_orig * mask, for good
    model = trainer.model.to("cpu").eval()
    info = {"fraction": fraction, "finetune_epochs": fit.epochs_run, "best_epoch": fit.best_epoch,
            "finetune_lr": cfg.train.lr, "sparsity": sparsity(model)}
    return model, info


def weights_sparsity_onnx(path: Path) -> float:
    """Share of exact zeros among an ONNX file's float weight tensors of rank >= 2 (what pruning touches)."""
    import onnx
    from onnx import numpy_helper

    zeros = total = 0
    for init in onnx.load(str(path)).graph.initializer:
        arr = numpy_helper.to_array(init)
        if arr.ndim >= 2 and np.issubdtype(arr.dtype, np.floating):
            zeros += int((arr == 0).sum())
            total += arr.size
    return zeros / total if total else 0.0
