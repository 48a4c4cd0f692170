"""Learning curves: will more training data of this kind help? (`tuneup curve CONFIG`)

The configuration is trained on growing, nested fractions of its train split (log-spaced sizes,
several seeds; one encoding of the data, fitted on the whole train split), and each model's train,
train-dev and dev errors are recorded. A power law err(n) = a * n^-b + c fitted to each split's curve
says what 2x and 10x more data of the same kind would do, with intervals, and in words: "with 10x more
training data, dev error is expected to go from Y to Z", or "more data of this kind will barely help:
dev error is dominated by the data-mismatch gap" (the seeds: will more web photos help the phone app?).

The result is saved as `<runs>/curves/<name>-NNN.json`, where `tuneup diagnose` finds it for runs of
the same configuration and quotes it in its advice on more data.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tuneup import _progress
from tuneup._io import read_json, write_json
from tuneup.config import Config, load_config
from tuneup.diagnose.powerlaw import fit_with_uncertainty
from tuneup.diagnose.result import CurveFit, LearningCurve
from tuneup.exceptions import UserError

FITTED = ("train_dev", "dev")  # held-out errors fall as a power law; the training error rises towards them
FACTORS = (2, 10)


def training_sizes(n: int, count: int = 5, smallest: int | None = None, n_classes: int = 1) -> list[int]:
    """`count` log-spaced sizes ending at n, from about a tenth of it (never fewer than 10 per class)."""
    low = smallest or max(n // 10, 10 * n_classes, 20)
    low = min(low, n)
    sizes = sorted({int(round(s)) for s in np.geomspace(low, n, count)})
    if len(sizes) < 3:
        raise UserError(f"the train split has {n} examples: too few for a learning curve of {count} sizes; "
                        "add data or lower --sizes (3 at least)")
    return sizes


def nested_order(n: int, y: np.ndarray | None, seed: int) -> np.ndarray:
    """A permutation whose every prefix holds the classes `y` in about their overall shares, so the
    smallest subset is not missing a class by bad luck (no classes: just shuffled)."""
    perm = np.random.default_rng(seed).permutation(n)
    if y is None:
        return perm
    labels = y[perm]
    rank = np.zeros(n)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        rank[where] = (np.arange(len(where)) + 0.5) / len(where)  # position within its class, as a share
    return perm[np.argsort(rank, kind="stable")]


def learning_curve(cfg: Config | str | Path, overrides: dict[str, Any] | None = None, sizes: int = 5,
                   repeats: int = 2, smallest: int | None = None, save: bool = True) -> LearningCurve:
    """Train `cfg` on nested subsets of its train split; fit and answer. See the module docstring."""
    from tuneup.pipeline.folder import absolute_paths
    from tuneup.pipeline.preparation import prepare, training_tensors
    from tuneup.pipeline.trainer import build
    from tuneup.runs import config_fingerprint

    cfg = load_config(cfg, overrides)
    prepared = prepare(cfg)
    cfg = prepared.cfg
    train, _ = training_tensors(prepared, cfg)
    y = train.y.numpy() if prepared.task in ("binary", "multiclass") else None
    n_classes = prepared.encoder.n_outputs if y is not None else 1
    ns = training_sizes(len(train), sizes, smallest, max(n_classes, 2) if y is not None else 1)
    evals = prepared.evals()
    points = []
    with _progress.task("learning curve", total=len(ns) * repeats) as bar:
        for r in range(repeats):
            seeded = cfg.with_overrides({"train.seed": cfg.train.seed + r})
            order = nested_order(len(train), None if y is None else y.astype(np.int64), seeded.train.seed)
            for n in ns:
                subset = train.take(np.sort(order[:n]))
                trainer = build(prepared, seeded)
                trainer.fit(subset, evals)
                point = {"n": n, "repeat": r, "train": trainer.measure(subset)["error"]}
                point.update({s: trainer.measure(t)["error"] for s, t in evals.items()})
                points.append(point)
                bar.advance(size=n, dev=f"{point.get('dev', float('nan')):.4g}")
    tol = cfg.diagnose.tolerance
    if tol is None:
        from tuneup.diagnose.ladder import default_tolerance

        full = [p for p in points if p["n"] == ns[-1]]
        tol = default_tolerance(prepared.metric.error_in_units, {"dev": float(np.mean([p["dev"] for p in full]))})
    curve = LearningCurve(cfg.name, prepared.metric.name, prepared.metric.error_of, prepared.metric.error_in_units,
                          ns, repeats, points, {}, None, "", tol, cfg.diagnose.confidence,
                          config_fingerprint(absolute_paths(cfg)))
    for split in FITTED:
        if split in curve.splits:
            curve.fits[split] = _fit(curve, split, seed=cfg.diagnose.seed)
    curve.more_data_helps, curve.answer = answer(curve)
    if save:
        curve.path = str(_save(curve, cfg.runs_path()))
    return curve


def _fit(curve: LearningCurve, split: str, seed: int) -> CurveFit:
    fit = fit_with_uncertainty(curve.sizes, np.array(curve.errors(split)), seed=seed)  # (sizes, repeats)
    conf = curve.confidence
    n = curve.sizes[-1]
    preds = {f"{k}x": dict(zip(("error", "low", "high"), fit.at(k * n, conf)), n=k * n) for k in (1, *FACTORS)}
    return CurveFit(split, fit.law.a, fit.law.b, fit.law.c,
                    {p: list(fit.parameter(p, conf)) for p in ("a", "b", "c")}, preds,
                    dict(zip(("value", "low", "high"), fit.drop(n, 10 * n, conf))))


def answer(curve: LearningCurve) -> tuple[bool | None, str]:
    """Will more training data of this kind help dev error? In numbers and words."""
    dev = curve.fits.get("dev")
    if dev is None:
        return None, "no dev errors to extrapolate"
    f, tol = curve.fmt, curve.tolerance
    now = curve.mean("dev")[-1]
    p2, p10, drop = dev.predictions["2x"], dev.predictions["10x"], dev.drop_10x
    numbers = (f"with 2x more training data of the same kind, dev error is expected to go from {f(now)} to "
               f"{f(p2['error'])} ({f(p2['low'])} to {f(p2['high'])}); with 10x, to {f(p10['error'])} "
               f"({f(p10['low'])} to {f(p10['high'])}), if the power law holds")
    td = curve.fits.get("train_dev")
    if td is not None:
        gap = now - curve.mean("train_dev")[-1]
        if gap > tol and gap > max(drop["value"], 0.0):
            return False, (f"more data of this kind will barely help: dev error {f(now)} is dominated by the data-mismatch "
                           f"gap ({f(gap)} above train-dev's {f(curve.mean('train_dev')[-1])}), and 10x more data is "
                           f"expected to take dev error only to {f(p10['error'])} ({f(p10['low'])} to {f(p10['high'])}); "
                           "make the training data more like the target instead")
    falls = p10["high"] < now  # the forecast falls below today's error beyond its own interval
    if drop["low"] > tol and falls:  # a fitted power law always falls; the question is whether by more than the tolerance
        return True, numbers
    if drop["high"] <= tol:
        return False, (f"more data of this kind will barely help: dev error levels off near {f(dev.c)} "
                       f"({f(dev.intervals['c'][0])} to {f(dev.intervals['c'][1])}); {numbers}")
    if not falls:
        return False, (f"more data of this kind will not help measurably: with 10x more training data the fitted "
                       f"power law puts dev error at {f(p10['error'])} ({f(p10['low'])} to {f(p10['high'])}; 2x: "
                       f"{f(p2['error'])}), not below today's {f(now)} beyond that interval; more repeats "
                       "(--repeats) or sizes would narrow it")
    return None, (f"more data may help, but the curve is too noisy to tell whether by more than the tolerance "
                  f"({f(tol)}): {numbers}; more repeats (--repeats) or sizes would tell")


def _save(curve: LearningCurve, runs: Path) -> Path:
    folder = runs / "curves"
    folder.mkdir(parents=True, exist_ok=True)
    taken = [int(p.stem.rsplit("-", 1)[1]) for p in folder.glob(f"{curve.name}-*.json")
             if p.stem.rsplit("-", 1)[1].isdigit()]
    path = folder / f"{curve.name}-{max(taken, default=0) + 1:03d}.json"
    curve.path = str(path)
    write_json(path, curve.to_dict())
    return path


def saved_curve(run) -> LearningCurve | None:
    """The newest learning curve saved for this run's configuration (`tuneup curve`), if there is one."""
    from tuneup.runs import config_fingerprint

    folder = Path(run.root) / "curves"
    if not folder.is_dir():
        return None
    mine = config_fingerprint(run.config)
    found = []
    for path in folder.glob("*.json"):
        try:
            data = read_json(path)
        except (OSError, ValueError):
            continue
        if data.get("fingerprint") == mine:
            found.append((path.stat().st_mtime, path, data))
    if not found:
        return None
    _, path, data = max(found, key=lambda t: t[0])
    return LearningCurve.from_dict({**data, "path": str(path)})


def answer_for(run) -> str | None:
    """The newest saved learning curve's answer for this run's configuration, if there is one."""
    curve = saved_curve(run)
    if curve is None:
        return None
    return f"more training data ({Path(curve.path).name}): {curve.answer}"
