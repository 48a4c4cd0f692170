"""Preparing the data for a model: stage it (`staging.stage`), fit the encoder on the train split only,
encode every split into tensors, and fill in the settings the config leaves to the data (architecture,
learning rate). `prepare(cfg)` is cached per data set, so the improve loop and sweeps that train many
candidates on the same data pay for it once."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from tuneup import _memory, _progress
from tuneup.config import Config, load_config
from tuneup.data import sources
from tuneup.data.dataset import Dataset
from tuneup.data.encode import Encoder, Tensors
from tuneup.data.split import Splits
from tuneup.errors.metrics import Metric, get_metric
from tuneup.exceptions import ConfigError
from tuneup.models.families import is_family
from tuneup.models.heads import Outputs
from tuneup.pipeline.staging import Inferred, Staged, data_key, stage
from tuneup.pipeline.trainer import build


@dataclass
class Prepared:
    """Data ready for a model: the resolved config, the examples, their splits, the fitted encoder,
    and one Tensors per split (on the CPU)."""

    cfg: Config
    dataset: Dataset
    splits: Splits
    encoder: Encoder
    tensors: dict[str, Tensors]
    metric: Metric
    notes: list[Inferred] = field(default_factory=list)  # what was inferred, and why
    seconds: float = 0.0
    # (baseline names, seed, splits) -> fitted baselines' scores: the same for every candidate on this data
    baselines: dict[tuple, dict] = field(default_factory=dict)
    checks: Any = None  # what `prepare(check=...)` returned: the data checks' report in `run`
    # the settings the config left to the data (architecture, learning rate), resolved into `cfg`
    settings: list[Inferred] = field(default_factory=list)
    learning_rates: dict[str, Any] = field(default_factory=dict)  # config fingerprint -> range test (LRRange)

    @property
    def task(self) -> str:
        return self.encoder.task

    def scorer(self):
        return make_scorer(self.encoder, self.metric)

    def evals(self) -> dict[str, Tensors]:
        """The held-out splits a model is measured on while it trains (dev: for early stopping)."""
        return {s: self.tensors[s] for s in EVALUATED if s in self.tensors}

    def resplit(self, splits: Splits) -> Prepared:
        """The same data cut another way (a K-fold model's dev fold, train + dev for the final retrain), the
        encoder fitted again on the new train rows: nothing else is fitted on more than train."""
        encoder, tensors = encode(self.dataset, splits, self.cfg)
        return Prepared(self.cfg, self.dataset, splits, encoder, tensors, self.metric, self.notes,
                        settings=self.settings)


EVALUATED = ("train_dev", "dev")
_CACHE: dict[str, Prepared] = {}  # data key -> the prepared data: one data set at a time (tensors can be large)


LEAN_BYTES = 64 * 2**20  # feature tables larger than this are let go once encoded (read again if asked for)


def prepare(cfg: Config | str | Path, use_cache: bool = True, check: Callable[[Staged], Any] | None = None,
            resolve: bool = True) -> Prepared:
    """Load, infer task and metric, split, encode, and (`resolve`) fill in the settings left to the data
    (`resolve_settings`: the architecture, and the learning rate by a range test). `check` looks at the
    data after it is split and before it is encoded (the data checks in `run`); what it returns is kept
    as `Prepared.checks`."""
    cfg = load_config(cfg)
    key = data_key(cfg)
    if use_cache and key in _CACHE:
        hit = _CACHE[key]
        prepared = Prepared(cfg.with_overrides({"task": hit.cfg.task, "metric": hit.cfg.metric}), hit.dataset,
                            hit.splits, hit.encoder, hit.tensors, hit.metric, hit.notes, 0.0, hit.baselines,
                            learning_rates=hit.learning_rates)
        if check is not None:
            prepared.checks = check(Staged(prepared.cfg, hit.dataset, hit.splits, hit.notes, fresh=False))
        return resolve_settings(prepared) if resolve else prepared
    start = time.perf_counter()
    staged = stage(cfg)
    cfg, ds, splits, notes = staged.cfg, staged.dataset, staged.splits, staged.notes
    checked = check(staged) if check is not None else None
    _memory.give_back()  # what splitting and checking freed, before the tensors are allocated
    encoder, tensors = encode(ds, splits, cfg, lean=True)
    _memory.give_back()
    prepared = Prepared(cfg, ds, splits, encoder, tensors, get_metric(cfg.metric, cfg.task), notes,
                        time.perf_counter() - start, checks=checked)
    if use_cache:
        _CACHE.clear()  # one data set at a time: tensors can be large
        _CACHE[key] = prepared
    return resolve_settings(prepared) if resolve else prepared


def resolve_settings(prepared: Prepared) -> Prepared:
    """Fill in what the config leaves to the data, into `prepared.cfg` (and so into the run folder's
    config.yaml): the architecture (`model.kind: auto`, `model.channels` by image size) and, when
    `train.lr` is `auto`, the learning rate a range test finds (fastai's `lr_find`), each with its reason."""
    from tuneup.models.nets import resolve_architecture

    cfg, found = prepared.cfg, []
    arch = resolve_architecture(cfg.model, prepared.encoder.input_spec())
    if arch:
        cfg = cfg.with_overrides({k: v for k, (v, _) in arch.items()})
        found += [Inferred(k, _show(v), why) for k, (v, why) in arch.items()]
    if cfg.train.lr == "auto" and not is_family(cfg.model.kind):  # scikit-learn's models have no learning rate
        test = find_lr(prepared, cfg)
        cfg = cfg.with_overrides({"train.lr": test.suggested})
        found.append(Inferred("train.lr", f"{test.suggested:.2g}", f"learning-rate range test: the loss fell fastest "
                              f"before its minimum near {test.at_minimum:.2g}; a tenth of that"))
    prepared.cfg, prepared.settings = cfg, found
    return prepared


LEFT_TO_DATA = ("task", "metric", "model.kind", "model.channels", "train.lr")  # None or "auto": the data decides


def as_resolved(cfg: Config, resolved: Config, keys: tuple[str, ...] = LEFT_TO_DATA) -> Config:
    """`cfg` with what it leaves to the data (of `keys`: a task or metric left out, `model.kind: auto`,
    `model.channels` unset, `train.lr: auto`) as `resolved` has it, everything else as given: a sweep's
    trials and improve's candidates train the settings the data decided once (no trial repeats the
    range test), and a config that says `lr: auto` is the same config as the run it started."""
    fill = {"task": cfg.task is None, "metric": cfg.metric is None, "model.kind": cfg.model.kind == "auto",
            "model.channels": cfg.model.channels is None, "train.lr": cfg.train.lr == "auto"}
    return cfg.with_overrides({k: resolved.value(k) for k in keys if fill[k]})


def find_lr(prepared: Prepared, cfg: Config | None = None):
    """The learning-rate range test (`train/lr_range.py`) for `cfg`'s model and optimizer on the prepared
    training data, once per configuration (seeded: the same config finds the same rate)."""
    from tuneup.runs import config_fingerprint
    from tuneup.train.lr_range import STEPS, lr_range_test

    cfg = (cfg or prepared.cfg).with_overrides({"train.lr": 1e-3})  # any rate: the test sets its own
    key = config_fingerprint(cfg)
    if key not in prepared.learning_rates:
        with _progress.task("learning-rate range test", total=STEPS) as bar:
            train, _ = training_tensors(prepared, cfg)
            prepared.learning_rates[key] = lr_range_test(
                build(prepared, cfg), train, cfg.train.batch_size, seed=cfg.train.seed,
                on_step=lambda lr, loss: bar.advance(lr=f"{lr:.1e}", loss=f"{loss:.3g}"))
    return prepared.learning_rates[key]


def _show(value: Any) -> str:
    return str(value) if not isinstance(value, list) else "[" + ", ".join(map(str, value)) + "]"


def encode(ds: Dataset, splits: Splits, cfg: Config, lean: bool = False) -> tuple[Encoder, dict[str, Tensors]]:
    """Fit the encoder on the train split only, and encode every split. `lean`: a feature table over
    LEAN_BYTES is let go column by column as it is encoded, so it and the tensors are never both held in
    full; `ds.features` reads the sources again if anything asks for it later."""
    encoder = Encoder.fit(ds, splits.mask("train"), cfg.task, cfg.data.max_onehot, cfg.data.types)
    frame = None
    if lean and ds.kind == "table" and ds.features.memory_usage(index=False).sum() > LEAN_BYTES:
        frame = ds.release_features(lambda: _load_quietly(cfg))
        _memory.give_back()  # the fit's per-column temporaries, before the tensors are allocated
    parts = {s: np.flatnonzero(splits.mask(s)) for s in splits.present()}
    return encoder, encoder.transform_parts(ds, parts, consume=frame)


def _load_quietly(cfg: Config) -> Dataset:
    with _progress.silenced():  # its warnings were said when it was first read
        return sources.load(cfg)


def training_tensors(prepared: Prepared, cfg: Config | None = None) -> tuple[Tensors, dict | None]:
    """The train split as the trainer sees it: with importance weights and the target rows' weight when the
    config asks for them, and what was done to get them (for the summary)."""
    cfg = cfg or prepared.cfg
    train = prepared.tensors["train"]
    w, info = None, None
    if cfg.train.importance_weights != "none":
        from tuneup.data.importance import domain_weights

        w, info = domain_weights(prepared)
    if cfg.train.target_weight != 1.0:
        w, factor = _target_weighted(prepared, cfg, w)
        info = {**(info or {}), "target_weight": factor}
    return (train, None) if w is None else (Tensors(train.x, train.x_cat, train.y, train.ids, w), info)


def _target_weighted(prepared: Prepared, cfg: Config, w: torch.Tensor | None) -> tuple[torch.Tensor, float]:
    """Target-source rows in training (`data.split.target_in_train`) count `train.target_weight` times
    (`balanced`: as much, all together, as the training source's rows): they are few, and theirs is the
    distribution that matters."""
    from tuneup.data.dataset import TARGET_SOURCE

    ds = prepared.dataset
    rows = np.flatnonzero(prepared.splits.mask("train"))  # the train tensors' rows, in this order
    from_target = ds.source[rows] == TARGET_SOURCE
    if not from_target.any():
        raise ConfigError("train.target_weight weighs the target-source rows in training, but there are none: "
                          "move some there with data.split.target_in_train (e.g. 0.2), or leave target_weight at 1")
    tw = cfg.train.target_weight
    factor = float((~from_target).sum() / from_target.sum()) if tw == "balanced" else float(tw)
    base = torch.ones(len(rows)) if w is None else w
    return base * torch.from_numpy(np.where(from_target, factor, 1.0)).float(), factor


def make_scorer(encoder: Encoder, metric: Metric):
    """(outputs, encoded targets) -> the metric, in the target's original units for regression."""
    task = encoder.task

    def score(out: Outputs, y: torch.Tensor) -> float:
        y_np = y.detach().cpu().numpy()
        if task == "regression":
            return metric(encoder.decode_target(y_np), encoder.decode_target(out.pred), None, task)
        if task in ("binary", "multilabel"):
            y_np = y_np.round().astype(np.int64)
        return metric(y_np, out.pred, out.proba, task)

    return score

