"""How long the command line takes to start: `tuneup --help`, `tuneup init --help`, `import tuneup`, loading a
config, each in a fresh interpreter, against `python -c pass` measured in the same run (the interpreter's own
start). Commands alternate, so the machine's load falls on all of them alike; the median of `--repeats` is
shown, as wall seconds and as the child's CPU seconds (user + system: less moved by other people's load).
Target: `tuneup --help` and `tuneup init --help` under 0.5 s.

    PYTHONPATH=src python bench/startup.py [--repeats 5] [--compare /path/to/other/src]

`--compare` times the same commands on another source tree too (e.g. the main branch's `src`), in the
same rounds.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import tuneup

HERE = Path(tuneup.__file__).parent.parent
CONFIG = ("import tuneup; tuneup.load_config({'data': {'train': {'path': 'x.csv', 'target': 'y'}}, "
          "'metric': 'roc_auc', 'train': {'augment': ['hflip']}})")
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import tuneup": ["-c", "import tuneup"],
    "import tuneup.cli": ["-c", "import tuneup.cli"],
    "load_config (metric, augment)": ["-c", CONFIG],
    "tuneup --help": ["-m", "tuneup", "--help"],
    "tuneup init --help": ["-m", "tuneup", "init", "--help"],
}


def timed(args: list[str], src: Path) -> tuple[float, float]:
    """(wall, cpu) seconds of one fresh interpreter running `args` with `src` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(trees: dict[str, Path], repeats: int) -> dict[tuple[str, str], list[tuple[float, float]]]:
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(repeats):
        for label, src in trees.items():
            for name, args in COMMANDS.items():
                times.setdefault((label, name), []).append(timed(args, src))
    return times


def table(times: dict[tuple[str, str], list[tuple[float, float]]]) -> str:
    rows = ["| source | command | wall s (median) | x `pass` | CPU s (median) | x `pass` |", "|---|---|---:|---:|---:|---:|"]
    for label in dict.fromkeys(label for label, _ in times):
        wall0 = statistics.median(w for w, _ in times[(label, "python -c pass")])
        cpu0 = statistics.median(c for _, c in times[(label, "python -c pass")])
        for name in COMMANDS:
            wall = statistics.median(w for w, _ in times[(label, name)])
            cpu = statistics.median(c for _, c in times[(label, name)])
            rows.append(f"| {label} | {name} | {wall:.3f} | {wall / wall0:.1f} | {cpu:.3f} | {cpu / max(cpu0, 1e-3):.1f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare", type=Path, help="another source tree to time in the same rounds")
    args = parser.parse_args()
    trees = {"this": HERE} | ({str(args.compare): args.compare} if args.compare else {})
    print(f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores, "
          f"median of {args.repeats}")
    print(table(measure(trees, args.repeats)))


if __name__ == "__main__":
    main()
