"""`tuneup sweep --batch K` vs one trial at a time: the same trials (enqueued, so both sweeps train exactly
the same configurations), wall time of the whole sweep, every trial a run folder either way.

The space varies only what a vectorised ensemble trains per member (learning rate, weight decay, seed),
so with --batch K every K trials train as one ensemble. Alternating, median of --repeats; each sweep in a
fresh runs folder. The dev errors of the two sweeps are compared trial by trial (they should agree within
float tolerance; dropout is off, see train/ensemble.py).

    python bench/sweep_batch.py [--data builtin:digits] [--trials 8] [--batch 8] [--epochs 5] [--repeats 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import tuneup


def config(data: str, epochs: int, runs_dir: str) -> dict:
    return {"name": "bench", "data": {"train": {"path": data}}, "model": {"hidden": [48, 24], "batch_norm": True},
            "train": {"epochs": epochs, "batch_size": 128, "early_stopping": False, "checkpoint": False},
            "baselines": ["majority"], "runs_dir": runs_dir}


SPACE = {"train.lr": {"log_uniform": [1e-4, 3e-2]}, "train.weight_decay": {"log_uniform": [1e-6, 1e-3]},
         "train.seed": {"int": [0, 1000]}}


def trials(n: int) -> list[dict]:
    return [{"train.lr": 1e-3 * (1.6 ** (i % 6)), "train.weight_decay": 1e-5 * (1 + i % 3), "train.seed": i}
            for i in range(n)]


def one(args, batch: int) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as runs:
        cfg = config(args.data, args.epochs, runs)
        tuneup.prepare(tuneup.load_config(cfg))  # the data is cached for both: time the trials, not the loading
        start = time.perf_counter()
        result = tuneup.sweep(cfg, trials=args.trials, space=SPACE, pruner="none", batch=batch,
                              enqueue=trials(args.trials), progress=False)
        seconds = time.perf_counter() - start
        return seconds, [t.dev_error for t in result.trials]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="builtin:digits")
    p.add_argument("--trials", type=int, default=8)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    tuneup._progress.set_quiet(True)
    alone, together = [], []
    for _ in range(args.repeats):
        s1, e1 = one(args, 1)
        sk, ek = one(args, args.batch)
        alone.append(s1)
        together.append(sk)
    worst = max(abs(a - b) for a, b in zip(e1, ek))
    a, t = statistics.median(alone), statistics.median(together)
    print(f"{args.trials} trials of {args.epochs} epochs on {args.data}, median of {args.repeats}")
    print("| sweep | wall time | per trial |")
    print("|---|---|---|")
    print(f"| one trial at a time | {a:.1f} s | {a / args.trials:.2f} s |")
    print(f"| --batch {args.batch} (vectorised ensembles) | {t:.1f} s | {t / args.trials:.2f} s |")
    print(f"speed-up: {a / t:.2f}x; largest dev-error difference between the two sweeps' trials: {worst:.4f}")


if __name__ == "__main__":
    main()
