"""Independent checks of each scenario's truth, without tuneup: scikit-learn (and plain PyTorch for the
learning rate) on the generated data, with their own random splits. `python bench/scenarios.py --verify`
prints them. Every number is a share of examples predicted wrong."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split

from bench.scenario_data import Generated
from bench.scenario_models import Reference, categorical_columns, for_boosting, logistic, mlp

HOLDOUT = 0.3


def _split(x, y, seed: int, share: float = HOLDOUT):
    return train_test_split(x, y, test_size=share, random_state=seed, stratify=y)


def _take(x, idx):
    return x.iloc[idx].reset_index(drop=True) if isinstance(x, pd.DataFrame) else x[idx]


def _concat(a, b):
    return pd.concat([a, b], ignore_index=True) if isinstance(a, pd.DataFrame) else np.concatenate([a, b])


def holdout(name: str, x, y, seed: int) -> dict[str, float]:
    """A reference ('LR' or 'HGB') fitted on 70% of the rows: its error there and on the other 30%."""
    xa, xb, ya, yb = _split(x, y, seed)
    ref = Reference(name, xa, ya, seed=seed)
    return {f"{name} train": ref.error(xa, ya), f"{name} held out": ref.error(xb, yb)}


def domain_auc(x_source, x_target, seed: int) -> float:
    """How well a classifier tells the two sources apart from the features alone (never the labels):
    5-fold ROC AUC on a balanced sample; 0.5 is indistinguishable."""
    rng = np.random.default_rng(seed)
    n = min(len(x_source), len(x_target))
    a, b = rng.choice(len(x_source), n, replace=False), rng.choice(len(x_target), n, replace=False)
    x = _concat(_take(x_source, a), _take(x_target, b))
    d = np.r_[np.zeros(n), np.ones(n)]
    if isinstance(x, pd.DataFrame):
        from sklearn.ensemble import HistGradientBoostingClassifier

        model, x = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed), for_boosting(x)
    else:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=0.1, max_iter=200)  # separable sources never converge: the ranking counts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return float(cross_val_score(model, x, d, cv=5, scoring="roc_auc").mean())


def mismatch(gen: Generated, seed: int = 0) -> dict[str, float]:
    """The gap is data mismatch, not variance: a model of the training source does well on held-out rows
    of that source and badly on the target; trained with half of the target too it does better on the other
    half (the target is learnable; for images a small CNN in plain PyTorch shows it, LR on pixels as well);
    and the sources are told apart from their features alone."""
    xs, ys = gen.xy(gen.train)
    xt, yt = gen.xy(gen.target)
    name = "LR" if gen.kind == "image" else "HGB"
    xa, xb, ya, yb = _split(xs, ys, seed, 0.2)
    ta, tb, tya, tyb = _split(xt, yt, seed, 0.5)
    ref = Reference(name, xa, ya, seed=seed)
    both = Reference(name, _concat(xa, ta), np.r_[ya, tya], seed=seed)
    out = {"domain AUC": domain_auc(xs, xt, seed), f"{name} source train": ref.error(xa, ya),
           f"{name} source held out (train-dev)": ref.error(xb, yb), f"{name} target (dev)": ref.error(xt, yt),
           f"{name} source +50% target, on the other 50%": both.error(tb, tyb)}
    if gen.kind == "image":
        shape = gen.train.images.shape[1:]
        img = lambda x: x.reshape(len(x), *shape)
        out.update(_cnn_errors(img(xa), ya, {"source train": (img(xa), ya), "source held out (train-dev)": (img(xb), yb),
                                             "target (dev)": (img(xt), yt)}, seed, "CNN"))
        out.update(_cnn_errors(img(_concat(xa, ta)), np.r_[ya, tya], {"on the other 50%": (img(tb), tyb)},
                               seed, "CNN source +50% target,"))
    else:
        alone = Reference(name, ta, tya, seed=seed)
        out[f"{name} 50% target alone, on the other 50%"] = alone.error(tb, tyb)
    return out


def _cnn_errors(x: np.ndarray, y: np.ndarray, evals: dict[str, tuple], seed: int, tag: str,
                epochs: int = 15) -> dict[str, float]:
    """A small CNN (three conv-BN-ReLU-pool blocks, Adam 1e-3, `epochs` epochs) in plain PyTorch, fitted
    on images (N, H, W[, 3]) in [0, 1]; its error on every (images, labels) of `evals`."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    classes = np.unique(y)
    as_tensor = lambda a: torch.tensor(a if a.ndim == 4 else a[..., None], dtype=torch.float32).permute(0, 3, 1, 2)
    xt, yt = as_tensor(x), torch.tensor(np.searchsorted(classes, y))
    blocks, width = [], xt.shape[1]
    for c in (16, 32, 64):
        blocks += [nn.Conv2d(width, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
        width = c
    side = xt.shape[-1] // 8
    net = nn.Sequential(*blocks, nn.Flatten(), nn.Linear(width * side * side, len(classes)))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(xt), generator=g).split(64):
            opt.zero_grad()
            nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
    net.eval()
    out = {}
    with torch.no_grad():
        for name, (xe, ye) in evals.items():
            pred = classes[net(as_tensor(xe)).argmax(1).numpy()]
            out[f"{tag} {name}"] = float(np.mean(pred != ye))
    return out


def variance(gen: Generated, more: Generated, hidden: tuple[int, ...], epochs: int, seed: int = 0) -> dict[str, float]:
    """The user's network in plain scikit-learn (same widths, no weight decay, no early stopping): training
    error far below held-out error, and the held-out error falls with 10x the rows of the same rule (so the
    gap is variance). The labels are deterministic: the Bayes error is 0."""
    out = {}
    for tag, g in (("", gen), (" 10x rows", more)):
        x, y = g.xy(g.train)
        xa, xb, ya, yb = _split(x, y, seed)
        net = mlp(hidden, xa, epochs=epochs, seed=seed).fit(xa, ya)
        out[f"MLP{list(hidden)}{tag} train"] = float(np.mean(net.predict(xa) != ya))
        out[f"MLP{list(hidden)}{tag} held out"] = float(np.mean(net.predict(xb) != yb))
    return {**out, **holdout("LR", *gen.xy(gen.train), seed)}


def bias(gen: Generated, hidden: tuple[int, ...], alpha: float, seed: int = 0) -> dict[str, float]:
    """A network as small as the user's (with L2 `alpha`) makes a large training error; gradient boosting
    and a wider network make almost none, and the labels are deterministic: the bias is avoidable."""
    x, y = gen.xy(gen.train)
    xa, xb, ya, yb = _split(x, y, seed)
    out = {}
    for h, a in ((hidden, alpha), ((128, 64), 0.0)):
        net = mlp(h, xa, alpha=a, epochs=300, seed=seed).fit(xa, ya)
        out[f"MLP{list(h)} alpha={a} train"] = float(np.mean(net.predict(xa) != ya))
        out[f"MLP{list(h)} alpha={a} held out"] = float(np.mean(net.predict(xb) != yb))
    return {**out, **holdout("HGB", x, y, seed), **holdout("LR", x, y, seed)}


def learning_rate(gen: Generated, hidden: tuple[int, ...], lr: float, epochs: int, batch: int,
                  seed: int = 0) -> dict[str, float]:
    """The user's network and optimizer in plain PyTorch (Linear-BatchNorm-ReLU blocks, Adam at `lr`):
    its training error stays at chance, while the same network at lr 1e-3 and HistGradientBoosting learn."""
    x, y = gen.xy(gen.train)
    xa, _, ya, _ = _split(x, y, seed)
    prep = logistic(xa).steps[0][1].fit(xa)  # the reference's own imputation, scaling and one-hot
    _, codes = np.unique(ya, return_inverse=True)
    chance = 1 - np.bincount(codes).max() / len(codes)
    z = prep.transform(xa)
    z = z.toarray() if hasattr(z, "toarray") else np.asarray(z)  # one-hot columns may come sparse
    out = {"chance (1 - largest class share)": float(chance)}
    for rate in (lr, 1e-3):
        out[f"torch MLP{list(hidden)} Adam lr={rate:g} train"] = _torch_train_error(
            z, codes, hidden, rate, epochs, batch, seed)
    return {**out, **holdout("HGB", x, y, seed)}


def _torch_train_error(x: np.ndarray, y: np.ndarray, hidden, lr: float, epochs: int, batch: int, seed: int) -> float:
    import torch

    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layers, width = [], x.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.BatchNorm1d(h), torch.nn.ReLU()]
        width = h
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width, int(y.max()) + 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    for _ in range(epochs):
        net.train()
        for idx in torch.randperm(len(xt), generator=g).split(batch):
            if len(idx) < 2:
                continue  # batch norm needs two rows
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx]).backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        return float((net(xt).argmax(1) != yt).float().mean())


def label_noise(gen: Generated, seed: int = 0) -> dict[str, float]:
    """The flipped share as generated, and LogisticRegression's held-out error against the clean and the
    noisy labels: the clean task is easy, the noisy one has about the flipped share as its floor."""
    x, noisy = gen.xy(gen.train)
    clean = gen.extra["clean"]
    xa, xb, na, nb, ca, cb = train_test_split(x, noisy, clean, test_size=HOLDOUT, random_state=seed)
    out = {"flipped share": float(gen.extra["flipped"].mean()), "flipped share held out": float(np.mean(nb != cb))}
    for tag, ya, yb in (("clean", ca, cb), ("noisy", na, nb)):
        ref = Reference("LR", xa, ya, seed=seed)
        out[f"LR {tag} labels train"], out[f"LR {tag} labels held out"] = ref.error(xa, ya), ref.error(xb, yb)
    return out


def references(gen: Generated, names: tuple[str, ...] = ("LR", "HGB"), seed: int = 0,
               hidden: tuple[int, ...] | None = None) -> dict[str, Any]:
    """The references' training and held-out errors (how learnable the task is); for images also a small
    plain-PyTorch CNN; with `hidden`, a plain scikit-learn MLP of those widths (Adam, no L2, no early
    stopping, 200 epochs)."""
    x, y = gen.xy(gen.train)
    out: dict[str, Any] = {}
    for name in names:
        out.update(holdout(name, x, y, seed))
    if gen.kind == "image":
        xa, xb, ya, yb = _split(gen.train.images, y, seed)
        out.update(_cnn_errors(xa, ya, {"train": (xa, ya), "held out": (xb, yb)}, seed, "CNN"))
    if hidden:
        xa, xb, ya, yb = _split(x, y, seed)
        net = mlp(hidden, xa, seed=seed).fit(xa, ya)
        out[f"MLP{list(hidden)} train"] = float(np.mean(net.predict(xa) != ya))
        out[f"MLP{list(hidden)} held out"] = float(np.mean(net.predict(xb) != yb))
    if isinstance(x, pd.DataFrame):
        out["categorical columns"] = ", ".join(categorical_columns(x))
    return out
