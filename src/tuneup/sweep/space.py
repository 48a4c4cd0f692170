"""The search space of a sweep: dotted config keys -> distributions, in YAML.

    train.lr: {log_uniform: [1.0e-4, 1.0e-1]}
    train.weight_decay: {log_uniform: [1.0e-6, 1.0e-2]}
    train.batch_size: {choice: [32, 64, 128]}
    train.augment: {choice: [[], [hflip]]}
    model.dropout: {uniform: [0.0, 0.5], step: 0.1}
    model.width: {log_int: [16, 256]}     # with model.depth: hidden = [width] * depth (MLP),
    model.depth: {int: [1, 3]}            # channels = [width, 2 width, 4 width, ...] (CNN)
    train.epochs: 20                      # a fixed value (or {fixed: 20})

Keys may also nest (`train: {lr: {...}}`). Only `model.*` and `train.*` can vary: every trial must share
the data, its splits and the metric, or their dev errors would not compare. Every value a parameter can
take at the ends of its range is checked through `load_config` (and by building the model and the
augmentations) before any training, so a bad space fails in a second, naming the file and the key.
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tuneup.config import Config, Section, _section_types, read_yaml
from tuneup.exceptions import ConfigError, did_you_mean, listing, shown

DISTRIBUTIONS = ("uniform", "log_uniform", "int", "log_int", "choice", "fixed")
OPTIONS = ("step",)
SWEEPABLE = ("model", "train")
SHAPE_KEYS = ("model.width", "model.depth")  # derived: they set model.hidden (MLP) or model.channels (CNN)


@dataclass(frozen=True)
class Param:
    """One swept key: a distribution and its bounds (or choices)."""

    key: str
    kind: str  # one of DISTRIBUTIONS
    low: float | int | None = None
    high: float | int | None = None
    step: float | int | None = None
    choices: tuple[Any, ...] = ()

    @property
    def encoded(self) -> bool:
        """Optuna's categorical values are scalars: lists and mappings travel as JSON text."""
        return any(isinstance(c, (list, dict)) for c in self.choices)

    def optuna_choices(self) -> list[Any]:
        return [encode_choice(c) for c in self.choices] if self.encoded else list(self.choices)

    def decode(self, value: Any) -> Any:
        return json.loads(value) if self.encoded and isinstance(value, str) else value

    def suggest(self, trial) -> Any:
        """Ask an Optuna trial for this parameter's value (define-by-run)."""
        if self.kind == "fixed":
            return self.choices[0]
        if self.kind == "choice":
            return self.decode(trial.suggest_categorical(self.key, self.optuna_choices()))
        if self.kind in ("int", "log_int"):
            return trial.suggest_int(self.key, int(self.low), int(self.high), step=int(self.step or 1),
                                     log=self.kind == "log_int")
        value = trial.suggest_float(self.key, float(self.low), float(self.high), step=self.step,
                                    log=self.kind == "log_uniform")
        return float(f"{value:.12g}") if self.step is not None else value  # 0.30000000000000004 -> 0.3

    def corners(self) -> list[Any]:
        """The values worth checking before training: both ends of a range, every choice."""
        if self.kind in ("choice", "fixed"):
            return list(self.choices)
        return [self.low, self.high]

    def to_dict(self) -> dict[str, Any]:
        if self.kind == "fixed":
            return {"fixed": self.choices[0]}
        if self.kind == "choice":
            return {"choice": list(self.choices)}
        out: dict[str, Any] = {self.kind: [self.low, self.high]}
        if self.step is not None:
            out["step"] = self.step
        return out

    def describe(self) -> str:
        if self.kind == "fixed":
            return _short(self.choices[0])
        if self.kind == "choice":
            return "one of " + ", ".join(_short(c) for c in self.choices)
        step = f" step {self.step:g}" if self.step is not None else ""
        return f"{self.kind.replace('_', '-')} {self.low:g} to {self.high:g}{step}"


@dataclass
class Space:
    """The parameters of a sweep and how a trial's values become config overrides."""

    params: dict[str, Param]
    source: str = "default space"  # the file it came from, for messages
    layers_key: str = "model.hidden"  # where model.width/model.depth land: model.hidden or model.channels
    base_layers: list[int] = field(default_factory=lambda: [128, 64])

    def suggest(self, trial) -> dict[str, Any]:
        """Sample every parameter on an Optuna trial; returns decoded values by key."""
        return {key: p.suggest(trial) for key, p in self.params.items()}

    def decode(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Values as a finished Optuna trial stores them -> the values the config sees."""
        return {k: (self.params[k].decode(v) if k in self.params else v) for k, v in params.items()}

    def fixed(self) -> dict[str, Any]:
        return {k: p.choices[0] for k, p in self.params.items() if p.kind == "fixed"}

    def overrides(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Config overrides for one trial: its values, with width/depth turned into layer sizes."""
        values = {**self.fixed(), **values}
        out = {k: v for k, v in values.items() if k not in SHAPE_KEYS}
        if any(k in values for k in SHAPE_KEYS):
            width = int(values.get("model.width", self.base_layers[0]))
            depth = int(values.get("model.depth", len(self.base_layers)))
            out[self.layers_key] = layer_sizes(width, depth, doubling=self.layers_key == "model.channels")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {k: p.to_dict() for k, p in self.params.items()}

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False)

    def check(self, cfg: Config, build=None) -> None:
        """Every end of every range and every choice must make a valid config (and, with `build`, a model
        and augmentations for this data); raises ConfigError naming the file, the key and the value."""
        for key, p in self.params.items():
            for value in p.corners():
                try:
                    trial_cfg = cfg.with_overrides(self.overrides({key: value}))
                    if build is not None:
                        build(trial_cfg)
                except ConfigError as e:
                    why = str(e).split(": ", 1)[-1]
                    raise ConfigError(
                        f"{self.source}: {key} = {_short(value)} ({p.describe()}) is not a valid setting: {why}; "
                        "narrow the range or drop that choice"
                    ) from None


def layer_sizes(width: int, depth: int, doubling: bool) -> list[int]:
    """MLP: `depth` layers of `width` units; CNN: `depth` conv blocks from `width` channels, doubling."""
    return [width * 2**i if doubling else width for i in range(depth)]


# ---- reading a space ---------------------------------------------------------------------------------
def load_space(source: str | Path | Mapping[str, Any], cfg: Config, kind: str = "mlp") -> Space:
    """A Space from a YAML file (or a mapping). `kind` (mlp or cnn) says where width/depth go."""
    if isinstance(source, Mapping):
        raw, name = dict(source), "space"
    else:
        path = Path(source)
        if not path.exists():
            raise ConfigError(f"{path}: no such search-space file; write one (e.g. `train.lr: {{log_uniform: [1.0e-4, 0.1]}}`) "
                              "or leave --space out for the default space")
        raw = read_yaml(path)
        name = str(path)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of config keys to distributions, "
                              "e.g. `train.lr: {log_uniform: [1.0e-4, 0.1]}`")
    params = {}
    for key, spec in _flatten(raw, name):
        params[key] = parse_param(key, spec, name)
    if not any(p.kind != "fixed" for p in params.values()):
        raise ConfigError(f"{name}: the search space has nothing to vary; give at least one key a distribution "
                          f"({', '.join(DISTRIBUTIONS[:-1])})")
    if {"model.hidden", "model.channels"} & set(params) and set(SHAPE_KEYS) & set(params):
        raise ConfigError(f"{name}: choose either the layer list (model.hidden / model.channels) or "
                          "model.width/model.depth, not both")
    return _space(params, name, cfg, kind)


def _space(params: dict[str, Param], name: str, cfg: Config, kind: str) -> Space:
    layers_key = "model.channels" if kind == "cnn" else "model.hidden"
    layers = cfg.model.channels if kind == "cnn" else cfg.model.hidden
    if layers is None:  # channels left to the data and not resolved yet: the 32x32 images' default
        from tuneup.models.nets import auto_channels

        layers = auto_channels((1, 32, 32))
    base = list(layers) or [64]
    return Space(params, name, layers_key, base)


def _flatten(raw: dict, source: str, prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """(dotted key, spec) pairs; a nested mapping under a section is read as more keys."""
    out = []
    for key, spec in raw.items():
        parts = (*prefix, *str(key).split("."))
        dotted = ".".join(parts)
        check_key(dotted, source)
        section = _section_at(parts)
        is_distribution = isinstance(spec, dict) and set(spec) & set(DISTRIBUTIONS + OPTIONS)
        if section is not None and isinstance(spec, dict) and not is_distribution:
            out.extend(_flatten(spec, source, parts))
        else:
            out.append((dotted, spec))
    return out


def sweepable_keys() -> list[str]:
    """Every dotted key under model.* and train.*, and the derived width/depth."""
    keys: list[str] = []

    def walk(model: type[Section], prefix: str) -> None:
        for name, f in model.model_fields.items():
            keys.append(prefix + name)
            for sub in _section_types(f.annotation):
                walk(sub, prefix + name + ".")

    for top in SWEEPABLE:
        walk(_section_types(Config.model_fields[top].annotation)[0], top + ".")
    return keys + list(SHAPE_KEYS)


def check_key(dotted: str, source: str) -> None:
    top = dotted.split(".", 1)[0]
    if top not in SWEEPABLE:
        raise ConfigError(
            f"{source}: '{dotted}' cannot be swept: trials must share the data, its splits and the metric, or "
            "their dev errors would not compare; sweep keys under model.* and train.* "
            f"(e.g. train.lr, model.dropout)"
        )
    known = sweepable_keys()
    if dotted not in known and not any(k.startswith(dotted + ".") for k in known):
        raise ConfigError(f"{source}: unknown key '{dotted}'; {did_you_mean(dotted, known)} "
                          f"(keys: {listing(known, 16)})")


def _section_at(parts: tuple[str, ...]) -> type[Section] | None:
    model: type[Section] = Config
    for part in parts:
        f = model.model_fields.get(part)
        subs = _section_types(f.annotation) if f is not None else []
        if not subs:
            return None
        model = subs[0]
    return model


def parse_param(key: str, spec: Any, source: str) -> Param:
    """One entry of the space file -> a Param, or a ConfigError naming the file, the key and the fix."""
    if not isinstance(spec, dict):
        return Param(key, "fixed", choices=(spec,))
    kinds = [k for k in spec if k in DISTRIBUTIONS]
    unknown = [k for k in spec if k not in DISTRIBUTIONS + OPTIONS]
    if unknown or len(kinds) != 1:
        if unknown:
            word = str(unknown[0])
            hint = did_you_mean(word, DISTRIBUTIONS)
            what = f"unknown distribution '{word}'; {hint}"
        else:
            what = f"give exactly one distribution, not {len(kinds)}"
        raise ConfigError(f"{source}: {key}: {what} (distributions: {', '.join(DISTRIBUTIONS)}; "
                          "e.g. {log_uniform: [1.0e-4, 0.1]} or {choice: [32, 64]})")
    kind = kinds[0]
    value = spec[kind]
    step = spec.get("step")
    if step is not None and kind not in ("uniform", "int"):
        raise ConfigError(f"{source}: {key}: 'step' works with uniform and int, not {kind}")
    if kind == "fixed":
        return Param(key, "fixed", choices=(value,))
    if kind == "choice":
        if not isinstance(value, list) or not value:
            raise ConfigError(f"{source}: {key}: choice needs a non-empty list of values, e.g. {{choice: [32, 64, 128]}}")
        encoded = [encode_choice(v) for v in value]
        if len(set(encoded)) != len(encoded):
            raise ConfigError(f"{source}: {key}: choice lists the same value twice; list each once")
        return Param(key, "choice", choices=tuple(value))
    return _range(key, kind, value, step, source)


def _range(key: str, kind: str, value: Any, step: Any, source: str) -> Param:
    example = "[1.0e-4, 0.1]" if kind.startswith("log") else "[0.0, 0.5]" if kind == "uniform" else "[1, 4]"
    if not isinstance(value, list) or len(value) != 2:
        raise ConfigError(f"{source}: {key}: {kind} needs [low, high], e.g. {{{kind}: {example}}}")
    low, high = (_number(v, key, kind, source) for v in value)
    if step is not None:
        step = _number(step, key, kind, source)
    integer = kind in ("int", "log_int")
    if integer and not all(float(v).is_integer() for v in (low, high, *([step] if step is not None else []))):
        raise ConfigError(f"{source}: {key}: {kind} needs whole numbers, got [{low:g}, {high:g}]; "
                          "use uniform for fractions")
    if not low < high:
        raise ConfigError(
            f"{source}: {key}: the range [{low:g}, {high:g}] is {'empty' if low == high else 'inverted'}; "
            f"write [low, high] with low < high (or {{fixed: {low:g}}} to hold it)"
        )
    if kind.startswith("log") and low <= 0:
        raise ConfigError(f"{source}: {key}: {kind} needs low > 0 (a log scale never reaches {low:g}); "
                          f"start at a small positive value such as {1e-6 if not integer else 1:g}, or use "
                          f"{'uniform' if not integer else 'int'}")
    if step is not None and (step <= 0 or step > high - low):
        raise ConfigError(f"{source}: {key}: step {step:g} must be > 0 and at most high - low ({high - low:g})")
    if integer:
        low, high, step = int(low), int(high), (int(step) if step is not None else None)
    return Param(key, kind, low, high, step)


def _number(v: Any, key: str, kind: str, source: str) -> float:
    # YAML 1.1 reads 1e-4 (no dot) as text: accept any text that is a number
    if isinstance(v, bool):
        v = None
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise ConfigError(f"{source}: {key}: {kind} bounds must be numbers, got {shown(v)}") from None
    if not math.isfinite(x):
        raise ConfigError(f"{source}: {key}: {kind} bounds must be finite, got {shown(v)}")
    return x


def encode_choice(value: Any) -> Any:
    """A choice as Optuna stores it: lists and mappings as compact JSON text, scalars as they are."""
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (list, dict)) else value


def _short(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (list, dict, str)) else f"{value:g}" if isinstance(value, float) \
        else str(value)


# ---- the default space -------------------------------------------------------------------------------
FAMILY_SPACES: dict[str, dict[str, Any]] = {
    "linear": {"model.linear.C": {"log_uniform": [1e-3, 1e3]}},
    "hgb": {
        "model.hgb.learning_rate": {"log_uniform": [0.01, 0.3]},
        "model.hgb.max_leaf_nodes": {"log_int": [8, 128]},
        "model.hgb.min_samples_leaf": {"log_int": [5, 100]},
        "model.hgb.l2_regularization": {"log_uniform": [1e-3, 10.0]},
        "model.hgb.max_features": {"uniform": [0.5, 1.0]},
    },
}


def default_space(cfg: Config, kind: str, n_train: int) -> Space:
    """The classic levers (learning rate, weight decay, batch size, dropout, batch norm, width, depth) at
    ranges that suit small and medium models; for the scikit-learn families (model.kind linear, hgb) their
    own knobs."""
    if kind in FAMILY_SPACES:
        params = {k: parse_param(k, v, "default space") for k, v in FAMILY_SPACES[kind].items()}
        return _space(params, "default space", cfg, kind)
    sizes = [b for b in (32, 64, 128, 256) if b <= max(n_train, 32)]
    raw: dict[str, Any] = {
        "train.lr": {"log_uniform": [1e-4, 1e-1]},
        "train.weight_decay": {"log_uniform": [1e-6, 1e-2]},
        "train.optimizer": {"choice": ["adam", "adamw", "sgd"]},
        "train.batch_size": {"choice": sizes},
        "model.dropout": {"uniform": [0.0, 0.5]},
        "model.batch_norm": {"choice": [False, True]},
    }
    if kind == "cnn":
        raw["model.width"] = {"choice": [8, 16, 32]}
        raw["model.depth"] = {"int": [2, 3]}
        raw["train.augment"] = {"choice": [[], ["shift", "rotate"], ["shift", "rotate", "brightness", "contrast", "blur"]]}
    else:
        raw["model.width"] = {"log_int": [16, 256]}
        raw["model.depth"] = {"int": [1, 3]}
    params = {k: parse_param(k, v, "default space") for k, v in raw.items()}
    return _space(params, "default space", cfg, kind)


__all__ = ["DISTRIBUTIONS", "Param", "Space", "default_space", "layer_sizes", "load_space", "parse_param",
           "sweepable_keys"]
