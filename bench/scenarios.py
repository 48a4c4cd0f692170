"""Scenarios with a known truth: does tuneup's decision layer give the right verdict, and does `improve`
reach scikit-learn's LogisticRegression and HistGradientBoosting on the same splits? (issue 14, "Prove it")

For every scenario (`bench/scenario_list.py`) and seed: generate its data into a folder the way a user keeps
it, `tuneup.init_project` on it, the scenario's user choices as overrides, then `tuneup.run` ->
`tuneup.diagnose` -> `tuneup.improve(budget=...)` (wall time measured), and LR / HGB fitted on the run's
train split and scored on its dev split with the run's metric. Only tuneup's public Python API is used.

    python bench/scenarios.py [--only NAME...] [--budget 2m] [--seeds 0 1] [--quick] [--keep] [--out DIR]
                              [--json PATH] [--markdown PATH]
    python bench/scenarios.py --verify [--only NAME...]   # the independent checks of each truth, no tuneup
    python bench/scenarios.py --list

A failure in one scenario (tuneup raising) is recorded in its row (and the traceback in the JSON), and the
next scenario runs. Improve's dev error is the best run's own dev error: when improve moved target data into
training, that dev set is the rest of the target data, not the original dev set LR and HGB are scored on.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/scenarios.py`: the repository root holds the `bench` package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from threadpoolctl import threadpool_limits

import tuneup
from bench import scenario_refs
from bench.scenario_data import write
from bench.scenario_list import BY_NAME, SCENARIOS, Scenario
from bench.scenario_report import markdown, verify_markdown
from tuneup.checks import ChecksFailed

QUICK_SCALE = 0.35  # --quick: a third of the data, and at most QUICK_EPOCHS epochs
QUICK_EPOCHS = 8


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _interval(iv) -> dict[str, float]:
    return {"value": iv.value, "low": iv.low, "high": iv.high}


def _failure(phase: str, result: dict, error: BaseException) -> None:
    result["failures"][phase] = f"{type(error).__name__}: {error}"
    result["tracebacks"][phase] = traceback.format_exc()
    say(f"    {phase} failed: {type(error).__name__}: {error}")


def config_for(sc: Scenario, folder: Path, seed: int, quick: bool):
    """What a user has: the data written, `init`'s tuneup.yaml, their own choices on top."""
    written = write(sc.make(seed, QUICK_SCALE if quick else 1.0), folder / "data")
    init = tuneup.init_project(str(written.train), target=written.label,
                               target_data=None if written.target is None else str(written.target),
                               out=folder / "tuneup.yaml", force=True)
    overrides = {"name": sc.name, "runs_dir": str(folder / "runs"), "data.split.seed": seed, "train.seed": seed,
                 **sc.overrides}
    cfg = tuneup.load_config(init.path, overrides=overrides)
    if quick:
        cfg = cfg.with_overrides({"train.epochs": min(cfg.train.epochs, QUICK_EPOCHS)})
    return cfg, overrides


def run_one(sc: Scenario, seed: int, folder: Path, budget: str, quick: bool, tag: str) -> dict[str, Any]:
    result: dict[str, Any] = {"scenario": sc.name, "seed": seed, "kind": sc.kind, "truth": sc.truth,
                              "right_verdicts": list(sc.right), "verdict": None, "right": False,
                              "failures": {}, "tracebacks": {}}
    say(f"{tag} {sc.name} (seed {seed}): generating data, tuneup init")
    try:
        cfg, result["overrides"] = config_for(sc, folder, seed, quick)
    except Exception as e:  # noqa: BLE001 (recorded in the row; the next scenario runs)
        _failure("init", result, e)
        return result
    say(f"{tag} {sc.name}: tuneup run")
    started = time.perf_counter()
    try:
        try:
            run = tuneup.run(cfg, progress=False)
        except ChecksFailed as e:  # recorded; then on, as a user who read the findings would (--force)
            _failure("checks", result, e)
            result["forced"] = True
            run = tuneup.run(cfg, progress=False, force=True)
    except Exception as e:  # noqa: BLE001
        _failure("run", result, e)
        return result
    result["run"] = {"name": run.name, "seconds": time.perf_counter() - started, "metric": run.summary["metric"],
                     "ladder": run.summary["ladder"]}
    try:
        diag = tuneup.diagnose(run)
        result["verdict"], result["right"] = diag.verdict, diag.verdict in sc.right
        result["run"]["dev"] = _interval(diag.intervals["ladder"]["dev"])
        result["run"]["error_in_units"] = diag.error_in_units
        result["run"]["problems"] = diag.problems
        say(f"{tag} {sc.name}: verdict {diag.verdict} (truth {sc.truth}); tuneup improve, budget {budget}")
    except Exception as e:  # noqa: BLE001
        _failure("diagnose", result, e)
    started = time.perf_counter()
    try:
        imp = tuneup.improve(cfg, budget=budget, progress=False)
        result["improve"] = {"seconds": time.perf_counter() - started, "budget": budget, "dev": _interval(imp.best_dev),
                             "start_dev": _interval(imp.start_dev), "changes": imp.changes, "stopped": imp.stopped,
                             "best": imp.best, "start_reused": imp.start_reused,
                             "tried": [{"action": t.action, "strength": t.strength, "set": t.set,
                                        "dev": None if t.dev is None else t.dev.value, "outcome": t.outcome}
                                       for t in imp.tried]}
    except Exception as e:  # noqa: BLE001
        result["improve"] = {"seconds": time.perf_counter() - started, "budget": budget}
        _failure("improve", result, e)
    say(f"{tag} {sc.name}: LogisticRegression and HistGradientBoosting on the run's splits")
    try:
        result["references"] = scenario_refs.on_run(run)
    except Exception as e:  # noqa: BLE001
        _failure("references", result, e)
    result["improve_beats_references"] = _beats(result)
    return result


def _beats(result: dict) -> bool | None:
    """improve's dev error at or below the better of LR and HGB (point values); None when one is missing."""
    dev = result.get("improve", {}).get("dev")
    refs = result.get("references")
    if dev is None or not refs:
        return None
    return dev["value"] <= min(r["value"] for r in refs.values()) + 1e-12


def verify(names: list[str], seeds: list[int], quick: bool) -> list[dict]:
    rows = []
    for sc in (BY_NAME[n] for n in names):
        for seed in seeds:
            say(f"verify {sc.name} (seed {seed})")
            started = time.perf_counter()
            scale = QUICK_SCALE if quick else 1.0
            with threadpool_limits(scenario_refs.BLAS_THREADS, user_api="blas"):
                evidence = sc.check(sc.make(seed, scale), seed, scale)
            rows.append({"scenario": sc.name, "seed": seed, "truth": sc.truth, "evidence": evidence,
                         "seconds": time.perf_counter() - started})
    return rows


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {"date": dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "load_average": load,
            "tuneup": tuneup.__version__, "torch_threads": _torch_threads()}


def _torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", nargs="+", metavar="NAME", choices=list(BY_NAME), help="scenarios to run (default: all)")
    p.add_argument("--budget", default=None, help="improve's budget: candidates (8) or a duration (2m); default 2m, "
                   "1 with --quick")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="data, split and training seeds (default 0)")
    p.add_argument("--quick", action="store_true", help=f"smaller data ({QUICK_SCALE:.0%}), at most {QUICK_EPOCHS} "
                   "epochs: a smoke run of the machinery; its verdicts mean nothing")
    p.add_argument("--keep", action="store_true", help="keep the data and run folders")
    p.add_argument("--out", type=Path, default=None, help="where data and runs go (default: a temporary folder)")
    p.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("--markdown", type=Path, default=None, help="write the table as markdown here")
    p.add_argument("--verify", action="store_true", help="only the independent checks of each truth (no tuneup)")
    p.add_argument("--list", action="store_true", help="list the scenarios and their truths")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2: the project's machine)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    names = args.only or [s.name for s in SCENARIOS]
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:16} {s.kind:6} {'/'.join(s.right):22} {s.description}\n")
        return 0
    import torch

    torch.set_num_threads(args.threads)
    meta = {**machine(), "command": " ".join(["python", "bench/scenarios.py", *(argv or sys.argv[1:])]),
            "seeds": args.seeds, "quick": args.quick}
    if args.verify:
        rows = verify(names, args.seeds, args.quick)
        text = verify_markdown(rows)
        return _emit(args, {"meta": meta, "verify": rows}, text)
    budget = args.budget or ("1" if args.quick else "2m")
    meta["budget"] = budget
    out = args.out or Path(tempfile.mkdtemp(prefix="tuneup-scenarios-"))
    results = []
    total = len(names) * len(args.seeds)
    try:
        for i, (name, seed) in enumerate(((n, s) for n in names for s in args.seeds), 1):
            folder = out / f"{name}-s{seed}"
            shutil.rmtree(folder, ignore_errors=True)
            results.append(run_one(BY_NAME[name], seed, folder, budget, args.quick, f"[{i}/{total}]"))
            if args.json:  # after every scenario: a long run killed midway keeps what it measured
                _write_json(args.json, {"meta": meta, "results": results})
    finally:
        if not args.keep and args.out is None:
            shutil.rmtree(out, ignore_errors=True)
        elif args.keep or args.out:
            say(f"data and runs kept in {out}")
    return _emit(args, {"meta": meta, "results": results}, markdown(results, meta))


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    tmp.replace(path)


def _emit(args, data: dict, text: str) -> int:
    print(text)
    if args.json:
        _write_json(args.json, data)
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
