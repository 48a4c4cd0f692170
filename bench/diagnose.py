"""How fast the diagnosis' statistics are, against the obvious implementations, measured in the same run.

1. Bootstrap intervals: tuneup's vectorised bootstrap (counts @ per-example statistics) against calling
   the scikit-learn metric on every resample, for the same resamples; the two must agree.
2. Learning-curve uncertainty: the power law refitted on bootstrap resamples, all at once on a grid of
   exponents (tuneup), against scipy's bounded curve_fit once per resample.

    python bench/diagnose.py [--n 10000] [--resamples 1000]
"""
from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from tuneup.diagnose.bootstrap import MetricInputs, resampled_values
from tuneup.intervals import resample_counts
from tuneup.diagnose.powerlaw import fit_many
from tuneup.errors.metrics import get_metric


def data(task: str, n: int, rng: np.random.Generator) -> MetricInputs:
    if task == "regression":
        y = rng.normal(size=n)
        return MetricInputs(task, y, y + rng.normal(0, 0.5, n), None, np.arange(n))
    k = 2 if task == "binary" else 10
    y = rng.integers(0, k, n)
    p = rng.dirichlet(np.ones(k), n)
    p[np.arange(n), y] += 0.8
    p /= p.sum(1, keepdims=True)
    if task == "binary":
        return MetricInputs(task, y, (p[:, 1] >= 0.5).astype(np.int64), p[:, 1], np.arange(n))
    return MetricInputs(task, y, p.argmax(1), p, np.arange(n))


def per_resample(metric, d: MetricInputs, counts: np.ndarray) -> np.ndarray:
    out = np.empty(len(counts))
    for b, row in enumerate(counts):
        part = d.take(np.repeat(np.arange(len(d)), row.astype(np.int64)))
        out[b] = metric(part.y, part.pred, part.proba, d.task)
    return out


def timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


def bench_bootstrap(n: int, resamples: int) -> None:
    rng = np.random.default_rng(0)
    print(f"bootstrap, {n:,} examples, {resamples:,} resamples")
    print(f"{'metric':<28}{'tuneup s':>10}{'sklearn loop s':>16}{'speed-up':>10}  agree")
    for task, name in [("multiclass", "accuracy"), ("multiclass", "f1_macro"), ("binary", "f1"),
                       ("multiclass", "log_loss"), ("regression", "rmse"), ("regression", "r2"),
                       ("binary", "roc_auc"), ("binary", "pr_auc")]:
        metric, d = get_metric(name, task), data(task, n, rng)
        counts = np.vstack(list(resample_counts(n, resamples, np.random.default_rng(1))))
        fast, t_fast = timed(resampled_values, metric, d, counts)
        ref, t_ref = timed(per_resample, metric, d, counts)
        same = np.allclose(fast, ref, atol=1e-9)
        print(f"{task + ' ' + name:<28}{t_fast:>10.3f}{t_ref:>16.3f}{t_ref / t_fast:>9.1f}x  {same}")


def bench_power_law(resamples: int) -> None:
    from scipy.optimize import OptimizeWarning, curve_fit

    sizes = np.array([100, 180, 320, 570, 1000], dtype=float)
    rng = np.random.default_rng(0)
    curves = (2.0 * sizes**-0.5 + 0.05) + rng.normal(0, 0.004, (resamples, len(sizes)))

    def scipy_loop():
        out = []
        x = sizes / sizes.max()
        for e in curves:
            top = float(e.max())
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                (A, b, c), _ = curve_fit(lambda x, A, b, c: A * x**-b + c, x, e, p0=[top - e.min(), 0.5, e.min() / 2],
                                         bounds=([0, 0, 0], [np.inf, 5, top]), maxfev=20_000)
            out.append(b)
        return np.array(out)

    (a, b, c), t_fast = timed(fit_many, sizes, curves)
    ref_b, t_ref = timed(scipy_loop)
    print(f"\npower law a*n^-b+c on {resamples:,} bootstrap curves of {len(sizes)} sizes")
    print(f"{'tuneup grid s':>14}{'scipy loop s':>14}{'speed-up':>10}  median |b - b_scipy|")
    print(f"{t_fast:>14.3f}{t_ref:>14.3f}{t_ref / t_fast:>9.1f}x  {np.median(np.abs(b - ref_b)):.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    bench_bootstrap(args.n, args.resamples)
    bench_power_law(500)
