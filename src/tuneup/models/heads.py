"""Task heads: the output activation and the loss follow from the task.

    binary      one logit   sigmoid   BCE with logits (pos_weight for skewed data)
    multiclass  C logits    softmax   cross-entropy (class weights; soft targets for mixup)
    multilabel  L logits    sigmoid   BCE with logits per label
    regression  one output  none      MSE on targets standardized on train; reported in original units
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from tuneup.config import TASKS


@dataclass
class Outputs:
    """What a model said about some examples, in the form metrics and predictions files want."""

    pred: np.ndarray  # binary/multiclass: class index (N,); multilabel (N, L) 0/1; regression (N,) encoded units
    proba: np.ndarray | None  # binary (N,) P(positive); multiclass (N, C); multilabel (N, L); regression None
    loss: np.ndarray  # (N,) per-example loss


class Head:
    def __init__(self, task: str, n_outputs: int, class_weights: torch.Tensor | None = None, threshold: float = 0.5):
        assert task in TASKS, task
        self.task, self.n_outputs, self.threshold = task, n_outputs, threshold
        self.class_weights = class_weights

    @property
    def activation(self) -> str:
        return {"binary": "sigmoid", "multiclass": "softmax", "multilabel": "sigmoid", "regression": "none"}[self.task]

    def to(self, device: torch.device) -> "Head":
        if self.class_weights is not None:
            self.class_weights = self.class_weights.to(device)
        return self

    def loss(self, out: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
        """`out`: raw model outputs (logits); `y`: encoded targets (soft targets allowed)."""
        w = self.class_weights
        if self.task == "binary":
            return F.binary_cross_entropy_with_logits(out.squeeze(-1), y.to(out.dtype), pos_weight=w, reduction=reduction)
        if self.task == "multiclass":
            return F.cross_entropy(out, y, weight=w, reduction=reduction)
        if self.task == "multilabel":
            loss = F.binary_cross_entropy_with_logits(out, y.to(out.dtype), pos_weight=w, reduction="none").mean(-1)
            return loss.mean() if reduction == "mean" else loss
        return F.mse_loss(out.squeeze(-1), y.to(out.dtype), reduction=reduction)

    def probabilities(self, out: torch.Tensor) -> torch.Tensor:
        """The output activation: what an exported model returns."""
        if self.task == "binary":
            return torch.sigmoid(out.squeeze(-1))
        if self.task == "multiclass":
            return torch.softmax(out, dim=-1)
        if self.task == "multilabel":
            return torch.sigmoid(out)
        return out.squeeze(-1)

    def outputs(self, out: torch.Tensor, y: torch.Tensor | None) -> Outputs:
        with torch.no_grad():
            loss = self.loss(out, y, reduction="none") if y is not None else torch.full((out.shape[0],), float("nan"))
            p = self.probabilities(out).float().cpu().numpy()
        loss = loss.float().cpu().numpy()
        if self.task == "regression":
            return Outputs(p, None, loss)
        if self.task == "multiclass":
            return Outputs(p.argmax(-1), p, loss)
        return Outputs((p >= self.threshold).astype(np.int64), p, loss)


def class_weights(task: str, y: torch.Tensor, n_outputs: int, mode: str) -> torch.Tensor | None:
    """'balanced' weights from the training labels (scikit-learn's formula), or None."""
    if mode == "none" or task == "regression":
        return None
    if task == "binary":
        pos = y.float().sum()
        return ((y.numel() - pos) / pos.clamp_min(1)).reshape(())  # pos_weight = negatives / positives
    if task == "multilabel":
        pos = y.float().sum(0)
        return (y.shape[0] - pos) / pos.clamp_min(1)
    counts = torch.bincount(y.long(), minlength=n_outputs).float()
    return torch.where(counts > 0, y.numel() / (n_outputs * counts.clamp_min(1)), torch.zeros_like(counts))
