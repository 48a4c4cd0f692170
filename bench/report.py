"""The report of a run with 100,000 dev predictions: target within 5 s and under 5 MB (issue 8).

    python bench/report.py [--dev 100000] [--work /tmp/tuneup-bench-report] [--no-browser]

Trains a real run on a generated 20-feature table (bench/monitor.py's generator) split so that dev holds
`--dev` examples (train 20,000), then times `tuneup report RUN` as the command does it, stage by stage:
  run         summary.json and history.jsonl
  diagnosis   tuneup.diagnose(run): bootstrap intervals of every rung, the remedies (and what they measure)
  errors      tuneup.errors(run, save=False) on dev: classes, scores, slices, weak slices, ceiling, top losses
  images      top-loss images (image runs only)
  files       a saved learning curve, monitor.json, check.json, improve.json, a sweep
  render      every section to HTML (charts as inline SVG)
  write       the page, atomically
The references, measured in the same run: the two analyses alone (`tuneup diagnose` + `tuneup errors`), so
"overhead" is what the report adds to them; and for size, the dev predictions as JSON records (what a
report that embedded its raw data would carry). With chromium installed, the page is also opened
headless and the time to its load event measured. The run is kept in --work and reused.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
TARGET_S, TARGET_MB = 5.0, 5.0
TRAIN = 20_000


def prepare_run(work: Path, dev: int):
    import tuneup
    from monitor import table

    run_dir = work / "runs" / f"bench-{dev}"
    if (run_dir / "summary.json").exists():
        return tuneup.Run.open(run_dir)
    total = TRAIN + dev + 2_000  # 2,000 test examples, never looked at
    path = work / f"table-{total}.csv"
    table(total, 0).to_csv(path, index=False)
    split = {"dev": dev / total, "test": 2_000 / total, "seed": 0}
    cfg = {"name": "bench", "data": {"train": {"path": str(path), "target": "label"}, "split": split},
           "model": {"hidden": [32]}, "train": {"epochs": 3, "batch_size": 512}, "baselines": ["majority", "linear"],
           "runs_dir": str(work / "runs")}
    return tuneup.run(cfg, name=f"bench-{dev}", progress=False)


def timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def report(run):
    """`tuneup report RUN`, with the time of each stage."""
    from tuneup._io import write_text
    from tuneup.report.data import load
    from tuneup.report.page import render

    data = load(run)
    page = render(data)
    t0 = time.perf_counter()
    path = write_text(run.path / "report.html", page)
    data.timing["write"] = time.perf_counter() - t0
    return path, data.timing


def references(run):
    import tuneup

    tuneup.diagnose(run)
    tuneup.errors(run, save=False)


def browser_load(path: Path) -> float | None:
    """Seconds from navigation to the load event in headless chromium (None without chromium/Playwright)."""
    executable = shutil.which("chromium")
    if executable is None:
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--headless", "--no-sandbox", "--disable-gpu",
                                                                      "--disable-background-networking"])
        page = browser.new_page()
        page.goto(path.resolve().as_uri(), wait_until="load")
        ms = page.evaluate("() => { const t = performance.getEntriesByType('navigation')[0];"
                           " return t.loadEventEnd - t.startTime; }")
        browser.close()
    return ms / 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", type=int, default=100_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/tuneup-bench-report"))
    ap.add_argument("--no-browser", action="store_true")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    from tuneup import _progress

    _progress.set_quiet(True)
    run = prepare_run(args.work, args.dev)
    n_dev = run.summary["splits"]["dev"]["n"]
    (path, stages), wall, cpu = timed(report, run)
    _, ref_wall, ref_cpu = timed(references, run)
    size = path.stat().st_size
    raw = len(run.predictions("dev").to_json(orient="records"))
    loaded = None if args.no_browser else browser_load(path)
    print(f"run {run.name}: {n_dev:,} dev predictions; report {path}")
    print("| stage | wall s |\n|---|---:|")
    for name, seconds in stages.items():
        print(f"| {name} | {seconds:.2f} |")
    print("\n| measure | report | reference | ratio | target |\n|---|---:|---:|---:|---|")
    print(f"| wall s | **{wall:.2f}** | {ref_wall:.2f} (diagnose + errors) | {wall / ref_wall:.2f}x | "
          f"{'met' if wall <= TARGET_S else 'NOT met'} (<= {TARGET_S:g} s) |")
    print(f"| CPU s | {cpu:.2f} | {ref_cpu:.2f} | {cpu / ref_cpu:.2f}x | |")
    print(f"| size | **{size / 1e6:.3f} MB** | {raw / 1e6:.1f} MB (dev predictions as JSON) | "
          f"{size / raw:.4f}x | {'met' if size <= TARGET_MB * 1e6 else 'NOT met'} (<= {TARGET_MB:g} MB) |")
    if loaded is not None:
        print(f"| browser load s | {loaded:.2f} | | | |")


if __name__ == "__main__":
    main()
