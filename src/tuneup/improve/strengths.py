"""A remedy at a few strengths: the recipe says "dropout 0.3"; the loop tries 0.3, 0.1 and 0.5.

Every strength is a config change of the same key(s) as the remedy's own `set`. The remedy's own
strength comes first, so a small budget tries what the diagnosis recommended before its variants.
Keys without a natural scale (a wider network, batch norm, early stopping, another optimizer) are
tried as recommended only.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tuneup.config import Config
from tuneup.diagnose.recipe import Remedy, _aug_name

AUGMENT_SCALES = (1.0, 0.5, 1.5)
from tuneup.data.transforms import MAGNITUDE_CAPS


@dataclass(frozen=True)
class Strength:
    label: str  # "as recommended", "at 0.1 instead", "as measured", "x0.5 the measured magnitudes"
    set: dict[str, Any]  # dotted overrides on the incumbent's config
    recommended: bool  # the remedy's own strength

    def to_dict(self) -> dict:
        return {"label": self.label, "set": self.set, "recommended": self.recommended}


def strengths(remedy: Remedy, cfg: Config) -> list[Strength]:
    """The remedy's own change, then weaker and stronger ones (never the incumbent's own value)."""
    if len(remedy.set) == 1:
        key, value = next(iter(remedy.set.items()))
        if key == "train.augment":
            return _augment_strengths(value, cfg, "measured" if remedy.gap == "data_mismatch" else "recommended")
        ladder = LADDERS.get(key)
        if ladder is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
            current = cfg.value(key)
            values = [value, *(v for v in ladder(value, current) if v != value and v != current)]
            return [Strength("as recommended" if i == 0 else f"at {v:g} instead", {key: v}, i == 0)
                    for i, v in enumerate(_unique(values))]
    return [Strength("as recommended", dict(remedy.set), True)]


def _sig(x: float) -> float:
    return float(f"{x:.1g}")


def _dropout(v: float, current: float) -> list[float]:
    if v <= current:  # the remedy lowers dropout (avoidable bias): as recommended only
        return []
    return [p for p in (round(v - 0.2, 2), round(v + 0.2, 2)) if current < p <= 0.7]


def _weight_decay(v: float, current: float) -> list[float]:
    if v <= current:
        return []
    return [w for w in (_sig(v / 10), _sig(v / 100), _sig(v * 10)) if current < w <= 0.1][:2]


def _learning_rate(v: float, current: float) -> list[float]:
    return [_sig(v / 3), _sig(v * 3)]


def _target_in_train(v: float, current: float) -> list[float]:
    return [s for s in (round(v / 2, 2), round(min(2 * v, 0.5), 2)) if current < s < 0.6]


LADDERS: dict[str, Callable[[float, float], list[float]]] = {
    "model.dropout": _dropout,
    "train.weight_decay": _weight_decay,
    "train.lr": _learning_rate,
    "data.split.target_in_train": _target_in_train,
}


def _augment_strengths(wanted: list, cfg: Config, source: str) -> list[Strength]:
    """The transforms the remedy adds (measured from the target data, or the recipe's defaults), their
    magnitudes scaled; the transforms the incumbent already has are kept as they are."""
    have = {_aug_name(a) for a in cfg.train.augment}
    out = []
    for i, scale in enumerate(AUGMENT_SCALES):
        specs = [a if _aug_name(a) in have else _scaled(a, scale) for a in wanted]
        label = f"as {source}" if scale == 1.0 else f"x{scale:g} the {source} magnitudes"
        out.append(Strength(label, {"train.augment": specs}, i == 0))
    return out if any(_aug_name(a) not in have and isinstance(a, dict) for a in wanted) else out[:1]


def _scaled(spec: Any, scale: float) -> Any:
    if not isinstance(spec, dict) or scale == 1.0:
        return spec
    return {k: (round(min(v * scale, MAGNITUDE_CAPS[k]), 3) if k in MAGNITUDE_CAPS and isinstance(v, (int, float))
                else v) for k, v in spec.items()}


def _unique(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out
