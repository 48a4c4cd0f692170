"""Export: the ONNX model computes what the trained network computed; variants come with honest numbers."""
from __future__ import annotations

import json

import numpy as np
import onnx
import pytest

from tuneup.exceptions import UserError
from tuneup.ship.export import export
from tuneup.ship.result import Export
from tuneup.ship.latency import onnx_call, session


@pytest.fixture(scope="module")
def table_export(trained_table_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "churn"
    return export(trained_table_run, out, int8=True, prune=0.5, prune_epochs=2)


def test_onnx_reproduces_the_runs_own_dev_predictions(trained_table_run, table_export):
    from tuneup.ship.evaluate import eval_set

    data = eval_set(trained_table_run, "dev")
    scores = onnx_call(session(table_export.path / "model.onnx"))(data.feeds)
    saved = trained_table_run.predictions("dev").set_index("id").loc[data.ids]
    # independent truth: the scores the trainer wrote at the end of training, from PyTorch
    np.testing.assert_allclose(scores, saved["score"].to_numpy(), atol=1e-5)
    ver = table_export.metadata["verification"]
    assert ver["passed"] and ver["max_abs_diff"] < 1e-4 and ver["n"] == len(data)
    assert ver["prediction_agreement"] == 1.0


def test_graph_takes_raw_columns_with_a_dynamic_batch(table_export):
    model = onnx.load(str(table_export.path / "model.onnx"))
    inputs = {i.name: i for i in model.graph.input}
    assert list(inputs) == ["features"]  # the churn table has only one-hot categoricals
    dim = inputs["features"].type.tensor_type.shape.dim[0]
    assert dim.dim_param == "batch"
    call = onnx_call(session(table_export.path / "model.onnx"))
    width = inputs["features"].type.tensor_type.shape.dim[1].dim_value
    raw = np.full((5, width), np.nan, dtype=np.float32)  # every value missing: imputed inside the graph
    assert np.isfinite(call({"features": raw})).all() and call({"features": raw}).shape == (5,)


def test_fp32_dev_metric_equals_the_runs(trained_table_run, table_export):
    table = table_export.metadata["compress"]
    fp32 = next(v for v in table["variants"] if v["name"] == "fp32")
    assert fp32["metric"] == pytest.approx(trained_table_run.summary["splits"]["dev"]["metric"], abs=1e-12)
    assert fp32["loss"] == 0.0 and fp32["agreement"] == 1.0


def test_compress_table_reports_every_variant_honestly(table_export):
    table = table_export.metadata["compress"]
    by_name = {v["name"]: v for v in table["variants"]}
    assert set(by_name) == {"fp32", "int8", "pruned"}
    for v in by_name.values():
        assert v["size_bytes"] == (table_export.path / v["file"]).stat().st_size
        assert v["latency_ms"]["batch_1"] > 0 and v["latency_ms"]["batch_64"] > 0
        assert {s["column"] for s in v["slices"]} == {"region"}
        assert sum(s["n"] for s in v["slices"]) == table["n"]
    # int8 agrees with fp32 on nearly all of dev (bounded: a few flips at most on a small MLP)
    assert by_name["int8"]["agreement"] >= 0.95
    assert by_name["int8"]["max_abs_diff"] < 0.05
    pruned = by_name["pruned"]["extra"]
    assert pruned["fraction"] == 0.5 and pruned["sparsity"] >= 0.5 - 1e-9
    assert table["recommended"] in by_name and by_name[table["recommended"]]["passes"]


def test_pruned_onnx_really_holds_the_zeros(table_export):
    from tuneup.ship.compress import weights_sparsity_onnx

    assert weights_sparsity_onnx(table_export.path / "model.pruned.onnx") >= 0.49
    assert weights_sparsity_onnx(table_export.path / "model.onnx") < 0.01


def test_metadata_describes_the_inputs(table_export):
    meta = json.loads((table_export.path / "metadata.json").read_text())
    cols = {c["name"]: c for c in meta["input"]["columns"]}
    assert set(cols) == {"age", "income", "city", "plan", "signup"}  # id, target and metadata are not inputs
    assert cols["age"]["nullable"] and not cols["income"]["nullable"]  # make_table leaves gaps in age and city
    assert cols["city"]["nullable"] and cols["city"]["categories"] == ["berlin", "oslo", "paris", "rome"]
    assert cols["signup"]["type"] == "datetime"
    assert meta["model_version"] == "table" and meta["classes"] == ["no", "yes"] and meta["threshold"] == 0.5
    assert Export.open(table_export.path).metadata == meta


def test_torchscript_export_matches_pytorch(trained_table_run, tmp_path):
    result = export(trained_table_run, tmp_path / "ts", format="torchscript")
    assert result.metadata["files"] == {"torchscript": "model.torchscript.pt"}
    assert result.metadata["verification"]["engine"] == "TorchScript"
    assert result.metadata["verification"]["max_abs_diff"] < 1e-5


@pytest.mark.parametrize("kwargs, words", [
    ({"format": "tflite"}, "onnx, torchscript"),
    ({"format": "torchscript", "int8": True}, "--format onnx"),
    ({"prune": 1.5}, "between 0 and 1"),
    ({"tolerance": -0.1}, ">= 0"),
])
def test_bad_options_name_the_fix_and_write_nothing(trained_table_run, tmp_path, kwargs, words):
    with pytest.raises(UserError, match=words):
        export(trained_table_run, tmp_path / "out", **kwargs)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_refuses_to_replace_a_folder_that_is_not_an_export(trained_table_run, tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UserError, match="not an export folder"):
        export(trained_table_run, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_reexport_replaces_the_previous_folder(trained_table_run, tmp_path):
    first = export(trained_table_run, tmp_path / "e", int8=True)
    assert (first.path / "model.int8.onnx").exists()
    second = export(trained_table_run, tmp_path / "e")
    assert second.metadata["files"] == {"fp32": "model.onnx"}
    assert not (tmp_path / "e" / "model.int8.onnx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e"]


@pytest.mark.slow
def test_image_export_verifies_and_slices_by_camera_and_lighting(trained_image_run, tmp_path):
    result = export(trained_image_run, tmp_path / "digits", int8=True)
    assert result.metadata["input"] == {"kind": "image", "channels": 1, "height": 32, "width": 32,
                                        "pixels": "decoded, resized to height x width, scaled to [0, 1]"}
    assert result.metadata["verification"]["max_abs_diff"] < 1e-4
    int8 = next(v for v in result.metadata["compress"]["variants"] if v["name"] == "int8")
    assert {s["column"] for s in int8["slices"]} == {"camera", "lighting"}
    assert int8["agreement"] >= 0.8  # reported in the table; int8 on a CNN flips a few borderline digits
    dev = trained_image_run.summary["splits"]["dev"]["metric"]
    fp32 = next(v for v in result.metadata["compress"]["variants"] if v["name"] == "fp32")
    assert fp32["metric"] == pytest.approx(dev, abs=1e-12)


def test_serving_a_run_reexports_when_a_threshold_was_chosen_since(trained_table_run, tmp_path):
    import os
    import shutil

    from tuneup.runs import Run
    from tuneup.ship.export import ensure_export

    copy = Run(shutil.copytree(trained_table_run.path, tmp_path / "churn", ignore=shutil.ignore_patterns("export")))
    first = ensure_export(copy)
    assert first.metadata["threshold"] == 0.5 and ensure_export(copy).metadata == first.metadata  # reused
    (copy.path / "threshold.json").write_text('{"threshold": 0.35}')
    later = (first.path / "metadata.json").stat().st_mtime + 5
    os.utime(copy.path / "threshold.json", (later, later))
    assert ensure_export(copy).metadata["threshold"] == 0.35


# ---- scikit-learn families (model.kind: linear | hgb) ---------------------------------------------------
@pytest.fixture(scope="module")
def hgb_run(tmp_path_factory):
    """hgb on the churn table with `city` embedded: its export takes `features` and `categories`."""
    from tests.conftest import make_table, table_config

    import tuneup

    root = tmp_path_factory.mktemp("hgb_export")
    make_table(600).to_csv(root / "churn.csv", index=False)
    cfg = table_config(root / "churn.csv", runs_dir=str(root / "runs"))
    return tuneup.run(cfg, overrides={"model.kind": "hgb", "data.max_onehot": 3}, name="hgb", progress=False)


def test_a_family_export_has_the_networks_shape_and_is_checked_against_scikit_learn(hgb_run, tmp_path):
    from tuneup.ship.bundle import Bundle
    from tuneup.ship.evaluate import eval_set

    result = export(hgb_run, tmp_path / "e")
    meta = result.metadata
    assert sorted(p.name for p in result.path.iterdir()) == ["encoder.json", "metadata.json", "model.onnx"]
    assert meta["model"]["inputs"] == ["features", "categories"] and meta["model"]["output"] == "output"
    ver = meta["verification"]
    assert ver["reference"] == "scikit-learn" and ver["passed"] and ver["prediction_agreement"] == 1.0
    fp32 = meta["compress"]["variants"][0]
    assert fp32["metric"] == pytest.approx(hgb_run.summary["splits"]["dev"]["metric"], abs=1e-12)
    # served from the run itself: its export is made on demand; scores are scikit-learn's, as the run saved them
    bundle = Bundle.load(hgb_run.path)
    data = eval_set(hgb_run, "dev")
    saved = hgb_run.predictions("dev").set_index("id").loc[data.ids, "score"].to_numpy()
    np.testing.assert_allclose(bundle.run(data.feeds), saved, rtol=1e-6, atol=1e-7)


def test_a_family_web_folder_carries_its_model(hgb_run, tmp_path):
    from tuneup.ship import web

    cache = tmp_path / ".cache" / "onnxruntime-web" / web.ORT_WEB_VERSION  # stand-ins: no npm call
    cache.mkdir(parents=True)
    for name in web.ORT_FILES:
        (cache / name).write_text(f"// {name}")
    result = export(hgb_run, tmp_path / "e", web=True)
    assert (result.path / "web" / "model.onnx").read_bytes() == (hgb_run.path / "model.onnx").read_bytes()


@pytest.fixture
def stale_export(trained_table_run, tmp_path):
    """A copy of the run exported with every variant, then a threshold chosen (the export is now stale)."""
    import os
    import shutil

    from tuneup.runs import Run
    from tuneup.ship import web

    ort = tmp_path / ".cache" / "onnxruntime-web" / web.ORT_WEB_VERSION  # stand-in files: no npm call
    ort.mkdir(parents=True)
    for name in web.ORT_FILES:
        (ort / name).write_text(f"// {name}")
    copy = Run(shutil.copytree(trained_table_run.path, tmp_path / "runs" / "churn", ignore=shutil.ignore_patterns("export")))
    first = export(copy, copy.path / "export", int8=True, prune=0.4, prune_epochs=1, web=True, tolerance=0.02)
    (copy.path / "threshold.json").write_text('{"threshold": 0.35}')
    later = (first.path / "metadata.json").stat().st_mtime + 5
    os.utime(copy.path / "threshold.json", (later, later))
    return copy, first


def test_a_stale_export_is_made_again_with_every_variant_it_had(stale_export, cli):
    from tuneup.ship.bundle import Bundle
    from tuneup.ship.export import ensure_export

    run, first = stale_export
    assert first.metadata["options"] == {"format": "onnx", "int8": True, "prune": 0.4, "web": True,
                                         "tolerance": 0.02, "min_slice": 30, "prune_epochs": 1}
    again = ensure_export(run)  # what `tuneup serve RUN --variant int8` does first
    assert again.metadata["threshold"] == 0.35
    assert again.metadata["files"] == first.metadata["files"] == {
        "fp32": "model.onnx", "int8": "model.int8.onnx", "pruned": "model.pruned.onnx"}
    assert again.metadata["options"] == first.metadata["options"] and again.metadata["web"] == "web"
    assert all((again.path / f).is_file() for f in again.metadata["files"].values())
    assert (again.path / "web" / "model.onnx").is_file()
    assert Bundle.load(run.path, "int8").variant_file == "model.int8.onnx"


def test_an_export_that_cannot_be_made_again_as_it_was_is_refused_and_kept(stale_export):
    import json

    from tuneup.ship.export import ensure_export

    run, first = stale_export
    meta = json.loads((first.path / "metadata.json").read_text())
    del meta["options"]  # an export made before the options were recorded: the pruning fraction is lost
    for v in meta["compress"]["variants"]:
        v["extra"] = {}
    (first.path / "metadata.json").write_text(json.dumps(meta))
    before = sorted(p.name for p in first.path.iterdir())
    with pytest.raises(UserError, match=r"pruned.*tuneup export .*--prune"):
        ensure_export(run)
    assert sorted(p.name for p in first.path.iterdir()) == before  # nothing the user made is gone


def test_staging_folders_of_killed_exports_are_removed_by_the_next(trained_table_run, tmp_path):
    import os
    import shutil
    import signal
    import stat
    import subprocess
    import sys
    import time

    from tuneup.runs import Run

    run = Run(shutil.copytree(trained_table_run.path, tmp_path / "churn", ignore=shutil.ignore_patterns("export")))
    proc = subprocess.Popen([sys.executable, "-m", "tuneup", "export", str(run.path), "--prune", "0.5"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(run.path.glob(".export.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    left = list(run.path.glob(".export.*.tmp"))
    assert left and not (run.path / "export").exists()  # what a kill -9 leaves
    alive = run.path / f".export.{os.getpid()}-0000abcd.tmp"  # a running export's (this process): not litter
    alive.mkdir()
    first = export(run)
    assert sorted(p.name for p in run.path.glob(".export.*")) == [alive.name]
    legacy = run.path / ".export.k2j4x9_q.tmp"  # an older tuneup's staging folder, older than the export now
    legacy.mkdir()
    past = (first.path / "metadata.json").stat().st_mtime - 60
    os.utime(legacy, (past, past))
    export(run)
    assert sorted(p.name for p in run.path.glob(".export.*")) == [alive.name]

    umask = os.umask(0)
    os.umask(umask)
    for path in [run.path / "export", *(run.path / "export").rglob("*")]:  # made to be served: readable
        assert stat.S_IMODE(path.stat().st_mode) == (0o777 if path.is_dir() else 0o666) & ~umask, path
