"""Default models, chosen by measurement (issue 14, item 1): do `init`'s architectures and `train.lr: auto`
fit the training data within the default epochs, on data the project never tuned on?

Images (generated: digit glyphs, coloured shapes, scikit-learn's digits upscaled; 32x32 and glyphs upscaled
to 64x64): for each candidate CNN (channels, head grid), a run of `tuneup.run` with early stopping off, and
its training error, train-dev error, seconds per epoch and size, next to LogisticRegression on the raw [0, 1]
pixels of the same train split (the bar issue 14 sets: "near the linear baseline's training error").
Tables (generated and bundled): init's MLP with `train.lr: auto` against a fixed 1e-3, next to LR and HGB.

    python bench/default_models.py [--only images|tables] [--epochs 12] [--json PATH] [--markdown PATH]

Only tuneup's public API and the run folder are read; every run is one seed (0): the figures say which
default fits, not by how much to the last point.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/default_models.py`: the repository root holds `bench`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import tuneup
from bench import scenario_refs
from bench.scenario_data import Generated, write
from bench.scenario_images import ImageSet, digit_set, glyph_set, shape_set
from bench.scenario_tables import breast_cancer, quadrants, sparse_linear, thresholds, wavy

# (channels, head grid): the old default (two wide blocks, global average pooling), the same depth as
# today's default but pooled globally, today's default (one block per halving to ~4x4, a 4x4 head), wider
ARCHITECTURES = {
    "[32, 64] + GAP (old)": ([32, 64], 1),
    "[16, 32, 64] + GAP": ([16, 32, 64], 1),
    "[16, 32, 64] + 4x4 (default)": ([16, 32, 64], 4),
    "[32, 64, 128] + 4x4": ([32, 64, 128], 4),
}
ARCHITECTURES_64 = {
    "[16, 32, 64] + 4x4 (8x8 map)": ([16, 32, 64], 4),
    "[16, 32, 64, 128] + 4x4 (default)": ([16, 32, 64, 128], 4),
}


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def upscaled(images: ImageSet, factor: int = 2) -> ImageSet:
    return ImageSet(np.kron(images.images, np.ones((1, factor, factor) + (1,) * (images.images.ndim - 3))),
                    images.labels)


def image_sets(n: int) -> dict[str, tuple[Generated, dict]]:
    rng = np.random.default_rng(0)
    glyphs = glyph_set(n, rng)
    return {
        "glyphs 32x32": (Generated(glyphs), ARCHITECTURES),
        "shapes 32x32 RGB": (Generated(shape_set(n, np.random.default_rng(1))), ARCHITECTURES),
        "digits 32x32": (Generated(digit_set(np.random.default_rng(2).permutation(1797)[:n],
                                             np.random.default_rng(2))), ARCHITECTURES),
        "glyphs 64x64": (Generated(upscaled(glyphs)), ARCHITECTURES_64),
    }


def table_sets() -> dict[str, Generated]:
    return {
        "wavy (3,000)": Generated(wavy(3000, np.random.default_rng(0)), label="side"),
        "quadrants (1,500)": Generated(quadrants(1500, np.random.default_rng(0)), label="agree"),
        "sparse linear (500 x 60)": Generated(sparse_linear(500, np.random.default_rng(0)), label="converted"),
        "thresholds (3,000)": Generated(thresholds(3000, np.random.default_rng(0)), label="flag"),
        "breast cancer (569)": Generated(breast_cancer(), label="diagnosis"),
    }


def config(gen: Generated, folder: Path, overrides: dict) -> tuneup.Config:
    written = write(gen, folder / "data")
    init = tuneup.init_project(str(written.train), target=written.label, out=folder / "tuneup.yaml", force=True)
    return tuneup.load_config(init.path, overrides={"runs_dir": str(folder / "runs"), **overrides})


def measure(cfg: tuneup.Config, name: str) -> dict[str, Any]:
    started = time.perf_counter()
    run = tuneup.run(cfg, name=name, progress=False, force=True)
    s = run.summary
    training = s.get("training", {})
    ladder = s["ladder"]
    epochs = max(len(run.history), 1)
    return {"train": ladder.get("train"), "train_dev": ladder.get("train_dev"), "dev": ladder.get("dev"),
            "epochs": epochs, "seconds": time.perf_counter() - started,
            "seconds_per_epoch": s.get("timing", {}).get("per_epoch_s", 0.0), "parameters": training.get("parameters"),
            "lr": run.config.train.lr, "run": run}


def linear_errors(run: tuneup.Run) -> tuple[float, float]:
    """LogisticRegression fitted once on the run's train split: its error on those rows and on the dev rows
    (share wrong: the runs here are scored by accuracy)."""
    from bench.scenario_models import Reference, pixels

    ds = run.data()
    split = scenario_refs.split_of(run, ds.ids)
    x = pixels(ds.images) if ds.images is not None else ds.features.reset_index(drop=True)
    y = ds.y.to_numpy()

    def rows(mask):
        return x[mask] if not hasattr(x, "loc") else x.loc[mask].reset_index(drop=True)

    fit, dev = split == "train", split == "dev"
    ref = Reference("LR", rows(fit), y[fit])
    return ref.error(rows(fit), y[fit]), ref.error(rows(dev), y[dev])


def images(out: Path, n: int, epochs: int) -> list[dict]:
    rows = []
    for set_name, (gen, archs) in image_sets(n).items():
        for arch, (channels, grid) in archs.items():
            say(f"{set_name}: {arch}")
            cfg = config(gen, out / set_name.replace(" ", "_"), {
                "model.channels": channels, "model.head_grid": grid, "train.epochs": epochs,
                "train.early_stopping": False})
            m = measure(cfg, f"{len(rows):02d}")
            lr_train, lr_dev = linear_errors(m["run"])
            rows.append({"set": set_name, "model": arch, **{k: v for k, v in m.items() if k != "run"},
                         "LR_train": lr_train, "LR_dev": lr_dev})
            say(f"  train {pct(m['train'])}  dev {pct(m['dev'])}  {m['seconds_per_epoch']:.2f} s/epoch")
    return rows


def tables(out: Path) -> list[dict]:
    rows = []
    for set_name, gen in table_sets().items():
        for lr in ("auto", 1e-3):
            say(f"{set_name}: init's MLP, train.lr {lr}")
            cfg = config(gen, out / set_name.split(" (")[0].replace(" ", "_"), {"train.lr": lr})
            m = measure(cfg, f"{len(rows):02d}")
            lr_train, lr_dev = linear_errors(m["run"])
            hgb = scenario_refs.on_run(m["run"], names=("HGB",))["HGB"]
            rows.append({"set": set_name, "model": f"MLP, lr {lr}", **{k: v for k, v in m.items() if k != "run"},
                         "LR_train": lr_train, "LR_dev": lr_dev, "HGB_dev": hgb["value"]})
    return rows


def pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def markdown(rows: list[dict]) -> str:
    header = ("| data | model | lr | epochs | train error | train-dev error | dev error | LR train error | "
              "LR dev error | HGB dev error | s/epoch | parameters |")
    lines = [header, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lr = r["lr"] if isinstance(r["lr"], str) else f"{r['lr']:.2g}"
        lines.append(f"| {r['set']} | {r['model']} | {lr} | {r['epochs']} | {pct(r['train'])} | {pct(r['train_dev'])} | "
                     f"{pct(r['dev'])} | {pct(r['LR_train'])} | {pct(r['LR_dev'])} | {pct(r.get('HGB_dev'))} | "
                     f"{r['seconds_per_epoch']:.2f} | {r['parameters'] or '-'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", choices=["images", "tables"], default=None)
    p.add_argument("--images", type=int, default=1200, help="images per set (default 1,200)")
    p.add_argument("--epochs", type=int, default=12, help="CNN epochs, early stopping off (default 12)")
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--markdown", type=Path, default=None)
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    load = os.getloadavg()
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="tuneup-default-models-") as tmp:
        if args.only in (None, "images"):
            rows += images(Path(tmp) / "images", args.images, args.epochs)
        if args.only in (None, "tables"):
            rows += tables(Path(tmp) / "tables")
    text = markdown(rows)
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, at end: "
          + " ".join(f"{v:.2f}" for v in os.getloadavg()) + "\n")
    print(text)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, default=str))
    if args.markdown:
        args.markdown.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
