"""Building the trainer: a fresh model for a config on prepared data, with its head (loss and class
weights), its augmentations and the device to train on."""
from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from tuneup.config import Config
from tuneup.data.augment import Augmenter
from tuneup.models.heads import Head, class_weights
from tuneup.models.nets import build_model, resolve_kind
from tuneup.train.loop import Trainer, resolve_device

if TYPE_CHECKING:
    from tuneup.pipeline.preparation import Prepared


def build(prepared: Prepared, cfg: Config | None = None, device: torch.device | None = None) -> Trainer:
    """A trainer with a fresh model for `cfg` (default: the prepared config) on the prepared data."""
    cfg = cfg or prepared.cfg
    enc = prepared.encoder
    resolve_kind(cfg.model, enc.input_spec())
    device = device or resolve_device(cfg.train.device)
    train = prepared.tensors["train"]
    weights = class_weights(enc.task, train.y, enc.n_outputs, cfg.train.class_weights)
    head = Head(enc.task, enc.n_outputs, weights)
    model = build_model(cfg.model, enc, seed=cfg.train.seed)
    augmenter = Augmenter(cfg.train.augment, enc.kind, enc.task, enc.n_outputs)
    return Trainer(model, head, cfg.train, prepared.metric, prepared.scorer(), device, augmenter)

