"""`tuneup check` on a generated table: 1,000,000 rows x 30 mixed columns (16 numbers with missing values,
4 counts, 6 categoricals of 3 to 5,000 values, 2 booleans, 2 dates, an identifier-like text column, a
constant), a skewed binary label. Prints the time of every step and check, so the slow one is visible,
against a reference measured in the same run: the least a hand-written check does with pandas
(read the file, `describe(include='all')`, `isna().sum()`, `duplicated()`).

    python bench/check.py [--rows 1000000] [--target-rows 0] [--repeats 1] [--dir /tmp/tuneup-bench-check]
    python bench/check.py --shift-only      # tuneup.data.shift.feature_shifts alone: 3 columns, 1M vs 1M rows

`--target-rows N` adds a target source of N rows with a planted shift (two sources: train-dev, the
domain classifier, train vs target). With --repeats, each step's median is printed.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

import tuneup

NUMBERS, COUNTS, CARDINALITIES = 16, 4, (3, 5, 10, 50, 200, 5000)


def make(n: int, seed: int = 0, shifted: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d: dict[str, object] = {}
    for i in range(NUMBERS):
        x = rng.normal(i, 1 + i % 3, n) if i % 2 else rng.lognormal(1, 0.6, n)
        if shifted and i == 3:
            x = x + 1.5 * (1 + i % 3)  # the planted shift: 1.5 standard deviations
        if i % 4 == 0:
            x[rng.random(n) < 0.05] = np.nan
        d[f"num{i:02d}"] = x
    for i in range(COUNTS):
        d[f"count{i}"] = rng.poisson(3 + 2 * i, n)
    for i, k in enumerate(CARDINALITIES):
        values = np.array([f"c{i}_{j}" for j in range(k)], dtype=object)
        d[f"cat{i}"] = values[rng.choice(k, n, p=np.random.default_rng(i).dirichlet(np.ones(k)))]
    d["flag0"], d["flag1"] = rng.random(n) < 0.3, rng.random(n) < 0.7
    d["opened"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    d["updated"] = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 3600 * 24 * 300, n), unit="s")
    d["session"] = np.char.add("t" if shifted else "s", rng.permutation(n).astype(str))  # unique per row
    d["constant"] = "v1"
    df = pd.DataFrame(d)
    logit = 0.8 * (df.num01 - 1) + 0.5 * (df.cat0 == "c0_1") - 2.2 + 0.06 * df.count1 + rng.normal(0, 1, n)
    df["label"] = np.where(logit > 0, "yes", "no")
    return df


def reference(path: Path) -> float:
    start = time.perf_counter()
    df = pd.read_parquet(path)
    df.describe(include="all")
    df.isna().sum()
    df.duplicated().sum()
    return time.perf_counter() - start


def shift_only(rows: int) -> None:
    """The shared shift module on its own: one number and two category columns, `rows` against `rows`."""
    from tuneup.data.shift import feature_shifts

    ref, cur = make(rows, seed=0), make(rows, seed=1, shifted=True)
    cols = ["num03", "cat2", "cat5"]
    start = time.perf_counter()
    found = feature_shifts(ref[cols], cur[cols], {"num03": "numeric", "cat2": "categorical", "cat5": "categorical"})
    print(f"feature_shifts, 3 columns, {rows:,} vs {rows:,} rows: {time.perf_counter() - start:.2f}s; "
          f"flagged: {[s.column for s in found if s.flagged]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--target-rows", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--shift-only", action="store_true")
    ap.add_argument("--dir", default="/tmp/tuneup-bench-check")
    args = ap.parse_args()
    if args.shift_only:
        return shift_only(args.rows)
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    train = root / f"train-{args.rows}.parquet"
    if not train.exists():
        make(args.rows).to_parquet(train, index=False)
    cfg = {"name": "bench", "data": {"train": {"path": str(train), "target": "label"}}}
    if args.target_rows:
        target = root / f"target-{args.target_rows}.parquet"
        if not target.exists():
            make(args.target_rows, seed=1, shifted=True).to_parquet(target, index=False)
        cfg["data"]["target"] = {"path": str(target), "target": "label"}

    refs, totals, steps = [], [], {}
    for _ in range(args.repeats):  # alternate the reference and the check
        refs.append(reference(train))
        start = time.perf_counter()
        report = tuneup.check(cfg)
        totals.append(time.perf_counter() - start)
        for step, seconds in report.timing.items():
            steps.setdefault(step, []).append(seconds)

    rows = args.rows + args.target_rows
    print(f"tuneup check: {rows:,} rows x 30 columns ({'two sources' if args.target_rows else 'one source'}), "
          f"median of {args.repeats}")
    print(f"{'step':<22}{'seconds':>9}")
    for step, seconds in steps.items():
        if step != "checks":
            print(f"{step:<22}{statistics.median(seconds):>9.2f}")
    total, ref = statistics.median(totals), statistics.median(refs)
    print(f"{'total':<22}{total:>9.2f}")
    print(f"reference (read + describe + isna + duplicated): {ref:.2f}s; tuneup check / reference = {total / ref:.1f}x")
    c = report.counts()
    print(f"findings: {c['error']} errors, {c['warning']} warnings, {c['info']} notes")
    for f in report.findings:
        print(f"  {f.severity}: {f.line()[:150]}")


if __name__ == "__main__":
    main()
