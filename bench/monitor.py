"""Drift over a million logged requests x 20 features: target 10 s, reading the log included (issue 10).

    python bench/monitor.py [--rows 1000000] [--work /tmp/tuneup-bench-monitor] [--skip-reference]

Trains a small run on a generated 20-feature table (16 numbers, 4 categories), writes a prediction log of
`--rows` requests answered by it (4 rotated files, one feature drifting from 70% of the time on, 20% with
feedback) with bench/loggen.py, then times:
  read_log    pyarrow's JSON reader -> tables (cold: nothing cached)
  reference   the run's training split re-read through its sources
  drift       every feature overall and per window (KS/Wasserstein/PSI, chi-squared/JS) + the classifier
and, for the ratio, a plain pandas reference doing less: pd.read_json(lines=True) + json_normalize, then
scipy's ks_2samp and wasserstein_distance (numbers) and chi2_contingency (categories) once per feature.
The log and the run are kept in --work and reused by later runs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
TARGET_S = 10.0
NUMERIC, CATEGORIES = 16, 4
CITIES = np.array(["paris", "berlin", "rome", "oslo", "lisbon", "vienna"])


def table(n: int, seed: int) -> pd.DataFrame:
    """16 numeric columns of several shapes, 4 categorical ones, and a label that depends on both."""
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(NUMERIC):
        base = [rng.normal(0, 1, n), rng.lognormal(0, 0.6, n), rng.exponential(2.0, n), rng.uniform(-3, 3, n)][j % 4]
        cols[f"x{j:02d}"] = np.round(base * (1 + j / 4), 4)
    for j in range(CATEGORIES):
        cols[f"c{j}"] = CITIES[rng.integers(0, 3 + j, n)]
    frame = pd.DataFrame(cols)
    logit = frame["x00"] - 0.5 * frame["x01"] + 0.3 * frame["x02"] + (frame["c0"] == "paris") - 0.4
    logit += rng.normal(0, 1, n)
    frame["label"] = np.where(logit > 0, "yes", "no")
    return frame


def prepare_run(work: Path):
    import tuneup

    run_dir = work / "runs" / "bench"
    if (run_dir / "summary.json").exists():
        return tuneup.Run.open(run_dir)
    path = work / "train.csv"
    table(20_000, 0).to_csv(path, index=False)
    cfg = {"name": "bench", "data": {"train": {"path": str(path), "target": "label"}}, "model": {"hidden": [32]},
           "train": {"epochs": 4, "batch_size": 256}, "runs_dir": str(work / "runs")}
    return tuneup.run(cfg, name="bench", progress=False)


def prepare_log(run, work: Path, rows: int) -> Path:
    from loggen import simulate

    folder = work / f"log-{rows}"
    if (folder / "log-0004.jsonl").exists():
        return folder
    fresh = table(rows, 1)
    simulate(run, folder, rows=fresh.drop(columns="label"), labels=fresh["label"], drift={"x03": 0.5},
             drift_from=0.7, feedback=0.2, files=4, days=30, seed=1)
    return folder


def timed(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds of this process: all its threads; on a busy machine the wall
    time stretches, the CPU time much less)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def ours(run, folder: Path, work: Path) -> dict:
    import shutil

    from tuneup.config import Watch
    from tuneup.watch.drift import data_drift
    from tuneup.watch.log import read_log
    from tuneup.watch.reference import load_reference
    from tuneup.watch.windows import cut

    shutil.rmtree(work / ".cache" / "logs", ignore_errors=True)  # cold: every file parsed from JSON
    log, *cold = timed(read_log, folder)
    log, *warm = timed(read_log, folder)  # the rotated files now come from the cache
    ref, *t_ref = timed(load_reference, run)
    cfg = Watch()
    found, *t_drift = timed(data_drift, ref.frame, log.inputs, ref.types, cut(log.predictions["time"], "auto"),
                            cfg.min_rows, ref.label)
    return {"read_log (cold)": cold, "read_log (warm)": warm, "reference": t_ref, "drift": t_drift,
            "rows": len(log.predictions), "features": len(found.features), "windows": len(found.windows),
            "drifted": found.drifted, "auc": found.classifier.auc, "bytes": sum(f.stat().st_size for f in log.files)}


def plain_pandas(run, folder: Path) -> dict:
    """What one would write by hand: pandas reads the JSON, scipy tests each feature once (no windows)."""
    from scipy import stats

    start = time.perf_counter()
    frames = [pd.read_json(f, lines=True) for f in sorted(folder.glob("log-*.jsonl"))]
    raw = pd.concat(frames, ignore_index=True)
    inputs = pd.json_normalize(raw.loc[raw["type"] == "prediction", "input"].tolist())
    t_read = time.perf_counter() - start
    ref = pd.read_csv(run.config.data.train.path)
    ref = ref[run.splits.split == "train"]  # splits.csv is in the file's row order (ids train:0, train:1, ...)
    start = time.perf_counter()
    for col in inputs.columns:
        if col.startswith("x"):
            a, b = ref[col].to_numpy(float), inputs[col].to_numpy(float)
            stats.ks_2samp(a, b)
            stats.wasserstein_distance(a, b)
        else:
            counts = pd.crosstab(np.r_[np.zeros(len(ref)), np.ones(len(inputs))],
                                 np.r_[ref[col].astype(str), inputs[col].astype(str)])
            stats.chi2_contingency(counts.to_numpy())
    return {"read_log": t_read, "drift": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/tuneup-bench-monitor"))
    parser.add_argument("--skip-reference", action="store_true", help="do not time the plain pandas reference")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ["TUNEUP_CACHE"] = str(args.work / ".cache")
    from tuneup import _progress

    _progress.set_quiet(True)
    run = prepare_run(args.work)
    folder = prepare_log(run, args.work, args.rows)
    load = os.getloadavg()[0]
    r = ours(run, folder, args.work)
    ref = None if args.skip_reference else plain_pandas(run, folder)
    print(f"log: {r['rows']:,} requests x {r['features']} features, {r['bytes'] / 1e6:.0f} MB in 4 files; "
          f"{r['windows']} windows; drifted: {', '.join(r['drifted']) or 'none'}; classifier AUC {r['auc']:.3f}")
    print(f"load average before: {load:.1f} on {os.cpu_count()} cores")
    print(f"{'stage':<18}{'wall s':>8}{'cpu s':>8}{'pandas s':>10}{'ratio':>8}")
    theirs = {"read_log (cold)": ref["read_log"], "drift": ref["drift"]} if ref else {}
    for stage in ("read_log (cold)", "read_log (warm)", "reference", "drift"):
        wall, cpu = r[stage]
        other = theirs.get(stage)
        ratio = f"{other / wall:.1f}x" if other else "-"
        print(f"{stage:<18}{wall:>8.2f}{cpu:>8.2f}{other if other else float('nan'):>10.2f}{ratio:>8}")
    for kind in ("cold", "warm"):
        wall = r[f"read_log ({kind})"][0] + r["reference"][0] + r["drift"][0]
        cpu = r[f"read_log ({kind})"][1] + r["reference"][1] + r["drift"][1]
        other = ref["read_log"] + ref["drift"] if ref and kind == "cold" else None
        ratio = f"{other / wall:.1f}x" if other else "-"
        shown = other if other else float("nan")
        print(f"{'total (' + kind + ')':<18}{wall:>8.2f}{cpu:>8.2f}{shown:>10.2f}{ratio:>8}")
        print(f"  target: drift over {r['rows']:,} rows within {TARGET_S:.0f} s, reading included ({kind}): "
              f"{'met' if wall <= TARGET_S else 'NOT met'} ({wall:.1f} s wall; {cpu:.1f} CPU s, "
              f"{cpu / (os.cpu_count() or 1):.1f} s if spread on {os.cpu_count()} idle cores)")


if __name__ == "__main__":
    main()
