"""What the per-epoch history says about training itself (history.jsonl).

- overfitting: dev loss rises from some epoch on while train loss keeps falling (drifting, when a train-dev
  split's loss does not rise with it: the data mismatch grows with training);
- underfitting: train and dev both poor and flat over the last epochs;
- unstable: the training loss jumps up, or ends above where it started (the learning rate);
- still improving: the epoch limit ended training while the losses still fell.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

RISE = 0.05  # dev loss this much (relative) above its minimum counts as rising
JUMP = 0.25  # an epoch whose training loss is this much above the one before counts as a jump
FLAT = 0.02  # relative change over the last third of training below this is flat
STILL = 0.03  # train and dev loss falling by more than this over the last 3 epochs: still improving


@dataclass
class Check:
    kind: str  # overfitting | drifting | underfitting | unstable | still_improving
    message: str
    epoch: int | None = None  # where it starts (overfitting: the best dev epoch)

    def to_dict(self) -> dict:
        return asdict(self)


def _series(history: list[dict], split: str) -> np.ndarray | None:
    values = [r[split]["loss"] for r in history if isinstance(r.get(split), dict)]
    return np.asarray(values, dtype=float) if len(values) == len(history) else None


def training_checks(history: list[dict], training: dict, epochs_limit: int, early_stopping: bool,
                    bias_problem: bool, fmt=lambda e: f"{e:.3g}") -> list[Check]:
    """`training` is the summary's training block; `bias_problem` whether avoidable bias is a problem."""
    if len(history) < 3:
        return []
    epochs = np.array([r["epoch"] for r in history])
    fit = np.array([r["fit_loss"] for r in history], dtype=float)
    train, dev = _series(history, "train"), _series(history, "dev")
    out = [c for c in (_overfitting(epochs, train, dev, early_stopping, _series(history, "train_dev")),
                       _unstable(epochs, fit, history[-1]["lr"])) if c]
    ended_by_limit = not training.get("stopped_early") and training.get("epochs_run", 0) >= epochs_limit
    still = _still_improving(epochs, train, dev) if ended_by_limit else None
    if still:
        out.append(still)
    elif bias_problem:
        flat = _flat(epochs, train, dev, history, fmt)
        if flat:
            out.append(flat)
    return out


def _overfitting(epochs, train, dev, early_stopping: bool, train_dev=None) -> Check | None:
    """Dev loss rising while train loss falls. With a train-dev split whose loss does not rise with it, the
    network is not overfitting its training data: it keeps learning its own distribution and drifts from the
    target's (a data mismatch that grows with training)."""
    if dev is None or train is None:
        return None
    best = int(np.argmin(dev))
    after = len(dev) - 1 - best
    if after < 3 or dev[-1] <= dev[best] * (1 + RISE) or train[-1] >= train[best]:
        return None
    kept = " (the run kept that epoch's weights)" if early_stopping else "; turn early stopping on"
    rises = (f"dev loss rises from epoch {epochs[best + 1]} ({dev[best]:.3g} -> {dev[-1]:.3g}) while train loss "
             f"falls ({train[best]:.3g} -> {train[-1]:.3g})")
    if train_dev is not None and train_dev[-1] <= train_dev[best] * (1 + RISE):
        return Check("drifting", f"{rises} and train-dev loss does not rise ({train_dev[best]:.3g} -> "
                     f"{train_dev[-1]:.3g}): the network keeps learning its training distribution and moves away "
                     f"from the target's, a data mismatch that grows with training, not overfitting; best dev "
                     f"epoch {epochs[best]}{kept}", int(epochs[best]))
    return Check("overfitting", f"{rises}: overfitting; early stopping at epoch {epochs[best]}{kept}",
                 int(epochs[best]))


def _unstable(epochs, fit, lr: float) -> Check | None:
    rel = fit[1:] / np.maximum(fit[:-1], 1e-12) - 1
    # a jump is large against the loss before it AND against how far the loss has come down so far:
    # a loss of 0.03 wobbling to 0.04 (dropout, small batches) is noise, not instability
    progress = fit[0] - np.minimum.accumulate(fit)[:-1]
    jumps = np.flatnonzero((rel > JUMP) & (np.diff(fit) > JUMP * progress))
    diverged = fit[-1] > fit[0]
    if not diverged and len(jumps) < 2:
        return None
    first = int(epochs[jumps[0] + 1]) if len(jumps) else int(epochs[-1])
    what = (f"ends above where it started ({fit[0]:.3g} -> {fit[-1]:.3g})" if diverged
            else f"jumps up by more than {JUMP:.0%} in {len(jumps)} epochs (first at epoch {first})")
    return Check("unstable", f"the training loss {what}: the learning rate ({lr:.3g} at the end) is likely too high",
                 first)


def _still_improving(epochs, train, dev) -> Check | None:
    if train is None or len(train) < 4:
        return None
    tail = lambda s: (s[-4] - s[-1]) / max(abs(s[-4]), 1e-12)  # noqa: E731
    if tail(train) <= STILL or (dev is not None and tail(dev) <= STILL):
        return None
    return Check("still_improving",
                 f"train and dev loss still fall at the last epoch ({epochs[-1]}, the limit): training ended too early",
                 int(epochs[-1]))


def _flat(epochs, train, dev, history, fmt) -> Check | None:
    if train is None:
        return None
    k = max(3, len(train) // 3)
    if len(train) < k + 1:
        return None
    window = train[-k:]
    change = (window.max() - window.min()) / max(abs(window.mean()), 1e-12)
    if change >= FLAT:
        return None
    errors = f"train error {fmt(history[-1]['train']['error'])}"
    if dev is not None:
        errors += f", dev error {fmt(history[-1]['dev']['error'])}"
    return Check("underfitting", f"train and dev are both poor ({errors}) and flat over the last {k} epochs: "
                 "underfitting; the network cannot fit the training data as set up", int(epochs[-k]))
