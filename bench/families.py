"""What a `model.kind: hgb` or `linear` run costs against the MLP on the same table: time to train, to
evaluate and write the run folder, and to export (ONNX, verified, the trade-off table).

    python bench/families.py [--rows 20000] [--work /tmp/tuneup-bench-families] [--kinds mlp,hgb,linear]

The table is bench/monitor.py's generator (16 numeric columns, 4 categorical ones, a binary label). The data
is prepared once (read, checked, split, encoded) and its baselines fitted once, before anything is timed, so
each row times only its model: `train` (fit, or training with early stopping; the config's defaults: MLP
[128, 64], Adam, up to 50 epochs, patience 5), `write` (predictions on every split, the artifact, and for a
family the ONNX check against scikit-learn), `export` (`tuneup export RUN`: verification on dev, size,
latency, per-slice metric). The reference is the MLP, measured in the same process.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--work", default="/tmp/tuneup-bench-families")
    parser.add_argument("--kinds", default="mlp,hgb,linear")
    args = parser.parse_args()

    from monitor import table

    import tuneup
    from tuneup import _progress
    from tuneup.pipeline.folder import fit_baselines
    from tuneup.pipeline.preparation import prepare

    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    path = work / "table.csv"
    table(args.rows, 0).to_csv(path, index=False)
    cfg = tuneup.load_config({"name": "bench", "runs_dir": str(work / "runs"),
                              "data": {"train": {"path": str(path), "target": "label"}}})
    _progress.set_quiet(True)
    prepared = prepare(cfg)  # read, split, encode once: every row reuses it
    fit_baselines(prepared, prepared.cfg, final=False)
    tuneup.run(cfg, overrides={"model.kind": "linear"}, name="warm-up", progress=False)  # imports, checks' cache
    rows = []
    for kind in args.kinds.split(","):
        run, _, cpu = timed(tuneup.run, cfg, overrides={"model.kind": kind}, name=kind, progress=False)
        t = run.summary["timing"]
        _, export_wall, export_cpu = timed(tuneup.export, run)
        rows.append({"kind": kind, "model": run.summary["training"]["model"], "train": t["train_s"],
                     "write": t["evaluate_s"] + max(t["total_s"] - t["prepare_s"] - t["baselines_s"] - t["train_s"]
                                                    - t["evaluate_s"], 0.0),
                     "export": export_wall, "cpu": cpu + export_cpu, "dev_error": run.summary["ladder"]["dev"],
                     "epochs": run.summary["training"]["epochs_run"]})
    ref = next((r for r in rows if r["kind"] == "mlp"), rows[0])
    print(f"rows={args.rows} (train {prepared.splits.sizes().get('train')}), load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| model | train s | write s | export s | train + write + export | vs mlp | CPU s | dev error | epochs |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        total = r["train"] + r["write"] + r["export"]
        ref_total = ref["train"] + ref["write"] + ref["export"]
        print(f"| {r['kind']} | {r['train']:.2f} | {r['write']:.2f} | {r['export']:.2f} | {total:.2f} | "
              f"{total / ref_total:.3f}x | {r['cpu']:.1f} | {r['dev_error']:.4f} | {r['epochs']} |")


if __name__ == "__main__":
    main()
