"""The named augmentation transforms (`train.augment`): their names, the data they work on, their parameters'
defaults and caps, and `parse_specs`, which validates a config's list. Torch-free, so a config validates
without importing torch; `augment.py` applies them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuneup.exceptions import ConfigError, did_you_mean, shown


@dataclass(frozen=True)
class Transform:
    name: str
    kinds: frozenset[str]  # "image", "table"
    defaults: dict[str, float]
    doc: str


TRANSFORMS: dict[str, Transform] = {
    t.name: t
    for t in [
        Transform("hflip", frozenset({"image"}), {"p": 0.5}, "mirror left-right"),
        Transform("vflip", frozenset({"image"}), {"p": 0.5}, "mirror top-bottom"),
        Transform("shift", frozenset({"image"}), {"p": 0.5, "max": 0.1}, "translate by up to `max` of the size"),
        Transform("crop", frozenset({"image"}), {"p": 0.5, "scale": 0.8}, "zoom into a random crop of at least `scale`"),
        Transform("rotate", frozenset({"image"}), {"p": 0.5, "degrees": 15.0}, "rotate by up to `degrees`"),
        Transform("brightness", frozenset({"image"}), {"p": 0.5, "max": 0.4}, "scale intensity by 1 +- `max`"),
        Transform("contrast", frozenset({"image"}), {"p": 0.5, "max": 0.4}, "scale contrast by 1 +- `max`"),
        Transform("blur", frozenset({"image"}), {"p": 0.5, "sigma": 1.5}, "Gaussian blur, sigma up to `sigma` px"),
        Transform("invert", frozenset({"image"}), {"p": 0.5}, "swap light and dark (1 - pixel): both polarities"),
        Transform(
            "noise", frozenset({"image", "table"}), {"p": 0.5, "std": 0.08},
            "Gaussian noise, std up to `std` (pixels in [0, 1]; table features in standard units)",
        ),
        Transform("mixup", frozenset({"image", "table"}), {"p": 1.0, "alpha": 0.2}, "blend pairs of examples and labels"),
    ]
}


# how far a remedy may push a magnitude: past these a transform destroys the image it should vary
MAGNITUDE_CAPS = {"max": 0.9, "sigma": 4.0, "std": 0.5, "degrees": 45.0, "alpha": 1.0}


def parse_specs(specs: list[str | dict[str, Any]]) -> list[tuple[str, dict[str, float]]]:
    """`[hflip, {name: blur, sigma: 2}]` or `[{blur: {sigma: 2}}]` -> [(name, params)], validated."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            name, given = spec, {}
        elif isinstance(spec, dict) and "name" in spec:
            name, given = spec["name"], {k: v for k, v in spec.items() if k != "name"}
        elif isinstance(spec, dict) and len(spec) == 1:
            name, given = next(iter(spec.items()))
            given = given or {}
        else:
            raise ConfigError(f"train.augment: {shown(spec)} is not a transform; write a name or {{name: NAME, param: value}}")
        if not isinstance(name, str) or name not in TRANSFORMS:
            raise ConfigError(
                f"train.augment: unknown transform {shown(name)}; {did_you_mean(name[:60] if isinstance(name, str) else shown(name), TRANSFORMS)} "
                f"(transforms: {', '.join(TRANSFORMS)})"
            )
        t = TRANSFORMS[name]
        params = dict(t.defaults)
        for key, value in dict(given).items():
            if key not in t.defaults:
                raise ConfigError(
                    f"train.augment: '{name}' has no parameter {shown(key)}; its parameters are: {', '.join(t.defaults)}"
                )
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"train.augment: {name}.{key} = {shown(value)} must be a number >= 0")
            params[key] = float(value)
        if not 0.0 <= params["p"] <= 1.0:
            raise ConfigError(f"train.augment: {name}.p = {params['p']} must be a probability in [0, 1]")
        out.append((name, params))
    return out
