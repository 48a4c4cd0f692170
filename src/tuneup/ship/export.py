"""`tuneup export RUN`: the folder a deployment needs, verified against PyTorch, with the trade-off table.

    <run>/export/                 (or --out DIR)
      model.onnx                  fp32: numeric preprocessing + network + output activation
      model.int8.onnx             --int8: dynamic quantization
      model.pruned.onnx           --prune F: magnitude pruning + a short fine-tune
      model.torchscript.pt        --format torchscript
      encoder.json                the category-string -> index mapping (and the rest of the encoder)
      metadata.json               task, classes, input schema, threshold, version, verification, the table
      web/                        --web: a static page that runs the model in the browser

The folder is built beside the destination and moved into place at the end: a failed export leaves
the previous one (or nothing) behind, never a half-written folder.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from tuneup import __version__, _progress
from tuneup._io import alive, write_json
from tuneup.exceptions import UserError, listing
from tuneup.ship.result import ENCODER, METADATA, WEB, Export

FORMATS = ("onnx", "torchscript")
FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx", "pruned": "model.pruned.onnx",
         "torchscript": "model.torchscript.pt"}
ATOL = RTOL = 1e-4  # exported outputs vs PyTorch's, float32 on both sides


class ExportMismatch(RuntimeError):
    """The exported model does not compute what the PyTorch network computes: a bug, not bad input."""


def export(run, out: str | Path | None = None, format: str = "onnx", int8: bool = False,
           prune: float | None = None, web: bool = False, tolerance: float = 0.01, min_slice: int = 30,
           prune_epochs: int = 3) -> Export:
    """Export a finished run; see the module docstring for what the folder holds."""
    from tuneup.runs import EXPORT, Run

    run = Run.open(run)
    _check_options(run, format, int8, prune, web, tolerance)
    summary = run.summary  # raises for an unfinished run
    out = Path(out) if out is not None else run.path / EXPORT
    options = {"format": format, "int8": int8, "prune": prune, "web": web, "tolerance": tolerance,
               "min_slice": min_slice, "prune_epochs": prune_epochs}  # kept in metadata.json: to make it again
    steps = 3 + int(int8) + 2 * int(prune is not None) + int(web)
    with _progress.task(f"exporting {run.name}", total=steps) as bar, _staging(out) as tmp:
        meta = _build(run, summary, tmp, options, bar)
    return Export(out, meta)


def _check_options(run, format: str, int8: bool, prune: float | None, web: bool, tolerance: float) -> None:
    if format not in FORMATS:
        raise UserError(f"--format {format!r} is not known; choose one of: {', '.join(FORMATS)}")
    if run.family is not None and (format != "onnx" or int8 or prune is not None):
        raise UserError(f"run '{run.name}' is model.kind {run.family} (scikit-learn), not a network: --int8, --prune and "
                        "--format torchscript are for networks; export it without them (ONNX, checked against "
                        "scikit-learn's own predictions)")
    if format == "torchscript" and (int8 or prune is not None or web):
        raise UserError("--int8, --prune and --web make ONNX files; use them with --format onnx (the default)")
    if prune is not None:
        from tuneup.ship.compress import check_fraction

        check_fraction(prune)
    if tolerance < 0:
        raise UserError(f"--tolerance {tolerance}: the metric a variant may lose must be >= 0, e.g. 0.01")


def _build(run, summary, tmp: Path, options: dict[str, Any], bar) -> dict:
    from tuneup.ship import graph
    from tuneup.ship.evaluate import eval_set

    fmt, int8, prune, web = options["format"], options["int8"], options["prune"], options["web"]
    enc, threshold = run.encoder, run.head().threshold
    data = eval_set(run, "dev")
    if run.family is not None:  # a scikit-learn model: its run already holds the whole graph
        from tuneup.models.families.artifact import reference_outputs
        from tuneup.runs import FAMILY_MODEL

        expected = reference_outputs(run, data.ids)
        bar.advance(note="dev inputs and scikit-learn's outputs")
        shutil.copyfile(run.path / ENCODER, tmp / ENCODER)
        files = {"fp32": Path(shutil.copyfile(run.path / FAMILY_MODEL, tmp / FILES["fp32"]))}
        return _finish(run, summary, tmp, files, data, expected, "scikit-learn", threshold, options, {}, bar)
    module = graph.InferenceModule(run.load_model(), enc)
    expected = graph.torch_outputs(module, data.feeds)
    bar.advance(note="dev inputs and PyTorch outputs")
    shutil.copyfile(run.path / ENCODER, tmp / ENCODER)
    if fmt == "torchscript":
        path = graph.to_torchscript(module, data.feeds, tmp / FILES["torchscript"])
        verification = _verify(_torchscript_outputs(path, data.feeds), expected, enc, threshold, "TorchScript")
        bar.advance(note="TorchScript verified")
        meta = _metadata(run, summary, {"torchscript": FILES["torchscript"]}, verification, None, options)
        write_json(tmp / METADATA, meta)
        bar.advance()
        return meta
    files = {"fp32": graph.to_onnx(module, enc, data.feeds, tmp / FILES["fp32"])}
    extras: dict[str, dict] = {}
    if int8:
        from tuneup.ship.compress import quantize_int8

        files["int8"] = quantize_int8(files["fp32"], tmp / FILES["int8"])
        bar.advance(note="int8 quantized")
    if prune is not None:
        from tuneup.ship.compress import prune_and_finetune

        network, extras["pruned"] = prune_and_finetune(run, prune, options["prune_epochs"])
        bar.advance(note="pruned and fine-tuned")
        files["pruned"] = graph.to_onnx(graph.InferenceModule(network, enc), enc, data.feeds, tmp / FILES["pruned"])
        bar.advance()
    return _finish(run, summary, tmp, files, data, expected, "PyTorch", threshold, options, extras, bar)


def _finish(run, summary, tmp: Path, files: dict[str, Path], data, expected: np.ndarray, reference: str,
            threshold: float, options: dict[str, Any], extras: dict[str, dict], bar) -> dict:
    """Verify fp32 against `reference`'s outputs on dev, measure every variant, write metadata (and --web)."""
    from tuneup.ship.latency import onnx_call, session
    from tuneup.ship.tradeoff import measure

    enc, web = run.encoder, options["web"]
    verification = _verify(onnx_call(session(files["fp32"]))(data.feeds), expected, enc, threshold, "ONNX Runtime",
                           reference)
    bar.advance(note=f"ONNX verified (max |diff| {verification['max_abs_diff']:.2g})")
    table = measure(files, enc, run.metric, data, threshold, options["tolerance"], options["min_slice"], extras)
    bar.advance(note="size, latency and dev metric measured")
    meta = _metadata(run, summary, {k: v.name for k, v in files.items()}, verification, table.to_dict(), options)
    if web:
        from tuneup.ship.web import build_web

        meta["web"] = WEB
        build_web(tmp / WEB, tmp, meta)
        bar.advance(note="web folder built")
    write_json(tmp / METADATA, meta)  # last: its presence means the export is complete
    return meta


def _verify(got: np.ndarray, expected: np.ndarray, enc, threshold: float, engine: str,
            reference: str = "PyTorch") -> dict[str, Any]:
    from tuneup.ship.evaluate import decide

    diff = float(np.max(np.abs(got - expected), initial=0.0))
    ok = bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL))
    agree = None
    if enc.task != "regression":
        a, b = decide(enc, got, threshold), decide(enc, expected, threshold)
        agree = float(((a == b) if a.ndim == 1 else (a == b).all(axis=1)).mean())
    result = {"engine": engine, "reference": reference, "split": "dev", "n": int(len(expected)),
              "max_abs_diff": diff, "rtol": RTOL, "atol": ATOL, "passed": ok, "prediction_agreement": agree}
    if not ok:
        raise ExportMismatch(f"{engine} outputs differ from {reference}'s on dev by up to {diff:.3g} "
                             f"(allowed {ATOL:g} + {RTOL:g} x |value|): the export is wrong; please report it")
    return result


def _torchscript_outputs(path: Path, feeds: dict[str, np.ndarray]) -> np.ndarray:
    import warnings

    import torch

    from tuneup.ship.graph import torch_outputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.jit's own deprecation notice
        module = torch.jit.load(str(path), map_location="cpu")
    return torch_outputs(module, feeds)


def _metadata(run, summary: dict, files: dict[str, str], verification: dict, table: dict | None,
              options: dict[str, Any]) -> dict[str, Any]:
    from tuneup.errors.threshold import describe, load_threshold
    from tuneup.ship.graph import OPSET, OUTPUT, input_names
    from tuneup.ship.schema import input_schema

    enc = run.encoder
    task = enc.task
    threshold = run.head().threshold if task in ("binary", "multilabel") else None
    dev = (summary.get("splits") or {}).get("dev") or {}
    fp32 = next((v for v in (table or {}).get("variants", []) if v["name"] == "fp32"), None)
    return {
        "format": "tuneup-export", "format_version": 1,
        "model_version": run.name, "run": str(run.path.resolve()),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "tuneup_version": __version__,
        "task": task, "kind": enc.kind, "target": enc.spec["target"].get("name"),
        "classes": enc.classes, "positive_class": enc.classes[1] if task == "binary" else None,
        "metric": summary["metric"], "higher_is_better": summary["higher_is_better"],
        # what the served model scores on dev, at the threshold it applies (the summary's figure unless a
        # threshold was chosen after the run), and the summary's own
        "dev_metric": fp32["metric"] if fp32 and fp32.get("metric") is not None else dev.get("metric"),
        "summary_dev_metric": dev.get("metric"),
        "threshold": threshold,
        "threshold_is": describe(load_threshold(run.path)) if task == "binary" else None,
        "input": input_schema(enc),
        "model": {"inputs": input_names(enc), "output": OUTPUT, "opset": OPSET, "output_is": _output_is(task)},
        "files": files, "encoder": ENCODER,
        "verification": verification,
        "compress": table,
        "web": None,
        "options": options,
    }


def _output_is(task: str) -> str:
    return {"binary": "P(positive class), shape (batch,)", "multiclass": "class probabilities, shape (batch, classes)",
            "multilabel": "label probabilities, shape (batch, labels)",
            "regression": "the prediction in the target's units, shape (batch,)"}[task]


@contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A fresh folder beside `out`, moved onto it only when the block succeeds. Staging folders that killed
    exports left behind are removed first."""
    if out.exists() and not (out / METADATA).exists() and any(out.iterdir()):
        raise UserError(f"{out}: exists and is not an export folder; choose another --out (nothing was changed)")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    tmp = _new_folder(out.parent, f".{out.name}.{os.getpid()}-", ".tmp")
    try:
        yield tmp
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _new_folder(parent: Path, prefix: str, suffix: str) -> Path:
    """A new empty folder with the permissions the umask gives (tempfile.mkdtemp's are always 0700, and an
    export is for serving)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _remove_leftovers(out: Path) -> None:
    """Remove what killed exports to `out` left beside it: staging folders `.<out>.<pid>-*.tmp` and replaced
    exports `.<out>.old-<pid>` of processes that are gone (this machine's), and staging folders of older
    tuneup versions (no pid in the name) older than the export now in place."""
    made = (out / METADATA).stat().st_mtime if (out / METADATA).exists() else None
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:(\d+)-[0-9a-f]+\.tmp|old-(\d+)|[^.]+\.tmp)")
    for path in out.parent.glob(f".{out.name}.*"):
        found = pattern.fullmatch(path.name)
        if found is None or not path.is_dir():
            continue
        pid = found.group(1) or found.group(2)
        if found.group(2) and made is None:
            continue  # killed between its two renames: the previous export, with none in place; kept
        stale = not alive(int(pid)) if pid else (made is not None and path.stat().st_mtime < made)
        if stale:
            shutil.rmtree(path, ignore_errors=True)


def ensure_export(run) -> Export:
    """The run's export folder, made again when it is missing or older than what it was made from (weights,
    encoder, a threshold chosen since), with every variant it held: a re-export never drops one."""
    from tuneup.runs import EXPORT, MODEL, THRESHOLD

    folder = run.path / EXPORT
    if not (folder / METADATA).exists():
        _progress.info(f"{run.name} has no ONNX export yet: exporting it to {folder}")
        return export(run, folder)
    found = Export.open(folder)
    made = (folder / METADATA).stat().st_mtime
    sources = [run.path / name for name in (MODEL, ENCODER, THRESHOLD)]
    fresh = all(not p.exists() or p.stat().st_mtime <= made for p in sources)
    if fresh and found.metadata.get("model_version") == run.name and "fp32" in found.metadata.get("files", {}):
        return found
    options = made_with(found, run)
    _progress.info(f"{folder} is older than {run.name}'s weights, encoder or threshold: exporting it again "
                   f"({available(found.metadata)}{', web' if options['web'] else ''})")
    return export(run, folder, **options)


def made_with(found: Export, run) -> dict[str, Any]:
    """The options `found` was exported with, to make it again as it was: recorded in its metadata.json, or
    read from what it holds for an export made before they were recorded. What cannot be made again as it
    was is refused, saying how to do it by hand."""
    meta = found.metadata
    files = meta.get("files", {})
    if "options" in meta:
        options = dict(meta["options"])
    else:
        table = meta.get("compress") or {}
        pruned = next((v.get("extra", {}).get("fraction") for v in table.get("variants", [])
                       if v.get("name") == "pruned"), None)
        if "pruned" in files and pruned is None:
            flags = " --int8" * ("int8" in files) + " --web" * bool(meta.get("web"))
            raise UserError(f"{found.path} holds a pruned model whose settings were not recorded, and exporting it "
                            f"again must keep it: export it yourself, e.g. `tuneup export {run.path} --prune 0.5"
                            f"{flags}` (nothing was changed)")
        options = {"format": "torchscript" if "torchscript" in files else "onnx", "int8": "int8" in files,
                   "prune": pruned, "web": bool(meta.get("web")), "tolerance": table.get("tolerance", 0.01),
                   "min_slice": table.get("min_slice", 30), "prune_epochs": 3}
    if options["format"] != "onnx":
        raise UserError(f"{found.path} holds a {options['format']} export and serving needs ONNX; export ONNX to "
                        f"another folder and serve that: `tuneup export {run.path} --out DIR`, then "
                        "`tuneup serve DIR` (nothing was changed)")
    return options


def available(meta: dict[str, Any]) -> str:
    return listing(meta.get("files", {}))
