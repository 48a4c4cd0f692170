"""`tuneup.run(cfg)`: split -> encode -> baselines -> train -> evaluate -> the run directory.

`prepare(cfg)` does the data half (load, infer task and metric, split, encode) and is cached per data
config, so the improve loop and sweeps that train many candidates on the same data pay for it once.
"""
from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
import torch

from tuneup import __version__, _memory, _progress
from tuneup._io import write_json, write_text, write_with
from tuneup.config import Config, load_config
from tuneup.data import columns, sources
from tuneup.data.augment import Augmenter
from tuneup.data.dataset import Dataset
from tuneup.data.encode import Encoder, Tensors
from tuneup.data.labels import label_key
from tuneup.data.split import Splits, assign
from tuneup.errors.metrics import Metric, default_metric, get_metric
from tuneup.exceptions import ConfigError, UserError
from tuneup.models.baselines import run_baselines
from tuneup.models.families import is_family
from tuneup.models.heads import Head, Outputs, class_weights
from tuneup.models.nets import build_model, count_parameters, resolve_kind
from tuneup import runs as rd
from tuneup.train.callbacks import Checkpointer, HistoryWriter, ProgressBar, TensorBoardLogger, load_checkpoint
from tuneup.train.loop import Callback, FitResult, Trainer, chance_error, predict, resolve_device


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


_CACHE: dict[str, Prepared] = {}


@dataclass(frozen=True)
class Inferred:
    """A setting tuneup chose from the data, and why."""

    key: str
    value: str
    why: str

    def __str__(self) -> str:
        return f"{self.key}: {self.value} ({self.why})"


def resolve_task(cfg: Config, ds: Dataset) -> tuple[Config, list[Inferred]]:
    """Fill in `task` and `metric` from the data when the config leaves them out."""
    notes, updates = [], {}
    task = cfg.task
    if task is None:
        task, why = columns.infer_task(ds.y)
        updates["task"] = task
        notes.append(Inferred("task", task, why))
    if cfg.metric is None:
        counts = None if task in ("regression", "multilabel") else ds.y.value_counts().to_numpy()
        metric, why = default_metric(task, counts)
        updates["metric"] = metric
        notes.append(Inferred("metric", metric, why))
    get_metric(updates.get("metric", cfg.metric), task)
    if updates:
        cfg = cfg.with_overrides(updates)
    return cfg, notes


def _data_key(cfg: Config) -> str:
    import json

    d = cfg.to_dict()
    return json.dumps({"data": d["data"], "task": d["task"], "metric": d["metric"], "base": str(cfg.base_dir),
                       "files": sources.identity(cfg)}, sort_keys=True)  # a file rewritten since is read again


@dataclass
class Staged:
    """The data half before encoding: what the data checks look at."""

    cfg: Config
    dataset: Dataset
    splits: Splits
    notes: list[Inferred]
    fresh: bool = True  # read just now, not found in the cache (what was inferred has not been said yet)


LEAN_BYTES = 64 * 2**20  # feature tables larger than this are let go once encoded (read again if asked for)


def prepare(cfg: Config | str | Path, use_cache: bool = True, check: Callable[[Staged], Any] | None = None,
            resolve: bool = True) -> Prepared:
    """Load, infer task and metric, split, encode, and (`resolve`) fill in the settings left to the data
    (`resolve_settings`: the architecture, and the learning rate by a range test). `check` looks at the
    data after it is split and before it is encoded (the data checks in `run`); what it returns is kept
    as `Prepared.checks`."""
    cfg = load_config(cfg)
    key = _data_key(cfg)
    if use_cache and key in _CACHE:
        hit = _CACHE[key]
        prepared = Prepared(cfg.with_overrides({"task": hit.cfg.task, "metric": hit.cfg.metric}), hit.dataset,
                            hit.splits, hit.encoder, hit.tensors, hit.metric, hit.notes, 0.0, hit.baselines,
                            learning_rates=hit.learning_rates)
        if check is not None:
            prepared.checks = check(Staged(prepared.cfg, hit.dataset, hit.splits, hit.notes, fresh=False))
        return resolve_settings(prepared) if resolve else prepared
    start = time.perf_counter()
    ds = sources.load(cfg)
    cfg, notes = resolve_task(cfg, ds)
    splits = assign(ds, cfg.data.split, cfg.task)
    checked = check(Staged(cfg, ds, splits, notes)) if check is not None else None
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


def settled(cfg: Config, prepared: Prepared) -> Config:
    """`cfg` with the settings `resolve_settings` found from the data (architecture, learning rate) filled in,
    everything else as given: what trials, candidates and workers train, so that none repeats the range test
    or trains with a setting still left to the data."""
    resolved = prepared.cfg.to_dict()

    def at(key: str) -> Any:
        value = resolved
        for part in key.split("."):
            value = value[part]
        return value

    return cfg.with_overrides({s.key: at(s.key) for s in prepared.settings})


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


def run(
    cfg: Config | str | Path,
    overrides: dict[str, Any] | None = None,
    name: str | None = None,
    final: bool = False,
    resume: str | Path | None = None,
    callbacks: list[Callback] | None = None,
    progress: bool = True,
    force: bool = False,
) -> rd.Run:
    """Check the data, then train and evaluate one configuration; returns the Run (a handle on its
    directory). Errors found by the checks stop it (`ChecksFailed`) unless `force`."""
    from tuneup.checks.runner import before_run

    if resume is not None:
        return _resume(resume, cfg, overrides, final, callbacks, progress)
    cfg = load_config(cfg, overrides)
    started = time.perf_counter()

    def check(data: Staged):
        for note in data.notes if data.fresh else []:  # said once per data set, not once per candidate
            _progress.info(f"inferred {note}")
        return before_run(data, force, progress)

    prepared = prepare(cfg, check=check)  # the checks look at the data before it is encoded
    cfg, report = prepared.cfg, prepared.checks
    path = rd.new_run_dir(cfg.runs_path(), cfg.name, name)
    try:
        _write_inputs(path, prepared, cfg)
        write_json(path / rd.CHECK, report.to_dict())
        extra = _folds(path, prepared, cfg, progress)
        return _train_and_evaluate(path, prepared, cfg, final, callbacks or [], progress, started, extra=extra)
    except (UserError, ConfigError):
        shutil.rmtree(path, ignore_errors=True)  # bad input leaves nothing half-written behind
        raise


def start_run_dir(prepared: Prepared, cfg: Config, name: str | None = None) -> Path:
    """A new run folder holding the config, splits and encoder, for a model trained outside `run` (a member
    of a vectorised ensemble); `finish_run` completes it."""
    path = rd.new_run_dir(cfg.runs_path(), cfg.name, name)
    _write_inputs(path, prepared, cfg)
    return path


def _write_inputs(path: Path, prepared: Prepared, cfg: Config) -> None:
    resolved = _absolute_paths(cfg)
    write_text(path / rd.CONFIG, resolved.to_yaml())
    prepared.splits.save(path / rd.SPLITS)
    prepared.encoder.save(path / rd.ENCODER)


def _absolute_paths(cfg: Config) -> Config:
    """config.yaml in the run folder reads the same data from anywhere."""
    updates = {}
    for role in ("train", "target"):
        src = getattr(cfg.data, role)
        if src is not None and not src.path.startswith("builtin:"):
            updates[f"data.{role}.path"] = str(Path(cfg.resolve_path(src.path)).resolve())
    return cfg.with_overrides(updates) if updates else cfg


def _resume(ref, cfg, overrides, final, callbacks, progress) -> rd.Run:
    run_ = rd.Run.open(ref)
    if run_.complete:
        raise UserError(f"run '{run_.name}' already finished; nothing to resume (start a new one with `tuneup run`)")
    saved = run_.config
    if cfg is not None:
        wanted = _as_resolved(_absolute_paths(load_config(cfg, overrides)), saved)
        diff = rd.config_diff(saved, wanted)
        if diff:
            raise UserError(
                f"cannot resume '{run_.name}': its config differs from the one given ({'; '.join(diff[:6])}); "
                "resume without a config to use the saved one, or start a new run"
            )
    elif overrides:
        raise UserError("--resume continues a run with its saved config; --set cannot change it")
    started = time.perf_counter()
    prepared = prepare(saved)
    if not np.array_equal(prepared.splits.split, run_.splits.aligned_to(prepared.dataset.ids).split):
        raise UserError(f"cannot resume '{run_.name}': the data or its splits changed since the run started")
    extra = _folds(run_.path, prepared, saved, progress)
    return _train_and_evaluate(run_.path, prepared, saved, final, callbacks or [], progress, started, resuming=True,
                               extra=extra)


def _as_resolved(wanted: Config, saved: Config) -> Config:
    """`wanted` with what it leaves to the data (task, metric, model kind and channels, learning rate) as
    the saved run resolved it: a config that says `lr: auto` is the same config as the run it started."""
    fill = {"task": (wanted.task, saved.task), "metric": (wanted.metric, saved.metric),
            "model.kind": (None if wanted.model.kind == "auto" else 0, saved.model.kind),
            "model.channels": (wanted.model.channels, saved.model.channels),
            "train.lr": (None if wanted.train.lr == "auto" else 0, saved.train.lr)}
    return wanted.with_overrides({k: v for k, (given, v) in fill.items() if given is None})


def _folds(path: Path, prepared: Prepared, cfg: Config, progress: bool) -> dict[str, Any]:
    """K-fold models inside the run folder when data.split.folds is set (`tuneup run --folds K`)."""
    if not cfg.data.split.folds:
        return {}
    from tuneup.diagnose.folds import run_folds

    return {"folds": run_folds(path, prepared, cfg, progress)}


def _train_and_evaluate(path: Path, prepared: Prepared, cfg: Config, final: bool, callbacks: list[Callback],
                        progress: bool, started: float, resuming: bool = False,
                        extra: dict[str, Any] | None = None) -> rd.Run:
    timing: dict[str, float] = {"prepare_s": prepared.seconds}
    train, weighting = training_tensors(prepared, cfg)  # first: a setting that cannot work fails before any work
    splits_for_fit = {s: t for s, t in prepared.tensors.items() if s in ("train_dev", "dev")}
    t0 = time.perf_counter()
    baselines = fit_baselines(prepared, cfg, final)
    timing["baselines_s"] = time.perf_counter() - t0
    if is_family(cfg.model.kind):  # scikit-learn's models: fitted, not trained by epochs
        from tuneup.models.families.run import train_into

        return train_into(path, prepared, cfg, train, final, progress, started, baselines, timing, weighting, extra)

    trainer = build(prepared, cfg)
    checkpoint = path / rd.CHECKPOINT
    if resuming and checkpoint.exists():
        load_checkpoint(checkpoint, trainer)
        _progress.info(f"resuming {path.name} after epoch {trainer.state.epoch}")
    cbs: list[Callback] = [HistoryWriter(path / rd.HISTORY), TensorBoardLogger(path / rd.TENSORBOARD, cfg.metric)]
    if cfg.train.checkpoint:
        cbs.append(Checkpointer(checkpoint))
    if progress:
        cbs.append(ProgressBar(f"training {path.name}", cfg.train.epochs))
    cbs.extend(callbacks)
    t0 = time.perf_counter()
    fit = trainer.fit(train, splits_for_fit, callbacks=cbs)
    timing["train_s"] = time.perf_counter() - t0
    return finish_run(path, prepared, cfg, trainer, fit, final, started, baselines, timing, weighting, extra)


def fit_baselines(prepared: Prepared, cfg: Config, final: bool) -> dict:
    """The baselines on the splits a run scores; fitted once per prepared data (sweeps train many candidates)."""
    scored = [s for s in prepared.tensors if s != "test" or final]
    names = cfg.baselines if cfg.baselines is not None else default_baselines(prepared.encoder.kind)
    key = (tuple(names), cfg.train.seed, tuple(scored))
    if key not in prepared.baselines:
        prepared.baselines[key] = run_baselines(
            names, {s: prepared.tensors[s] for s in scored}, prepared.encoder, prepared.metric, prepared.scorer(),
            seed=cfg.train.seed,
        ) if names else {}
    return prepared.baselines[key]


def finish_run(path: Path, prepared: Prepared, cfg: Config, trainer: Trainer, fit: FitResult, final: bool = False,
               started: float | None = None, baselines: dict | None = None,
               timing: dict[str, float] | None = None, weighting: Any = None,
               extra: dict[str, Any] | None = None, purpose: str = "run --final") -> rd.Run:
    """Evaluate a trained model and write its predictions, weights and summary.json: the second half of
    `run`, also for a model trained elsewhere (a member of a vectorised ensemble, improve's train+dev
    retrain). `weighting` describes the importance weights the model was trained with; `extra` adds keys to
    summary.json (K-fold results); `purpose` is what the test ledger says the look at test was for."""
    if timing is None:
        timing = {"prepare_s": prepared.seconds, "baselines_s": 0.0, "train_s": fit.seconds}
    started = started if started is not None else time.perf_counter() - fit.seconds
    training = {
        "model": resolve_kind(cfg.model, prepared.encoder.input_spec()),
        "parameters": count_parameters(trainer.model),
        "device": str(trainer.device),
        "epochs_run": fit.epochs_run,
        "best_epoch": fit.best_epoch,
        "stopped_early": fit.stopped_early,
        "early_stopping": _early_stopping(trainer),
    }
    timing["per_epoch_s"] = float(np.median([h["seconds"] for h in fit.history])) if fit.history else 0.0
    return write_run(path, prepared, cfg, lambda data: predict(trainer.model, trainer.head, data),
                     lambda outputs: save_model(path / rd.MODEL, trainer.model, cfg), training, final, started,
                     baselines, timing, weighting, extra, purpose)


def write_run(path: Path, prepared: Prepared, cfg: Config, outputs_of: Callable[[Tensors], Outputs],
              save: Callable[[dict[str, Outputs]], Any], training: dict[str, Any], final: bool, started: float,
              baselines: dict | None, timing: dict[str, float], weighting: Any = None,
              extra: dict[str, Any] | None = None, purpose: str = "run --final") -> rd.Run:
    """The part of a run folder every model writes the same way, whatever trained it (a network, a
    scikit-learn family): predictions per split (`outputs_of`), the model artifact (`save`, given the
    predictions), the baselines' predictions, the test ledger, summary.json (`training`: its training block)
    and TensorBoard's hyperparameters."""
    if baselines is None:
        t0 = time.perf_counter()
        baselines = fit_baselines(prepared, cfg, final)
        timing["baselines_s"] = time.perf_counter() - t0
    write_baseline_predictions(path, prepared.encoder, prepared.tensors, baselines)
    scored = [s for s in prepared.tensors if s != "test" or final]
    scorer = prepared.scorer()
    t0 = time.perf_counter()
    results, outputs = {}, {split: outputs_of(prepared.tensors[split]) for split in scored}
    threshold = decide_threshold(path, prepared, cfg, outputs)
    for split in scored:
        data, out = prepared.tensors[split], outputs[split]
        value = scorer(out, data.y)
        results[split] = {"n": len(data), "loss": float(np.mean(out.loss)), "metric": value,
                          "error": prepared.metric.error(value)}
        write_predictions(path / rd.prediction_file(split), prepared.encoder, data, out)
    timing["evaluate_s"] = time.perf_counter() - t0
    save(outputs)

    test_uses = 0
    if final:
        test_ids = rd.ids_hash(prepared.tensors["test"].ids)
        test_uses = rd.record_test_use(path.parent, path.name, rd.config_fingerprint(cfg), test_ids, cfg.metric,
                                       results["test"]["error"], purpose)
        if test_uses > 1:
            _progress.warn(
                f"the test set has now been evaluated {test_uses} times (see {path.parent / rd.LEDGER}); "
                "choosing between runs by test error makes it an optimistic, second dev set"
            )
    timing["total_s"] = time.perf_counter() - started
    # always answering the training majority class (the mean): what "did not learn" is judged against
    training["chance_error"] = chance_error(Head(prepared.task, prepared.encoder.n_outputs), scorer, prepared.metric,
                                            prepared.tensors["train"].y)
    summary = build_summary(path.name, cfg, prepared, results, baselines, training, timing, final, test_uses)
    summary["training"]["importance_weights"] = weighting
    summary["threshold"] = threshold
    summary.update(extra or {})
    write_json(path / rd.SUMMARY, summary)  # last: its presence means the run is complete
    from tuneup.report.board import write_hparams  # the report's layer: see tests/test_layering.py

    write_hparams(rd.Run(path))  # hyperparameters and final metrics for TensorBoard's HParams view
    return rd.Run(path)


def decide_threshold(path: Path, prepared: Prepared, cfg: Config, outputs: dict[str, Outputs]) -> dict | None:
    """A binary run whose metric a threshold improves (F1, balanced accuracy) gets the one that maximises it
    on dev, applied to every split's predictions and saved as `threshold.json`, so the summary, the
    predictions, the export and the server all decide alike. Accuracy keeps 0.5 (None here)."""
    from tuneup.errors.threshold import TUNED_BY_RUN, choose_threshold, save_threshold

    dev = outputs.get("dev")
    if prepared.task != "binary" or cfg.metric not in TUNED_BY_RUN or dev is None or dev.proba is None:
        return None
    y = prepared.tensors["dev"].y.cpu().numpy().round().astype(np.int64)
    if y.min() == y.max():  # one class on dev: nothing to choose by
        return None
    choice = choose_threshold(y, np.asarray(dev.proba, dtype=np.float64), cfg.metric, "dev")
    for out in outputs.values():
        out.pred = (np.asarray(out.proba) >= choice.threshold).astype(np.int64)
    save_threshold(path, choice, path.name, by="tuneup run")
    return {"value": choice.threshold, "objective": cfg.metric, "split": "dev", "at_default": choice.at_default}


def write_baseline_predictions(path: Path, encoder: Encoder, tensors: dict[str, Tensors], baselines: dict) -> None:
    """`<run>/baselines/<name>/<split>.parquet`: each baseline's predictions on the held-out splits it was
    scored on, in `predictions/`'s columns (a paired bootstrap compares them with the model's)."""
    for b in baselines.values():
        for split, out in b.outputs.items():
            write_predictions(path / rd.baseline_file(b.name, split), encoder, tensors[split], out)


def default_baselines(kind: str) -> list[str]:
    return ["majority", "linear"] if kind == "image" else ["majority", "linear", "hgb"]


def write_predictions(path: Path, encoder: Encoder, data: Tensors, out: Outputs) -> None:
    task = encoder.task
    frame: dict[str, Any] = {"id": data.ids}
    if task == "regression":
        frame["y_true"] = encoder.decode_target(data.y)
        frame["y_pred"] = encoder.decode_target(out.pred)
        frame["residual"] = frame["y_pred"] - frame["y_true"]
    else:
        frame["y_true"] = _labels(encoder.decode_target(data.y))
        frame["y_pred"] = _labels(encoder.decode_target(out.pred))
        if task == "binary":
            frame["score"] = out.proba
        else:
            for i, c in enumerate(encoder.classes):
                frame[f"p:{label_key(c)}"] = out.proba[:, i]
    frame["loss"] = out.loss
    write_with(path, lambda tmp: pd.DataFrame(frame).to_parquet(tmp, index=False))


def _labels(values: np.ndarray) -> Any:
    kinds = {type(v) for v in values}
    if kinds <= {int, np.int64}:
        return values.astype(np.int64)
    if kinds <= {bool, np.bool_}:
        return values.astype(bool)
    return np.array([str(v) for v in values], dtype=object)


def save_model(path: Path, model: torch.nn.Module, cfg: Config) -> None:
    import json

    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"tuneup.version": __version__, "tuneup.model": json.dumps(cfg.model.model_dump(mode="json"))}
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))


def _early_stopping(trainer: Trainer) -> dict | None:
    return None if trainer.early is None else trainer.early.describe()


def build_summary(name, cfg, prepared, results, baselines, training, timing, final, test_uses) -> dict:
    metric, enc = prepared.metric, prepared.encoder
    ladder = {"human": cfg.human_level}
    for split in ("train", "train_dev", "dev", "test"):
        ladder[split] = results[split]["error"] if split in results else None
    human = cfg.human_level_error
    return {
        "run": name,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tuneup_version": __version__,
        "task": enc.task,
        "metric": metric.name,
        "error_of": metric.error_of,
        "higher_is_better": metric.higher_is_better,
        "error_in_units": metric.error_in_units,
        "data": {
            "kind": enc.kind,
            "sources": prepared.dataset.sources,
            "classes": enc.classes,
            "split_sizes": prepared.splits.sizes(),
            "n_features": len(enc.feature_names) if enc.kind == "table" else None,
            "image_shape": enc.spec.get("image", {}).get("shape"),
        },
        "splits": {s: results.get(s) for s in ("train", "train_dev", "dev", "test") if s in prepared.tensors},
        "human_level_error": cfg.human_level,
        "human_levels": [h.model_dump() for h in human] if isinstance(human, list) else None,
        "ladder": ladder,
        "baselines": {
            b.name: {"model": b.model, "fit_rows": b.fit_rows, "seconds": b.seconds, "splits": b.scores}
            for b in baselines.values()
        },
        "training": training,
        "settings": [{"key": n.key, "value": n.value, "why": n.why} for n in prepared.settings],
        "timing": timing,
        "final": final,
        "test_evaluations": test_uses,
    }
