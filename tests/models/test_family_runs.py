"""`model.kind: linear | hgb` runs: a complete run folder (ONNX, never a pickle) holding scikit-learn's own
predictions, and every later step (diagnose, errors, report, compare, board, export) works on it."""
from __future__ import annotations

import json

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from threadpoolctl import threadpool_limits

import tuneup
from tests.conftest import make_table, table_config
from tests.report.test_board import read_session
from tuneup.exceptions import ConfigError, UserError
from tuneup.models.families.estimators import matrix
from tuneup.ship.inputs import image_feeds, table_feeds

pytestmark = pytest.mark.slow
LAYOUT = ["baselines/", "check.json", "config.yaml", "encoder.json", "history.jsonl", "model.json", "model.onnx",
          "predictions/", "splits.csv", "summary.json", "tensorboard/"]


@pytest.fixture(scope="module")
def table_runs(tmp_path_factory):
    """hgb and linear on the churn table (missing values, categoricals, metadata); `city` is embedded (its
    codes: one-hot for linear, split natively by hgb)."""
    root = tmp_path_factory.mktemp("family_runs")
    make_table(700).to_csv(root / "churn.csv", index=False)
    cfg = table_config(root / "churn.csv", runs_dir=str(root / "runs"))
    overrides = {"data.max_onehot": 3}
    return {kind: tuneup.run(cfg, overrides={**overrides, "model.kind": kind}, name=kind, progress=False)
            for kind in ("hgb", "linear")}


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    cfg = tuneup.demo_config(epochs=1, runs_dir=str(tmp_path_factory.mktemp("family_images") / "runs"))
    return tuneup.run(cfg, overrides={"model.kind": "linear"}, name="digits-linear", progress=False)


def dev_part(run):
    ds = run.data()
    return ds.take(np.flatnonzero(run.splits.aligned_to(ds.ids).mask("dev")))


def test_a_family_run_folder_is_complete_and_holds_no_pickle(table_runs, trained_table_run):
    for kind, run in table_runs.items():
        listed = sorted(p.name + ("/" if p.is_dir() else "") for p in run.path.iterdir() if p.name != "report.html")
        assert listed == LAYOUT, kind
        for f in run.path.rglob("*"):
            if f.is_file():
                assert f.suffix in {".yaml", ".csv", ".json", ".jsonl", ".parquet", ".onnx", ".html"} \
                    or "tfevents" in f.name, f
        meta = json.loads((run.path / "model.json").read_text())
        assert meta["family"] == kind and meta["onnx"]["inputs"] == ["features", "categories"]
        assert meta["verification"]["passed"] and meta["verification"]["split"] == "dev"
        assert meta["params"] == run.config.model.model_dump(mode="json")[kind]
        s, network = run.summary, trained_table_run.summary
        assert set(s) == set(network) and set(network["training"]) <= set(s["training"])
        assert s["training"]["model"] == kind and s["training"]["device"] == "cpu"
        assert s["training"]["parameters"] == meta["parameters"] > 0


def test_predictions_are_scikit_learns_own(table_runs):
    """Refit the same estimators with scikit-learn directly on the same training rows: equal probabilities."""
    run = table_runs["hgb"]
    prepared = tuneup.prepare(run.config)
    train, dev = prepared.tensors["train"], prepared.tensors["dev"]
    assert train.x_cat.shape[1] == 1  # city's codes
    with threadpool_limits(limits=1):
        hgb = HistGradientBoostingClassifier(random_state=0, categorical_features=[False] * train.x.shape[1] + [True])
        hgb.fit(matrix(train), train.y.numpy().astype(int))
    saved = run.predictions("dev")
    np.testing.assert_allclose(saved["score"], hgb.predict_proba(matrix(dev))[:, 1], rtol=1e-12)
    assert list(saved["y_pred"]) == list(np.asarray(run.encoder.classes)[hgb.predict(matrix(dev))])
    assert run.summary["ladder"]["dev"] == pytest.approx(1 - (saved.y_pred == saved.y_true).mean())
    # the baseline of the same name is the same model
    assert run.summary["baselines"]["hgb"]["splits"]["dev"]["error"] == pytest.approx(run.summary["ladder"]["dev"])


def test_the_runs_onnx_reproduces_its_predictions_from_raw_rows(table_runs, image_run):
    for run in (*table_runs.values(), image_run):
        part = dev_part(run)
        feeds = image_feeds(part.images) if run.encoder.kind == "image" else table_feeds(run.encoder, part.features)
        got = ort.InferenceSession(str(run.path / "model.onnx"), providers=["CPUExecutionProvider"]).run(None, feeds)[0]
        saved = run.predictions("dev").set_index("id").loc[part.ids]
        expected = saved["score"] if run.encoder.task == "binary" else saved[[f"p:{c}" for c in run.encoder.classes]]
        np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-4, atol=1e-4)


def test_history_and_tensorboard_follow_the_boosting_iterations(table_runs):
    hgb, linear = table_runs["hgb"], table_runs["linear"]
    t = hgb.summary["training"]
    assert len(hgb.history) == t["iterations"] == t["epochs_run"] == t["best_epoch"] == 100
    last = hgb.history[-1]
    assert last["dev"]["error"] == pytest.approx(hgb.summary["ladder"]["dev"])
    assert last["lr"] == 0.1 and hgb.history[0]["train"]["loss"] > last["train"]["loss"]
    acc = EventAccumulator(str(hgb.path / "tensorboard"))
    acc.Reload()
    assert [e.step for e in acc.Scalars("error/dev")] == list(range(1, 101))
    assert len(linear.history) == 1 and linear.history[0]["lr"] is None
    hparams, _ = read_session(linear)
    assert hparams["model.kind"].string_value == "linear" and hparams["model.linear.C"].number_value == 1.0


def test_diagnose_errors_report_and_compare_read_family_runs(table_runs, image_run):
    for run in (*table_runs.values(), image_run):
        diag = tuneup.diagnose(run)
        assert diag.ladder["dev"] == pytest.approx(run.summary["ladder"]["dev"]) and diag.verdict
        report = tuneup.errors(run, by=["region"] if run.encoder.kind == "table" else None)
        assert report.to_dict()
        page = tuneup.report(run).read_text()
        assert f"{run.summary['training']['model']} (this run)" in page and "Training curves" in page
    comparison = tuneup.compare([table_runs["hgb"], table_runs["linear"]])
    assert comparison.to_dict()["differences"]


def test_the_image_linear_run_equals_the_baseline_on_raw_pixels(image_run):
    s = image_run.summary
    assert s["ladder"]["dev"] == pytest.approx(s["baselines"]["linear"]["splits"]["dev"]["error"])
    assert s["ladder"]["dev"] < 0.75  # chance is 90%: raw pixels make about 58% on the harsher phone images


def test_network_only_steps_say_so(table_runs, cli):
    run = table_runs["linear"]
    with pytest.raises(UserError, match="not a network"):
        run.load_model()
    for flags in (["--int8"], ["--prune", "0.5"], ["--format", "torchscript"]):
        r = cli("export", str(run.path), *flags)
        assert r.code == 2 and "are for networks" in r.stderr and len(r.stderr.strip().splitlines()) == 1, flags
    assert not (run.path / "export").exists()
    from tuneup.pipeline import build

    with pytest.raises(ConfigError, match="trains networks only"):
        build(tuneup.prepare(run.config), run.config)


def test_model_kind_from_the_command_line(cli, tmp_path):
    make_table(300).to_csv(tmp_path / "churn.csv", index=False)
    tuneup.load_config(table_config(tmp_path / "churn.csv")).write(tmp_path / "tuneup.yaml")
    r = cli("run", str(tmp_path / "tuneup.yaml"), "--set", "model.kind=hgb", "--set", "model.hgb.max_iter=20",
            "--json")
    assert r.code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["training"]["model"] == "hgb" and out["training"]["iterations"] <= 20
    r = cli("run", str(tmp_path / "tuneup.yaml"), "--set", "model.kind=linear")
    assert r.code == 0 and "linear (LogisticRegression) with" in r.stdout


def test_a_sweep_candidate_of_a_family_trains(tmp_path):
    from tuneup.workflow import train_candidate

    make_table(300).to_csv(tmp_path / "churn.csv", index=False)
    seen = []
    c = train_candidate(table_config(tmp_path / "churn.csv"), {"model.kind": "hgb", "model.hgb.max_iter": 10},
                        name="cand", on_epoch=lambda record: seen.append(record) or False)
    assert c.dev_error == c.run.summary["ladder"]["dev"] and c.epochs == 10 and c.stopped_at is None
    assert seen == []  # fitted in one go: no epochs to report or prune


def test_a_family_run_with_avoidable_bias_is_diagnosed_with_its_own_knobs(tmp_path):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=800), rng.normal(size=800)
    pd.DataFrame({"a": a, "b": b, "y": np.where(a * b > 0, "p", "n")}).to_csv(tmp_path / "xor.csv", index=False)
    cfg = {"name": "xor", "human_level_error": 0.0,
           "data": {"train": {"path": str(tmp_path / "xor.csv"), "target": "y"}}}
    run = tuneup.run(cfg, overrides={"model.kind": "linear"}, progress=False)  # a line cannot fit XOR
    d = tuneup.diagnose(run)
    assert d.verdict == "avoidable_bias" and d.lr_range is None  # no network: no learning-rate range test
    changes = [r.set for r in d.remedies]
    assert {"model.kind": "hgb"} in changes and any("model.linear.C" in c for c in changes)
    assert not any(k.startswith(("model.hidden", "model.channels", "train.")) for c in changes for k in c)
