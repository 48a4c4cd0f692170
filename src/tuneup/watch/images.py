"""Logged images: their statistics measured the way the training images were (decoded at the run's size
and channels, then `tuneup.data.shift.image_stats`), and the model's own features for a classifier that
tells training images from recent ones. The server's logged `stats` stand in when the files are gone
or too many to decode."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tuneup.data.shift import IMAGE_STATS, DomainClassifier, domain_classifier, image_stats
from tuneup.watch.drift import distinct

MAX_DECODE = 50_000
EMBED_ROWS = 2_000


def current_stats(log, run) -> tuple[pd.DataFrame, str, np.ndarray | None]:
    """(statistics per logged image, where they came from, the decoded pixels or None)."""
    from tuneup.data.images import decode_files

    names = log.inputs["image"] if "image" in log.inputs else pd.Series([], dtype=object)
    files = [log.folder / str(p) for p in names]
    logged = log.inputs.reindex(columns=list(IMAGE_STATS)).apply(pd.to_numeric, errors="coerce")
    if not files or len(files) > MAX_DECODE or not all(f.exists() for f in files):
        return logged.reset_index(drop=True), "logged by the server", None
    c, h, _ = run.encoder.spec["image"]["shape"]
    decoded = decode_files(files, h, c, skip_bad=True, progress_label="decoding logged images")
    stats = logged.copy().reset_index(drop=True)
    stats.iloc[decoded.kept] = image_stats(decoded.pixels)[list(IMAGE_STATS)].to_numpy()
    source = "measured on the logged images" + (f" ({len(decoded.bad)} unreadable: as logged)" if decoded.bad else "")
    return stats, source, decoded.pixels if len(decoded.kept) == len(files) else None


def medians(reference: pd.DataFrame, current: pd.DataFrame) -> dict:
    return {s: {"reference": float(reference[s].median()), "current": float(current[s].median())}
            for s in IMAGE_STATS if s in current}


def embedding_shift(run, reference: np.ndarray, current: np.ndarray, seed: int = 0) -> DomainClassifier:
    """The classifier on the network's last hidden features: has what the model sees changed?"""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(seed)
    ref = reference[np.sort(rng.choice(len(reference), min(EMBED_ROWS, len(reference)), replace=False))]
    cur = current[-EMBED_ROWS:]
    model = run.load_model()
    a, b = distinct(embed(model, ref)), distinct(embed(model, cur))
    with threadpool_limits(1):
        return domain_classifier(a, b, [f"feature {i}" for i in range(a.shape[1])], max_rows=2 * EMBED_ROWS,
                                 seed=seed, max_iter=40)


def embed(model, pixels: np.ndarray, batch: int = 512) -> np.ndarray:
    """The input of the network's last linear layer (its learned features), (N, D)."""
    import torch
    from torch import nn

    last = [m for m in model.modules() if isinstance(m, nn.Linear)][-1]
    grabbed: list[torch.Tensor] = []
    hook = last.register_forward_pre_hook(lambda module, args: grabbed.append(args[0].detach().float()))
    try:
        with torch.inference_mode():
            for start in range(0, len(pixels), batch):
                model(torch.from_numpy(pixels[start:start + batch]).float().div_(255.0))
    finally:
        hook.remove()
    return torch.cat(grabbed).numpy() if grabbed else np.zeros((0, last.in_features), np.float32)


def image_paths(log) -> pd.Series:
    """Absolute paths of the logged images."""
    folder = Path(log.folder).resolve()
    return log.inputs["image"].map(lambda p: str(folder / str(p)) if isinstance(p, str) else None)
