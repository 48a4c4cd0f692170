"""Improve vs Optuna's default sampler (TPE) with the same number of trainings, on two tasks:

- mismatch: the demo's web -> phone digits (a CNN trained on clean digits, dev/test from blurred, dark,
  noisy ones), few epochs;
- variance: a small training subset of builtin:digits (10%) with a large unregularised MLP.

A trial is one training. Improve's first trial is its starting run; Optuna's trials sample a search space
over the same levers (learning rate, weight decay, dropout, width, depth, augmentations, and for the
two-source task the share of target data moved into training). For each number of trials spent, the
table gives the dev error of the configuration each method has chosen by then: Optuna's lowest dev
error so far; improve's incumbent (it changes only when a candidate beats it beyond the noise, at the
end of a step). Each run's dev error is on its own dev set: a run that moves target data into training
is measured on the rest of the target data (improve's decisions compare such runs on shared examples).

    python bench/improve.py [--trials 8] [--epochs 5] [--tasks mismatch variance] [--work /tmp/tuneup-bench-improve]
"""
from __future__ import annotations

import argparse
import math
import shutil
import time
from pathlib import Path

import torch

import tuneup
from tuneup.exceptions import UserError


def mismatch_config(epochs: int, runs_dir: str):
    cfg = tuneup.demo_config(epochs=epochs, runs_dir=runs_dir)
    return cfg.with_overrides({"baselines": ["majority"], "train.checkpoint": False})  # no boosting on pixels


def variance_config(epochs: int, runs_dir: str):
    return tuneup.load_config({
        "name": "variance", "runs_dir": runs_dir, "baselines": [],
        "data": {"train": {"path": "builtin:digits"}, "split": {"dev": 0.8, "test": 0.1}},
        "model": {"hidden": [128, 128]},
        "train": {"epochs": epochs, "batch_size": 32, "early_stopping": False, "checkpoint": False},
    })


# ---- improve ---------------------------------------------------------------------------------------------
def run_improve(cfg, trials: int) -> tuple[list[float], str, float]:
    started = time.perf_counter()
    result = tuneup.improve(cfg, budget=trials - 1, progress=False)  # the starting run is trial 1
    curve = [result.start_dev.value]
    incumbent = result.start_dev.value
    for step in result.steps:
        kept = next((t for t in step.tried if t.outcome == "kept"), None)
        for i, _ in enumerate(step.tried):
            last = i == len(step.tried) - 1
            if last and kept is not None:  # the step decides after its last candidate
                incumbent = kept.dev.value
            curve.append(incumbent)
    chosen = "start" if result.best == result.start else ", ".join(
        f"{k}={v}" for k, v in result.changes.items())
    return curve, chosen, time.perf_counter() - started


# ---- optuna ------------------------------------------------------------------------------------------------
def space(trial, cfg) -> dict:
    """The levers a person would put in a search space for this model and data."""
    over = {"train.lr": trial.suggest_float("lr", 3e-4, 1e-2, log=True),
            "train.weight_decay": trial.suggest_float("weight_decay", 1e-5, 1e-1, log=True),
            "model.dropout": trial.suggest_float("dropout", 0.0, 0.5)}
    width = trial.suggest_categorical("width", [0.5, 1.0, 2.0])
    deeper = trial.suggest_categorical("deeper", [False, True])
    key = "model.channels" if cfg.model.kind == "cnn" else "model.hidden"
    layers = list(cfg.model.channels if cfg.model.kind == "cnn" else cfg.model.hidden)
    layers = [max(int(u * width), 4) for u in layers]
    over[key] = layers + [layers[-1]] if deeper else layers
    augment = []
    if cfg.model.kind == "cnn":
        for name, param, low, high in [("blur", "sigma", 0.5, 2.0), ("noise", "std", 0.01, 0.1),
                                       ("brightness", "max", 0.1, 0.5), ("contrast", "max", 0.1, 0.5)]:
            if trial.suggest_categorical(name, [False, True]):
                augment.append({"name": name, param: trial.suggest_float(f"{name}_{param}", low, high)})
    elif trial.suggest_categorical("noise", [False, True]):
        augment.append({"name": "noise", "std": trial.suggest_float("noise_std", 0.02, 0.3)})
    over["train.augment"] = augment
    if cfg.data.target is not None:
        share = trial.suggest_float("target_in_train", 0.0, 0.4)
        over["data.split.target_in_train"] = round(share, 2) if share >= 0.05 else 0.0
    return over


def run_optuna(cfg, trials: int) -> tuple[list[float], str, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    started = time.perf_counter()

    def objective(trial):
        run = tuneup.run(cfg, space(trial, cfg), progress=False)
        return run.summary["splits"]["dev"]["error"]

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=trials, catch=(UserError,))
    curve, best = [], math.inf
    for t in study.trials:
        if t.value is not None:
            best = min(best, t.value)
        curve.append(best)
    chosen = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in study.best_params.items())
    return curve, chosen, time.perf_counter() - started


# ---- the table -----------------------------------------------------------------------------------------------
def fmt(v: float) -> str:
    return "-" if not math.isfinite(v) else f"{100 * v:.1f}%"


def first_within(curve: list[float], value: float, tol: float = 0.005) -> int:
    return next(i + 1 for i, v in enumerate(curve) if v <= value + tol)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=8)
    p.add_argument("--epochs", type=int, default=5, help="for the mismatch task (the variance task: 6x)")
    p.add_argument("--tasks", nargs="+", default=["mismatch", "variance"])
    p.add_argument("--work", default="/tmp/tuneup-bench-improve")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    make = {"mismatch": lambda m: mismatch_config(args.epochs, str(work / "mismatch" / m)),
            "variance": lambda m: variance_config(6 * args.epochs, str(work / "variance" / m))}
    results = {}
    for task in args.tasks:
        for method, fn in (("improve", run_improve), ("optuna", run_optuna)):
            curve, chosen, seconds = fn(make[task](method), args.trials)
            results[task, method] = (curve, chosen, seconds)
            print(f"{task} / {method}: {fmt(curve[-1])} after {len(curve)} trials in {seconds:.0f}s; chose {chosen}",
                  flush=True)
    print(f"\ndev error of the configuration chosen so far, by trainings spent ({args.trials} each; "
          f"{torch.get_num_threads()} threads)")
    head = " | ".join(f"{t}: {m}" for t in args.tasks for m in ("improve", "optuna TPE"))
    print(f"| trials | {head} |")
    print("|---:|" + "---:|" * (2 * len(args.tasks)))
    for k in range(args.trials):
        cells = [fmt(results[t, m][0][k]) if k < len(results[t, m][0]) else "-"
                 for t in args.tasks for m in ("improve", "optuna")]
        print(f"| {k + 1} | " + " | ".join(cells) + " |")
    for t in args.tasks:
        (ic, _, isec), (oc, _, osec) = results[t, "improve"], results[t, "optuna"]
        both = max(ic[-1], oc[-1])
        print(f"{t}: final improve {fmt(ic[-1])} vs optuna {fmt(oc[-1])}; trials to reach {fmt(both)} (+0.5): "
              f"improve {first_within(ic, both)}, optuna {first_within(oc, both)}; wall {isec:.0f}s vs {osec:.0f}s")


if __name__ == "__main__":
    main()
