"""Built-in data sets from scikit-learn's bundled files (no download).

`builtin:digits-web` / `builtin:digits-phone` split the 1,797 digits into two disjoint pools and
render the "phone" pool blurred, darker, lower in contrast and noisy: the seeds' web photos vs.
phone uploads, in miniature. The rendering is fixed (its own seed), so the data never changes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from tuneup.exceptions import DataError, did_you_mean

IMAGE_SIZE = 32
PHONE_SHARE = 0.35  # a little data from the distribution that matters


def _digits_table() -> tuple[pd.DataFrame, pd.Series]:
    from sklearn.datasets import load_digits

    d = load_digits(as_frame=True)
    return d.data, d.target.rename("digit")


def _named_target(loader, name: str) -> tuple[pd.DataFrame, pd.Series]:
    d = loader(as_frame=True)
    names = np.asarray(d.target_names)
    return d.data, pd.Series(names[d.target.to_numpy()], name=name)


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return _named_target(load_breast_cancer, "diagnosis")


def _wine():
    from sklearn.datasets import load_wine

    return _named_target(load_wine, "cultivar")


def _diabetes():
    from sklearn.datasets import load_diabetes

    d = load_diabetes(as_frame=True)
    return d.data, d.target.rename("progression")


TABLES = {"digits": _digits_table, "breast-cancer": _breast_cancer, "wine": _wine, "diabetes": _diabetes}
IMAGES = ("digits-web", "digits-phone")
NAMES = (*TABLES, *IMAGES)


def load_table(name: str) -> tuple[pd.DataFrame, pd.Series]:
    return TABLES[name]()


def check_name(name: str) -> None:
    if name not in NAMES:
        raise DataError(
            f"builtin:{name} is not a built-in data set; {did_you_mean(name, NAMES)} "
            f"(built-ins: {', '.join('builtin:' + n for n in NAMES)})"
        )


def digits_pools() -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]]:
    """{'web': (ids, images (N, 1, 32, 32) uint8, labels, meta), 'phone': (...)}."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(20261120)
    web_idx, phone_idx = train_test_split(
        np.arange(len(y)), test_size=PHONE_SHARE, stratify=y, random_state=7
    )
    web_idx, phone_idx = np.sort(web_idx), np.sort(phone_idx)
    small = torch.from_numpy(X.reshape(-1, 1, 8, 8) / 16.0).float()  # (N, 1, 8, 8), ink is bright
    big = F.interpolate(small, size=(IMAGE_SIZE, IMAGE_SIZE), mode="bicubic", align_corners=False).clamp(0, 1)
    big = big.numpy()[:, 0]  # (N, 32, 32)

    web = big[web_idx]
    phone = np.stack([_phone_render(img, rng) for img in big[phone_idx]])
    n_phone = len(phone_idx)
    dim = rng.random(n_phone) < 0.5
    old_camera = rng.random(n_phone) < 0.5
    # camera and lighting decide how strong the degradation is: slices a person can find in errors
    phone = np.stack(
        [_degrade(img, dim[i], old_camera[i], rng) for i, img in enumerate(phone)]
    )

    def pack(prefix: str, idx: np.ndarray, imgs: np.ndarray, meta: pd.DataFrame):
        ids = np.array([f"{prefix}-{i:04d}" for i in idx])
        pixels = np.round(imgs * 255).clip(0, 255).astype(np.uint8)[:, None]  # (N, 1, H, W)
        return ids, pixels, y[idx], meta

    web_meta = pd.DataFrame({"camera": "web", "lighting": "studio"}, index=range(len(web_idx)))
    phone_meta = pd.DataFrame(
        {"camera": np.where(old_camera, "old", "new"), "lighting": np.where(dim, "dim", "daylight")}
    )
    return {"web": pack("web", web_idx, web, web_meta), "phone": pack("phone", phone_idx, phone, phone_meta)}


def _phone_render(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A slightly off-centre, slightly rotated capture of the digit."""
    from scipy import ndimage

    angle = rng.uniform(-12, 12)
    shift = rng.uniform(-2.0, 2.0, size=2)
    out = ndimage.rotate(img, angle, reshape=False, order=1, mode="constant")
    return ndimage.shift(out, shift, order=1, mode="constant")


def _degrade(img: np.ndarray, dim: bool, old_camera: bool, rng: np.random.Generator) -> np.ndarray:
    """Blur (camera), lower contrast and brightness over a grey background (lighting), sensor noise (camera).

    Still easy for a person to read, yet the default CNN trained on the clean pool alone errs on a large
    share of it, and the measured augmentations win most of that back: a data-mismatch gap worth fixing
    (BENCHMARKS.md, "The demo")."""
    from scipy import ndimage

    out = ndimage.gaussian_filter(img, rng.uniform(1.2, 1.8) if old_camera else rng.uniform(0.9, 1.3))
    contrast = rng.uniform(0.45, 0.6) if dim else rng.uniform(0.6, 0.75)
    brightness = rng.uniform(0.6, 0.75) if dim else rng.uniform(0.75, 0.9)
    out = (out - out.mean()) * contrast + out.mean()
    out = out * brightness + rng.uniform(0.08, 0.16)  # a grey background, not a black one
    noise = rng.uniform(0.06, 0.09) if old_camera else rng.uniform(0.04, 0.06)
    return (out + rng.normal(0, noise, size=out.shape)).clip(0, 1)
