"""Improve vs an Optuna TPE sweep (`tuneup.sweep`, its default space) at the same number of trainings, on
the demo's data mismatch: a CNN trained on clean "web" digits, dev and test from blurred, dark, noisy
"phone" digits.

A training is one trained configuration: improve's starting run counts, so improve gets `--trials - 1`
candidates. The sweep searches the classic levers (learning rate, weight decay, optimizer, batch size,
dropout, batch norm, width, depth, augmentations) with TPE and its median pruner, `--trials` trials.
Both choose on dev; test is not looked at. Each dev error is on the run's own dev set: an improve
candidate that moves target data into training is measured on the rest of the target data (improve
compares such runs on their shared dev examples; the figure printed is the run's own). The ratio is
improve's best dev error over the sweep's: below 1, improve found the better configuration.

    python bench/improve.py [--trials 8] [--epochs 5] [--work /tmp/tuneup-bench-improve]
"""
from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import torch

import tuneup


def config(epochs: int, runs_dir: Path):
    cfg = tuneup.demo_config(epochs=epochs, runs_dir=str(runs_dir))
    return cfg.with_overrides({"baselines": ["majority"], "train.checkpoint": False})  # no boosting on pixels


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--trials", type=int, default=8, help="trainings per method (improve's start included)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--work", default="/tmp/tuneup-bench-improve")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)

    t0 = time.perf_counter()
    result = tuneup.improve(config(args.epochs, work / "improve"), budget=args.trials - 1, progress=False)
    improve_s = time.perf_counter() - t0
    trained = 1 + len(result.tried) if not result.start_reused else len(result.tried)
    print(f"improve: dev error {100 * result.start_dev.value:.1f}% -> {100 * result.best_dev.value:.1f}% "
          f"[{100 * result.best_dev.low:.1f}, {100 * result.best_dev.high:.1f}] after {trained} trainings "
          f"in {improve_s:.0f}s; changes {result.changes}; stopped: {result.stopped}", flush=True)
    for t in result.tried:
        print(f"  {t.action}, {t.strength}: dev {100 * t.dev.value:.1f}% -> {t.outcome}" if t.dev else
              f"  {t.action}, {t.strength}: {t.outcome}", flush=True)

    t0 = time.perf_counter()
    sweep = tuneup.sweep(config(args.epochs, work / "sweep"), trials=args.trials, seed=0, progress=False)
    sweep_s = time.perf_counter() - t0
    best = sweep.best
    print(f"optuna TPE (tuneup.sweep, default space): best dev error {100 * best.dev_error:.1f}% after "
          f"{args.trials} trials ({sweep.counts}) in {sweep_s:.0f}s; params {best.params}", flush=True)

    ratio = result.best_dev.value / best.dev_error
    print(f"\n| method | trainings | best dev error | wall |\n|---|---:|---:|---:|\n"
          f"| improve | {trained} | {100 * result.best_dev.value:.1f}% | {improve_s:.0f}s |\n"
          f"| optuna TPE | {args.trials} | {100 * best.dev_error:.1f}% | {sweep_s:.0f}s |")
    print(f"ratio improve / TPE dev error: {ratio:.2f} ({torch.get_num_threads()} threads, {args.epochs} epochs)")


if __name__ == "__main__":
    main()
