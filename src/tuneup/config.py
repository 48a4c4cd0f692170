"""The project config (`tuneup.yaml`): typed, validated, with dotted overrides.

    cfg = load_config("tuneup.yaml", overrides={"train.lr": 0.01})
    cfg.train.lr            # 0.01
    cfg.to_yaml()           # the fully resolved config, as YAML

Every mistake a person can make in the file (an unknown key, a wrong type, a value out of range)
raises `ConfigError` naming the file, the dotted key, the value and the valid choices.
"""
from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from tuneup.exceptions import ConfigError, did_you_mean, shown

Task = Literal["binary", "multiclass", "multilabel", "regression"]
TASKS: tuple[str, ...] = typing.get_args(Task)
Fraction = Annotated[float, Field(gt=0.0, lt=1.0)]


class Section(BaseModel):
    """A config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, protected_namespaces=())


class Source(Section):
    """One data source: a CSV/Parquet table, an image folder, a CSV listing images, or `builtin:NAME`."""

    path: str
    target: str | list[str] | None = None  # label column(s); image folders take the subfolder name
    id: str | None = None  # a column of unique example ids; row numbers otherwise
    image_column: str | None = None  # a table listing image files: the column holding their paths
    format: Literal["auto", "csv", "parquet", "images", "builtin"] = "auto"
    sep: str | None = None  # CSV delimiter; sniffed when left out
    na_values: list[str] = []  # extra strings that mean "missing" in this file


class ImageOptions(Section):
    size: Annotated[int, Field(ge=4, le=1024)] = 32  # images are resized to size x size
    channels: Literal[1, 3] | None = None  # None: 1 if every image is grayscale, else 3


class Split(Section):
    """Fractions left out are chosen by data size (60/20/20 for thousands, dev/test capped near 10k)."""

    train_dev: Fraction | None = None  # share of the training source held out as train-dev
    dev: Fraction | None = None
    test: Fraction | None = None
    target_in_train: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0  # share of the target source moved into train
    seed: int = 0
    stratify: bool = True
    folds: Annotated[int, Field(ge=2, le=100)] | None = None  # K-fold assignment over train (+ dev)
    repeats: Annotated[int, Field(ge=1, le=100)] = 1


class Data(Section):
    train: Source  # the distribution there is plenty of
    target: Source | None = None  # the distribution that matters (dev and test come from it)
    meta: list[str] = []  # columns kept for slicing and analysis, never fed to the model
    drop: list[str] = []  # columns ignored entirely
    types: dict[str, Literal["numeric", "categorical", "boolean", "datetime"]] = {}
    images: ImageOptions = ImageOptions()
    skip_bad_files: bool = False  # skip (and count) corrupt images instead of stopping
    label_sep: str = "|"  # multilabel targets in one column: "cat|dog"
    max_onehot: Annotated[int, Field(ge=2, le=1000)] = 16  # more categories than this: an embedding
    split: Split = Split()


class Linear(Section):
    """`model.kind: linear`: scikit-learn's LogisticRegression (classification; tables scaled, categoricals one-hot,
    images as raw [0, 1] pixels) or LinearRegression (regression, which takes neither knob)."""

    C: Annotated[float, Field(gt=0.0)] = 1.0  # inverse strength of the L2 penalty, as scikit-learn names it
    max_iter: Annotated[int, Field(ge=1, le=1_000_000)] = 1000  # lbfgs steps: scikit-learn's 100 stop short on pixels


class HGB(Section):
    """`model.kind: hgb`: scikit-learn's HistGradientBoosting, embedded categoricals split natively."""

    learning_rate: Annotated[float, Field(gt=0.0, le=10.0)] = 0.1
    max_iter: Annotated[int, Field(ge=1, le=100_000)] = 100  # boosting iterations (trees per class)
    max_leaf_nodes: Annotated[int, Field(ge=2)] | None = 31
    max_depth: Annotated[int, Field(ge=1)] | None = None
    min_samples_leaf: Annotated[int, Field(ge=1)] = 20
    l2_regularization: Annotated[float, Field(ge=0.0)] = 0.0
    max_features: Annotated[float, Field(gt=0.0, le=1.0)] = 1.0  # share of features each split may look at
    early_stopping: Literal["auto", True, False] = "auto"  # auto: on above 10,000 training rows (10% held out of train)


class Model(Section):
    # auto: a CNN for images, an MLP for tables; linear and hgb: scikit-learn's models (below)
    kind: Literal["auto", "mlp", "cnn", "linear", "hgb"] = "auto"
    hidden: list[Annotated[int, Field(ge=1, le=65536)]] = [128, 64]  # MLP hidden sizes
    activation: Literal["relu", "leaky_relu", "gelu", "tanh", "sigmoid"] = "relu"
    batch_norm: bool = False
    dropout: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.0
    init: Literal["default", "he", "xavier"] = "default"
    # CNN: one conv block per entry; None: by image size ([16, 32, 64] for 32x32), recorded in the run's config
    channels: list[Annotated[int, Field(ge=1, le=4096)]] | None = None
    kernel_size: Literal[1, 3, 5, 7] = 3
    head_grid: Annotated[int, Field(ge=1, le=16)] = 4  # CNN: the last map is pooled to this grid (1: global average)
    embedding_dim: Annotated[int, Field(ge=1, le=1024)] | None = None  # categorical embeddings; auto by cardinality
    linear: Linear = Linear()  # model.kind: linear
    hgb: HGB = HGB()  # model.kind: hgb


class EarlyStopping(Section):
    """Stop when the watched split(s) stop improving; keep the best dev epoch that learned something.

    monitor: which split(s) decide when to stop, and on what. `auto` watches train-dev and dev when there
    is a target source (training goes on while the network still learns its own distribution, even if
    dev gets worse meanwhile) and dev otherwise; `dev` or `train_dev` watch that split alone. A suffix
    `_loss` (the default) or `_metric` says what is watched; `loss` / `metric` alone mean `auto_...`.
    Whatever stops training, the kept epoch is judged on dev."""

    patience: Annotated[int, Field(ge=1)] = 5
    min_delta: Annotated[float, Field(ge=0.0)] = 0.0
    monitor: Literal["auto", "dev", "train_dev", "loss", "metric", "dev_loss", "dev_metric", "train_dev_loss",
                     "train_dev_metric"] = "auto"


class Schedule(Section):
    kind: Literal["constant", "step", "cosine", "onecycle", "plateau"] = "constant"
    step_size: Annotated[int, Field(ge=1)] = 10  # step: epochs between decays
    gamma: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1  # step: decay factor
    patience: Annotated[int, Field(ge=0)] = 3  # plateau: epochs without dev-loss improvement
    factor: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.1  # plateau: decay factor
    max_lr: Annotated[float, Field(gt=0.0)] | None = None  # onecycle: peak (default 10 x lr)


class Train(Section):
    optimizer: Literal["sgd", "adam", "adamw", "rmsprop"] = "adam"
    # auto: a learning-rate range test picks it at the start of a run (fastai's lr_find); the run's config.yaml
    # records the rate found
    lr: Annotated[float, Field(gt=0.0, le=10.0)] | Literal["auto"] = "auto"
    momentum: Annotated[float, Field(ge=0.0, lt=1.0)] = 0.9  # sgd and rmsprop
    nesterov: bool = False  # sgd
    weight_decay: Annotated[float, Field(ge=0.0, le=1.0)] = 0.0  # L2 (decoupled for adamw)
    batch_size: Annotated[int, Field(ge=1, le=1_000_000)] = 128
    epochs: Annotated[int, Field(ge=1, le=100_000)] = 50
    schedule: Schedule = Schedule()
    grad_clip: Annotated[float, Field(gt=0.0)] | None = None  # max gradient norm
    early_stopping: EarlyStopping | None = EarlyStopping()
    augment: list[str | dict[str, Any]] = []  # e.g. [hflip, {name: blur, sigma: 1.0}]
    class_weights: Literal["none", "balanced"] = "none"
    # domain: weight training rows by how target-like they look (a classifier of training-source vs
    # target features, never labels; tables only): the loss the target distribution would give
    importance_weights: Literal["none", "domain"] = "none"
    # the target-source rows moved into training (data.split.target_in_train) count this many times in the loss;
    # balanced: as much, all together, as the training source's rows
    target_weight: Annotated[float, Field(ge=1.0, le=1000.0)] | Literal["balanced"] = 1.0
    eval_sample: Annotated[int, Field(ge=100)] = 10_000  # per-epoch train error on a fixed sample this big
    checkpoint: bool = True  # every epoch, so `tuneup run --resume` can continue a killed run
    device: Literal["auto", "cpu", "cuda"] = "auto"
    seed: int = 0  # weights, shuffling, dropout and augmentation

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule_shorthand(cls, v: Any) -> Any:
        return {"kind": v} if isinstance(v, str) else v

    @field_validator("early_stopping", mode="before")
    @classmethod
    def _early_stopping_shorthand(cls, v: Any) -> Any:
        if v is False:
            return None
        if v is True:
            return {}
        if isinstance(v, int) and not isinstance(v, bool):
            return {"patience": v}
        return v

    @field_validator("augment", mode="before")
    @classmethod
    def _augment_shorthand(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, (str, dict)):
            return [v]
        return v

    @model_validator(mode="after")
    def _augment_names(self) -> "Train":
        from tuneup.data.transforms import parse_specs

        parse_specs(self.augment)  # raises ConfigError naming the transform and the valid ones
        return self


class Diagnose(Section):
    """How `tuneup diagnose` decides: a gap is a problem when its interval lies above zero and it is
    larger than `tolerance`."""

    # the smallest gap worth acting on, in error units; None: 0.01 for shares of examples, else 2% of the dev error
    tolerance: Annotated[float, Field(ge=0.0)] | None = None
    confidence: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.95  # of every interval
    resamples: Annotated[int, Field(ge=100, le=100_000)] = 1000  # bootstrap resamples of the examples
    seed: int = 0  # of the bootstrap


class HumanLevel(Section):
    who: str  # "typical person", "expert", "panel of experts"
    error: Annotated[float, Field(ge=0.0)]


class Watch(Section):
    """`tuneup monitor`: time windows, and the thresholds that raise an alarm (`--fail-on` exits 3)."""

    window: str = "auto"  # a fixed length such as 1h, 1D, 7D; auto: about ten windows over the log
    reference: Literal["train", "dev"] = "train"  # the examples that logged inputs are compared with
    drift_features: Annotated[int, Field(ge=1)] = 1  # drifted input features that raise the drift alarm
    drift_auc: Annotated[float, Field(gt=0.5, le=1.0)] = 0.7  # training vs recent traffic told apart this well
    # the rise in error over dev that raises the performance alarm: absolute for scores in [0, 1]
    # (0.03 = 3 points), relative for errors in the target's units (0.03 = 3% more RMSE)
    performance_drop: Annotated[float, Field(ge=0.0)] = 0.03
    min_rows: Annotated[int, Field(ge=10)] = 100  # logged predictions a window needs for its inputs to be compared
    min_labels: Annotated[int, Field(ge=10)] = 50  # labelled predictions a window or A/B arm needs to be judged
    alpha: Fraction = 0.05  # significance level of the performance and A/B tests
    power: Fraction = 0.8  # A/B: the power the "still needed" sample size is computed for
    min_effect: Annotated[float, Field(ge=0.0)] = 0.01  # A/B: smaller differences count as none
    bootstrap: Annotated[int, Field(ge=50, le=100_000)] = 400  # resamples: intervals of metrics but accuracy
    seed: int = 0  # bootstrap, audit sample, classifier subsamples

    @field_validator("window")
    @classmethod
    def _window(cls, v: str) -> str:
        if v != "auto":
            import pandas as pd

            try:
                length = pd.Timedelta(v)
            except ValueError:
                raise ValueError("expected auto or a fixed length such as 30min, 1h, 1D, 7D") from None
            if length <= pd.Timedelta(0):
                raise ValueError("a window must be longer than zero, e.g. 1h or 1D")
        return v


class Config(Section):
    name: str = "tuneup"
    task: Task | None = None  # inferred from the target when left out
    metric: str | None = None  # the single-number metric; inferred from the task when left out
    human_level_error: Annotated[float, Field(ge=0.0)] | list[HumanLevel] | None = None
    data: Data
    model: Model = Model()
    train: Train = Train()
    diagnose: Diagnose = Diagnose()
    # majority class / mean, logistic / linear regression, gradient boosting; default: all three for
    # tables, majority + linear for images (boosting on raw pixels is slow and weak)
    baselines: list[Literal["majority", "linear", "hgb"]] | None = None
    runs_dir: str = "tuneup-runs"  # relative to the working directory
    watch: Watch = Watch()  # `tuneup monitor`: windows and alarm thresholds

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str = PrivateAttr(default="config")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str | None) -> str | None:
        if v is not None:
            from tuneup.errors.metrics import get_metric

            get_metric(v)
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        bad = set(v) & set('/\\:*?"<>| ')
        if not v or bad:
            raise ValueError(f"a name is used for folders: no spaces or {''.join(sorted(bad))}")
        return v

    @property
    def human_level(self) -> float | None:
        """The best human performance: the proxy for Bayes error."""
        h = self.human_level_error
        if h is None or isinstance(h, float | int):
            return h
        return min(x.error for x in h) if h else None

    @property
    def base_dir(self) -> Path:
        return self._base_dir

    @property
    def source_name(self) -> str:
        return self._source

    def resolve_path(self, path: str) -> Path | str:
        """Data paths are relative to the config file's folder; `builtin:` names pass through."""
        if path.startswith("builtin:"):
            return path
        return (self._base_dir / Path(path).expanduser()).resolve()  # shown as /a/c.csv, never /a/b/../c.csv

    def runs_path(self) -> Path:
        return Path(self.runs_dir).expanduser()

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_yaml(self) -> str:
        return yaml_text(self.to_dict())

    def with_overrides(self, overrides: dict[str, Any]) -> "Config":
        return _validate(apply_overrides(self.to_dict(), overrides), self._source, self._base_dir)

    def value(self, dotted: str) -> Any:
        """The setting at a dotted key (`train.lr`), as `with_overrides` takes it."""
        node: Any = self
        for part in dotted.split("."):
            node = getattr(node, part)
        return node

    def write(self, path: str | Path) -> Path:
        from tuneup._io import write_text

        return write_text(path, self.to_yaml())


def load_config(
    source: str | Path | dict[str, Any] | Config, overrides: dict[str, Any] | None = None
) -> Config:
    """Read `tuneup.yaml` (or take a dict or a Config) and apply dotted `overrides`."""
    if isinstance(source, Config):
        return source.with_overrides(overrides) if overrides else source
    if isinstance(source, dict):
        raw, name, base = source, "config", Path.cwd()
    else:
        path = Path(source)
        if path.is_dir():
            path = path / "tuneup.yaml"
        if not path.exists():
            raise ConfigError(f"{path}: no such config file; write one with `tuneup init --data PATH`")
        raw = read_yaml(path)
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of keys (name, data, model, train, ...)")
        name, base = str(path), path.resolve().parent
    return _validate(apply_overrides(raw, overrides or {}), name, base)


class _AliasRefused(yaml.YAMLError):
    def __init__(self, alias: str, mark):
        super().__init__(alias)
        self.alias, self.mark = alias, mark


class _Loader(yaml.SafeLoader):
    """Safe YAML without aliases: a few lines of `*name` can expand to gigabytes ("billion laughs"), and
    a config has no need of them."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasRefused(event.anchor, event.start_mark)
        return super().compose_node(parent, index)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # what we write must read back: a value used twice is written out twice


def yaml_text(data: Any, **options: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, **options)


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def read_yaml(path: Path) -> Any:
    """A YAML file's contents; ConfigError naming the file and the line when it is not valid YAML."""
    try:
        return _load_yaml(path.read_text(encoding="utf-8"))
    except _AliasRefused as e:
        raise ConfigError(f"{path}: line {e.mark.line + 1}: YAML aliases (*{shown(e.alias, 40)[1:-1]}) are not "
                          "accepted; write the value out where it is used") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} is not valid YAML ({getattr(e, 'problem', e)})") from None


def parse_override(text: str) -> tuple[str, Any]:
    """`train.lr=0.01` -> ("train.lr", 0.01); the value is read as YAML (lists, numbers, null)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {shown(text)}: expected KEY=VALUE, e.g. --set train.lr=0.01")
    try:
        parsed = _load_yaml(value) if value.strip() else ""
    except _AliasRefused:
        raise ConfigError(f"--set {shown(text)}: YAML aliases (*name) are not accepted; write the value out") from None
    except yaml.YAMLError:
        parsed = value
    return key.strip(), parsed


def apply_overrides(raw: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted keys in a copy of `raw`; unknown keys are caught by validation with a suggestion."""
    import copy

    out = copy.deepcopy(raw)
    for dotted, value in overrides.items():
        node = out
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise ConfigError(f"--set {dotted}: '{part}' holds a value, not a section of keys")
            node = child
        node[parts[-1]] = value
    return out


def _validate(raw: dict[str, Any], source: str, base_dir: Path) -> Config:
    _check_keys(raw, Config, (), source)
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(_explain(e, source)) from None
    cfg._base_dir = base_dir
    cfg._source = source
    return cfg


def _section_types(annotation: Any) -> list[type[Section]]:
    """The Section classes an annotation can hold (through Optional, Union and list)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _section_types(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType, list):
        return [t for a in typing.get_args(annotation) for t in _section_types(a)]
    if isinstance(annotation, type) and issubclass(annotation, Section):
        return [annotation]
    return []


def _check_keys(raw: Any, model: type[Section], path: tuple[str, ...], source: str) -> None:
    """Unknown keys, with the nearest valid one: pydantic says "extra inputs", we say what was meant."""
    if not isinstance(raw, dict):
        return
    fields = model.model_fields
    for key, value in raw.items():
        if key not in fields:
            dotted = ".".join((*path, str(key)))
            raise ConfigError(
                f"{source}: unknown key '{dotted}'; {did_you_mean(str(key), fields)} "
                f"(keys here: {', '.join(fields)})"
            )
        for sub in _section_types(fields[key].annotation):
            items = value if isinstance(value, list) else [value]
            for item in items:
                _check_keys(item, sub, (*path, str(key)), source)


def _explain(error: ValidationError, source: str) -> str:
    """The first problem, in one line: file, dotted key, value, what is allowed."""
    first = error.errors()[0]
    loc = [str(p) for p in first["loc"] if not _is_type_tag(p)]
    key = ".".join(loc) or "(top level)"
    value = first.get("input")
    ctx = first.get("ctx") or {}
    kind = first["type"]
    if kind == "missing":
        return f"{source}: '{key}' is required"
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        hint = did_you_mean(shown(value)[1:-1] if isinstance(value, str) else shown(value),
                            [c.strip(" '") for c in expected.replace(" or ", ", ").split(",")])
        return f"{source}: {key} {shown(value)} is not valid; choose one of: {expected} ({hint})"
    message = first["msg"].removeprefix("Value error, ")
    return f"{source}: {key} = {shown(value)}: {message[:300]}"


def _is_type_tag(part: object) -> bool:
    # pydantic puts union member names ("float", "list[HumanLevel]", "function-after[...]") into locations
    return isinstance(part, str) and ("[" in part or part in {"float", "int", "str", "bool", "dict", "list"})
