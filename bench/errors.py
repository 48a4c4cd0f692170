"""Error analysis of 1,000,000 predictions with 3 slice columns: target 10 s on this machine.

    PYTHONPATH=src python bench/errors.py [--rows 1000000] [--task binary|multiclass]

Prints each stage's time and the slice stage's ratio to a plain pandas groupby reference (error rate
per value of the same three columns, the number column cut in the same quantile bins), measured in the
same run on the same data; the two must agree on every slice's error rate.
"""
from __future__ import annotations

import argparse
import io
import time

import numpy as np
import pandas as pd

from rich.console import Console

from tuneup._io import dumps
from tuneup.errors.examples import Examples
from tuneup.errors.analysis import _Clock, analyse

SLICES = ["camera", "region", "age"]
TARGET_S = 10.0


def predictions(n: int, task: str, seed: int = 0) -> tuple[pd.DataFrame, list]:
    """A predictions file's shape plus three slice columns: 2 text (5 and 20 values), 1 number."""
    rng = np.random.default_rng(seed)
    camera = rng.choice(["old", "new", "web", "scan", "fax"], n)
    region = rng.choice([f"r{i:02d}" for i in range(20)], n)
    age = rng.normal(40, 12, n)
    hard = 0.5 * (camera == "old") + 0.02 * np.abs(age - 40)
    classes = ["no", "yes"] if task == "binary" else [str(i) for i in range(10)]
    c = len(classes)
    y = rng.integers(0, c, n) if task == "multiclass" else (rng.random(n) < 0.3).astype(int)
    logits = rng.normal(0, 1 + hard[:, None], (n, c)).astype(np.float32)
    logits[np.arange(n), y] += 2.0
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # (N, C) float32
    pred = proba.argmax(axis=1)
    names = np.asarray(classes, dtype=object)
    frame = {"id": np.char.add("e", np.arange(n).astype(str)).astype(object), "y_true": names[y], "y_pred": names[pred]}
    if task == "binary":
        frame["score"] = proba[:, 1]
    else:
        frame.update({f"p:{k}": proba[:, i] for i, k in enumerate(classes)})
    frame["loss"] = -np.log(proba[np.arange(n), y])
    frame.update({"camera": camera, "region": region, "age": age})
    return pd.DataFrame(frame), classes


def pandas_reference(frame: pd.DataFrame, bins: int) -> tuple[float, dict]:
    """Error rate per slice with a plain groupby: the floor a hand-written analysis would have."""
    start = time.perf_counter()
    wrong = (frame["y_true"] != frame["y_pred"]).astype(float)
    out = {}
    for column in SLICES:
        key = frame[column]
        if column == "age":
            edges = np.unique(np.quantile(key, np.linspace(0, 1, bins + 1)))
            key = pd.Series(np.searchsorted(edges[1:-1], key, side="right"))
        out[column] = wrong.groupby(key).agg(["size", "mean"])
    return time.perf_counter() - start, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--task", choices=["binary", "multiclass"], default="binary")
    ap.add_argument("--metric", default="accuracy", help="the run's metric (f1: computed per slice by scikit-learn)")
    args = ap.parse_args()

    frame, classes = predictions(args.rows, args.task)
    reference_s, reference = pandas_reference(frame, bins=5)

    clock = _Clock()
    start = time.perf_counter()
    with clock.stage("load"):
        examples = Examples.from_frame(frame, args.task, classes, args.metric)
    report = analyse(examples, by=SLICES, threshold="f1" if args.task == "binary" else None, clock=clock)
    with clock.stage("json"):
        dumps(report.to_dict())
    with clock.stage("render"):
        console = Console(file=io.StringIO(), width=120)
        console.print(report)
    total = time.perf_counter() - start

    for table in report.slices:  # same numbers as the reference, or the timing means nothing
        want = reference[table.column]
        keys = range(len(table.rows)) if table.binned else [r.value for r in table.rows]  # bins come in order
        np.testing.assert_allclose([r.error for r in table.rows], want.loc[list(keys), "mean"], rtol=1e-9)
        assert [r.n for r in table.rows] == want.loc[list(keys), "size"].tolist()

    print(f"error analysis of {args.rows:,} {args.task} predictions ({args.metric}), slices by {', '.join(SLICES)}")
    print(f"{'stage':<14}{'seconds':>9}")
    for stage, seconds in clock.seconds.items():
        print(f"{stage:<14}{seconds:>9.3f}")
    print(f"{'total':<14}{total:>9.3f}   target {TARGET_S:.0f} s: {'met' if total <= TARGET_S else 'MISSED'}")
    print(f"pandas groupby reference (error rate per slice only): {reference_s:.3f} s")
    print(f"slices stage / reference: {clock.seconds['slices'] / reference_s:.1f}x "
          f"(ours adds intervals, differences from overall and the run's metric per slice)")
    print(f"whole analysis / reference: {total / reference_s:.1f}x")
    found = report.weak.slices[0].rule if report.weak and report.weak.slices else "none"
    print(f"weak slice found: {found}")


if __name__ == "__main__":
    main()
