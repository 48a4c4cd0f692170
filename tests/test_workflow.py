import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

import tuneup
from tests.conftest import make_table, table_config
from tuneup.exceptions import ConfigError, UserError
from tuneup.train.loop import Callback

ALLOWED = {".yaml", ".csv", ".json", ".jsonl", ".safetensors", ".parquet"}


def test_run_directory_holds_every_file_and_no_pickle(trained_table_run):
    path = trained_table_run.path
    for name in ("config.yaml", "splits.csv", "encoder.json", "model.safetensors", "history.jsonl", "summary.json"):
        assert (path / name).is_file(), name
    assert sorted(p.name for p in (path / "predictions").iterdir()) == ["dev.parquet", "train.parquet"]
    assert not (path / "checkpoint.safetensors").exists()  # a finished run keeps only the model
    for f in path.rglob("*"):
        if f.is_file():
            assert f.suffix in ALLOWED or "tfevents" in f.name, f
            assert not f.name.startswith(".") and not f.name.endswith(".tmp"), f
    load_file(str(path / "model.safetensors"))


def test_run_folder_files_get_the_users_umask(trained_table_run):
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    files = [f for f in trained_table_run.path.rglob("*") if f.is_file()]
    assert files and {f.name: stat.S_IMODE(f.stat().st_mode) for f in files} == {f.name: 0o666 & ~umask for f in files}


def test_predictions_and_summary_agree(trained_table_run):
    run = trained_table_run
    dev = run.predictions("dev")
    assert list(dev.columns[:4]) == ["id", "y_true", "y_pred", "score"] and "loss" in dev.columns
    assert set(dev.y_true) <= {"yes", "no"}
    accuracy = (dev.y_true == dev.y_pred).mean()
    assert run.summary["splits"]["dev"]["metric"] == pytest.approx(accuracy)
    assert run.summary["ladder"]["dev"] == pytest.approx(1 - accuracy)
    assert run.summary["ladder"]["test"] is None and run.summary["splits"].get("test") is None


def test_csv_with_missing_values_and_categoricals_beats_the_majority_baseline(trained_table_run):
    s = trained_table_run.summary
    assert s["splits"]["dev"]["error"] < s["baselines"]["majority"]["splits"]["dev"]["error"] - 0.05


def test_reloaded_model_reproduces_the_predictions(trained_table_run):
    run = trained_table_run
    prepared = tuneup.prepare(run.config)
    from tuneup.train.loop import predict

    out = predict(run.load_model(), run.head(), prepared.tensors["dev"])
    assert out.proba == pytest.approx(run.predictions("dev")["score"].to_numpy(), abs=1e-6)


def test_final_evaluates_test_once_and_records_it(table_csv, capsys):
    cfg = table_config(table_csv)
    run = tuneup.run(cfg, final=True, progress=False)
    assert run.summary["ladder"]["test"] is not None and (run.path / "predictions" / "test.parquet").exists()
    ledger = [json.loads(l) for l in (run.root / "test-ledger.jsonl").read_text().splitlines()]
    assert len(ledger) == 1 and ledger[0]["run"] == run.name
    assert "evaluated 2 times" not in capsys.readouterr().err
    tuneup.run(cfg, final=True, progress=False)
    assert "the test set has now been evaluated 2 times" in capsys.readouterr().err


def test_regression_reports_original_units():
    run = tuneup.run({"name": "diabetes", "data": {"train": {"path": "builtin:diabetes"}}, "train": {"epochs": 5}},
                     progress=False)
    from sklearn.metrics import root_mean_squared_error

    dev = run.predictions("dev")
    assert run.summary["splits"]["dev"]["metric"] == pytest.approx(root_mean_squared_error(dev.y_true, dev.y_pred))
    assert run.summary["error_in_units"] and dev.y_true.mean() > 50  # the target's units, not standardized


class Kill(Callback):
    def on_epoch_end(self, trainer, record):
        if record["epoch"] == 3:
            raise KeyboardInterrupt


WINE = {"name": "wine", "data": {"train": {"path": "builtin:wine"}}, "model": {"dropout": 0.2},
        "train": {"epochs": 7, "early_stopping": {"patience": 100}, "schedule": "cosine"}}


def test_a_killed_run_resumes_to_the_same_weights():
    with pytest.raises(KeyboardInterrupt):
        tuneup.run(WINE, name="killed", callbacks=[Kill()], progress=False)
    killed = Path("tuneup-runs/killed")
    assert (killed / "checkpoint.safetensors").exists() and not (killed / "summary.json").exists()
    resumed = tuneup.run(None, resume="killed", progress=False)
    straight = tuneup.run(WINE, name="straight", progress=False)
    a, b = load_file(str(resumed.path / "model.safetensors")), load_file(str(straight.path / "model.safetensors"))
    assert all(torch.allclose(a[k].float(), b[k].float(), atol=1e-6) for k in a)
    assert [r["epoch"] for r in resumed.history] == list(range(1, 8))
    assert resumed.summary["splits"]["dev"]["loss"] == pytest.approx(straight.summary["splits"]["dev"]["loss"], rel=1e-5)


def test_resume_refuses_a_changed_config(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        tuneup.run(WINE, name="killed", callbacks=[Kill()], progress=False)
    changed = tuneup.load_config(WINE, {"train.weight_decay": 0.01})
    with pytest.raises(UserError, match=r"config differs.*train\.weight_decay: 0\.0 -> 0\.01"):
        tuneup.run(changed, resume="killed", progress=False)
    tuneup.run(tuneup.load_config(WINE), resume="killed", progress=False)  # lr: auto is what the run found


def test_bad_input_during_a_run_leaves_no_run_folder(table_csv):
    cfg = table_config(table_csv)
    cfg["train"]["augment"] = ["hflip"]  # an image transform on a table: found once the data is read
    with pytest.raises(ConfigError, match="hflip"):
        tuneup.run(cfg, progress=False)
    assert not Path("tuneup-runs").exists() or not any(Path("tuneup-runs").iterdir())


def test_run_names_count_up_and_refuse_duplicates(table_csv):
    cfg = table_config(table_csv, train={"epochs": 1})
    a, b = tuneup.run(cfg, progress=False), tuneup.run(cfg, progress=False)
    assert (a.name, b.name) == ("churn-001", "churn-002")
    tuneup.run(cfg, name="mine", progress=False)
    with pytest.raises(UserError, match="already exists.*--name"):
        tuneup.run(cfg, name="mine", progress=False)


def test_multilabel_task(tmp_path):
    df = make_table(300)
    df["tags"] = ["a|b" if x > 40 else ("b" if c == "paris" else "c") for x, c in zip(df.age.fillna(40), df.city)]
    df.drop(columns=["churn"]).to_csv(tmp_path / "t.csv", index=False)
    run = tuneup.run({"name": "ml", "data": {"train": {"path": str(tmp_path / "t.csv"), "target": "tags"}},
                      "train": {"epochs": 3}}, progress=False)
    assert run.summary["task"] == "multilabel" and run.summary["data"]["classes"] == ["a", "b", "c"]
    assert {"p:a", "p:b", "p:c"} <= set(run.predictions("dev").columns)


def test_a_large_table_let_go_after_encoding_trains_the_same_model(tmp_path, monkeypatch):
    """Above pipeline.preparation.LEAN_BYTES the feature table is freed once encoded; K-fold and importance weights,
    which need it again, read it back: every number comes out as with the table held."""
    from tests.diagnose.test_importance import two_sources
    from tuneup.pipeline import preparation

    cfg, _ = two_sources(tmp_path)
    cfg["data"]["split"] = {"folds": 2}
    held = tuneup.run(cfg, name="held", progress=False)
    preparation._CACHE.clear()
    monkeypatch.setattr(preparation, "LEAN_BYTES", 0)
    reads = []
    load_again = preparation._load_quietly
    monkeypatch.setattr(preparation, "_load_quietly", lambda c: reads.append(1) or load_again(c))
    lean = tuneup.run(cfg, name="lean", progress=False)
    assert len(reads) == 1  # let go after encoding, read back once (for the folds), then kept
    for key in ("ladder", "folds"):
        assert lean.summary[key] == held.summary[key]


@pytest.mark.parametrize("metric", ["f1", "accuracy"])
def test_one_threshold_the_runs_metric_decides(metric):
    """F1 gets the dev threshold that maximises it, used by the predictions, the summary and what serving
    reads (threshold.json); accuracy keeps 0.5 and no threshold file."""
    import json

    from sklearn.metrics import accuracy_score, f1_score

    cfg = {"name": "bc", "metric": metric, "data": {"train": {"path": "builtin:breast-cancer"}},
           "model": {"hidden": [16]}, "train": {"lr": 0.001, "epochs": 3, "checkpoint": False}}
    run = tuneup.run(cfg, progress=False)
    dev = run.predictions("dev")
    positive = run.encoder.classes[1]
    saved = run.path / "threshold.json"
    t = json.loads(saved.read_text())["threshold"] if metric == "f1" else 0.5
    assert saved.exists() == (metric == "f1")
    assert ((dev["score"] >= t) == (dev["y_pred"].astype(str) == positive)).all()
    score = {"f1": lambda y, p: f1_score(y == positive, p == positive), "accuracy": accuracy_score}[metric]
    assert run.summary["splits"]["dev"]["metric"] == pytest.approx(score(dev["y_true"].astype(str),
                                                                          dev["y_pred"].astype(str)))
    assert run.head().threshold == pytest.approx(t)  # what export and serving apply
    if metric == "f1":
        assert run.summary["threshold"]["value"] == pytest.approx(t)
        assert json.loads(saved.read_text())["chosen_by"] == "tuneup run"
    else:
        assert run.summary["threshold"] is None


def test_a_file_changed_on_disk_is_read_again_in_the_same_process(tmp_path):
    """A notebook: prepare and run, then the CSV is rewritten with more rows (or an image replaced)."""
    from tests.conftest import write_image_folder

    path = tmp_path / "churn.csv"
    make_table(200).to_csv(path, index=False)
    cfg = table_config(path, train={"epochs": 1})
    assert len(tuneup.prepare(cfg).dataset) == 200
    assert len(tuneup.prepare(cfg).dataset) == 200  # unchanged: the cache answers
    make_table(250).to_csv(path, index=False)
    assert len(tuneup.prepare(cfg).dataset) == 250
    run = tuneup.run(cfg, progress=False)
    assert sum(run.summary["data"]["split_sizes"].values()) == 250

    folder = write_image_folder(tmp_path / "imgs", per_class=6)
    images = {"data": {"train": {"path": str(folder)}, "images": {"size": 16}}}
    before = tuneup.prepare(images).dataset.images.copy()
    first = min((folder / "0").iterdir())
    from PIL import Image

    Image.new("L", (16, 16), 255).save(first)  # one image, same folder and names
    after = tuneup.prepare(images).dataset.images
    assert (before != after).any(axis=(1, 2, 3)).sum() == 1

    files = sorted(folder.rglob("*.png"))
    pd.DataFrame({"file": [str(f.relative_to(folder)) for f in files], "label": [f.parent.name for f in files]}
                 ).to_csv(folder / "list.csv", index=False)
    listed = {"data": {"train": {"path": str(folder / "list.csv"), "image_column": "file", "target": "label"},
                       "images": {"size": 16}}}
    before = tuneup.prepare(listed).dataset.images.copy()
    Image.new("L", (16, 16), 0).save(first)  # the listing unchanged, one image it names rewritten
    after = tuneup.prepare(listed).dataset.images
    assert (before != after).any(axis=(1, 2, 3)).sum() == 1


def test_splits_join_predictions_on_id_and_integer_labels_stay_integers(tmp_path, cli):
    """README, the run folder: ids are text everywhere (here the row positions "0", "1", ...: no id column),
    so splits.csv, read as the README says, joins the predictions on `id`; a 0/1 label read as 0.0/1.0
    (one label is missing) is 0 and 1 in the predictions, the errors and the report."""
    df = make_table(300).drop(columns=["customer_id"])
    df["churn"] = (df["churn"] == "yes").astype(float)
    df.loc[5, "churn"] = np.nan
    df.to_csv(tmp_path / "t.csv", index=False)
    run = tuneup.run({"name": "ids", "data": {"train": {"path": str(tmp_path / "t.csv"), "target": "churn"}},
                      "model": {"kind": "linear"}}, progress=False)
    splits = pd.read_csv(run.path / "splits.csv", dtype={"id": str})
    for split in ("dev", "train_dev"):
        path = run.path / "predictions" / f"{split}.parquet"
        if not path.exists():
            continue
        preds = pd.read_parquet(path)
        joined = preds.merge(splits, on="id", how="left", validate="one_to_one")
        assert len(joined) == len(preds) and (joined["split"] == split).all()
        api = run.predictions(split).merge(run.splits.frame(), on="id", validate="one_to_one")
        assert (api["split"] == split).all() and len(api) == len(preds)
        assert preds["y_true"].dtype.kind == "i" and set(preds["y_true"]) <= {0, 1}
    assert "5" not in set(splits["id"]) and {"0", "4", "6"} <= set(splits["id"])  # the row positions in the file
    assert run.encoder.classes == [0, 1]
    r = cli("errors", str(run.path), "--json")
    assert r.code == 0, r.stderr
    top = json.loads(r.stdout)["top_losses"][0]
    assert str(top["y_true"]) in {"0", "1"} and str(top["y_pred"]) in {"0", "1"}
    html = tuneup.report(run).read_text()
    assert "1.0</td>" not in html and "0.0</td>" not in html


def test_target_rows_in_training_can_count_as_much_as_the_training_source():
    import numpy as np

    from tuneup.data.dataset import TARGET_SOURCE
    from tuneup.pipeline.preparation import prepare, training_tensors

    raw = {"name": "d", "data": {"train": {"path": "builtin:digits-web"}, "target": {"path": "builtin:digits-phone"},
                                 "split": {"target_in_train": 0.2}},
           "train": {"lr": 0.001, "target_weight": "balanced"}}
    prepared = prepare(tuneup.load_config(raw))
    train, info = training_tensors(prepared)
    rows = np.flatnonzero(prepared.splits.mask("train"))
    from_target = prepared.dataset.source[rows] == TARGET_SOURCE
    w = train.w.numpy()
    assert from_target.any() and (w[~from_target] == 1).all()
    assert w[from_target].sum() == pytest.approx((~from_target).sum())  # both sources weigh the same in all
    assert info["target_weight"] == pytest.approx((~from_target).sum() / from_target.sum())
    with pytest.raises(ConfigError, match="target_in_train"):
        training_tensors(prepare(tuneup.load_config(raw, {"data.split.target_in_train": 0.0})))
