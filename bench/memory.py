"""Peak memory to train on a 1,000,000 x 50 numeric table, against the raw float32 size of the data.

The table is written to Parquet first; a fresh process runs `tuneup.run` on its first 2,000 rows (so every
library the run uses is loaded), then on all of it (checks, 1 epoch, all baselines), and reports the
growth of its peak resident memory over the small run's peak, divided by rows x columns x 4 bytes.
Target: <= 2.5.

    python bench/memory.py [--rows 1000000] [--cols 50]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import tuneup, torch
torch.set_num_threads(2)
cfg = {"name": "memory", "runs_dir": sys.argv[2],
       "data": {"train": {"path": sys.argv[3], "target": "y"}},
       "model": {"hidden": [64, 32]}, "train": {"epochs": 1, "batch_size": 1024}}
tuneup.run(cfg, progress=False)  # a 2,000-row run first: the libraries it loads are not the data
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
cfg["data"]["train"]["path"] = sys.argv[1]
start = time.perf_counter()
run = tuneup.run(cfg, progress=False)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"base": base, "peak": peak, "seconds": seconds, "dev_error": run.summary["ladder"]["dev"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    args = parser.parse_args()
    import numpy as np
    import pandas as pd

    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(0)
        x = rng.standard_normal((args.rows, args.cols), dtype=np.float32)
        y = (x[:, :5].sum(1) + 0.5 * rng.standard_normal(args.rows) > 0).astype(np.int8)
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(args.cols)])
        frame["y"] = y
        path = Path(tmp) / "big.parquet"
        frame.to_parquet(path)
        small = Path(tmp) / "small.parquet"
        frame.iloc[:2000].to_parquet(small)
        del frame, x
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(Path(tmp) / "runs"), str(small)],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout.strip().splitlines()[-1])
    raw = args.rows * args.cols * 4
    growth = result["peak"] - result["base"]
    print(f"{args.rows:,} x {args.cols} float32 = {raw / 2**20:.0f} MiB raw")
    print(f"peak growth {growth / 2**20:.0f} MiB = {growth / raw:.2f} x raw  (target <= 2.5)")
    print(f"tuneup.run (load, split, encode, baselines, 1 epoch, evaluate): {result['seconds']:.1f} s, "
          f"dev error {result['dev_error']:.3f}")


if __name__ == "__main__":
    main()
