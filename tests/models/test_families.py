"""The scikit-learn families (`models/families/`): their ONNX graphs compute what scikit-learn computes on
raw inputs (missing values, unknown and high-cardinality categories, every task), the history follows the
boosting iterations, and the config's knobs reach the estimators."""
import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from tuneup.config import load_config
from tuneup.exceptions import ConfigError
from tuneup.models.families import estimators as E
from tuneup.models.families.fit import fit_family
from tuneup.models.families.graph import FamilyInput, to_onnx
from tuneup.ship.inputs import table_feeds
from tuneup.pipeline import prepare

TARGETS = {"binary": "y", "multiclass": "y3", "multilabel": ["l1", "l2"], "regression": "r"}


@pytest.fixture(scope="module")
def mixed_csv(tmp_path_factory):
    """Numbers with missing values, a 3-value categorical (one-hot), a 40-value one (embedded, split natively
    by HGB) and a 300-value one (embedded, split as a number by HGB), and a target for every task."""
    rng = np.random.default_rng(1)
    n = 2000
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 5, n).astype(float),
                       "big": rng.choice([f"k{i}" for i in range(300)], n),
                       "mid": rng.choice([f"m{i:02d}" for i in range(40)], n),
                       "small": rng.choice(["x", "y", "z"], n)})
    df.loc[rng.random(n) < 0.1, "a"] = np.nan
    df.loc[rng.random(n) < 0.1, "mid"] = None
    mid = df["mid"].fillna("m00").str[1:].astype(int)
    logit = df["a"].fillna(0) + 2.0 * (mid % 3 == 0) - 1.0 + (df["big"].str[1:].astype(int) % 2)
    df["y"] = np.where(logit > 0.3, "pos", "neg")
    df["y3"] = np.select([logit < 0, logit < 1], ["lo", "mid"], "hi")
    df["l1"], df["l2"] = (logit > 0).astype(int), (df["b"] > 2).astype(int)
    df["r"] = logit * 10 + 100
    path = tmp_path_factory.mktemp("families") / "mixed.csv"
    df.to_csv(path, index=False)
    return path


def prepared_for(path, task: str):
    targets = TARGETS[task]
    drop = [c for c in ("y", "y3", "l1", "l2", "r") if c not in np.atleast_1d(targets)]
    return prepare({"task": task, "data": {"train": {"path": str(path), "target": targets}, "drop": drop}})


def fitted(prepared, family: str):
    train = prepared.tensors["train"]
    y = E.targets(train, prepared.task)
    if prepared.task == "regression":
        y = prepared.encoder.decode_target(y)
    return E.fit(E.make(family, prepared.task, E.Layout.of(prepared.encoder)), E.matrix(train), y)


def onnx_outputs(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)[0]


@pytest.mark.parametrize("task", list(TARGETS))
@pytest.mark.parametrize("family", E.FAMILIES)
def test_onnx_computes_what_scikit_learn_computes_from_raw_rows(mixed_csv, task, family):
    prepared = prepared_for(mixed_csv, task)
    enc = prepared.encoder
    sizes = {c["name"]: len(c["categories"]) for c in enc.embedded}  # 'big' and 'mid' (+ missing) are codes
    assert sizes["big"] > 255 and sizes["mid"] == 41
    est = fitted(prepared, family)
    model = to_onnx(est, family, enc)
    assert [i.name for i in model.graph.input] == ["features", "categories"]
    assert [o.name for o in model.graph.output] == ["output"]
    frame = prepared.dataset.features.iloc[np.flatnonzero(prepared.splits.mask("dev"))].copy()
    frame.iloc[:20, frame.columns.get_loc("mid")] = "never-seen"  # unknown categories and new missing values
    frame.iloc[20:40, frame.columns.get_loc("big")] = "nope"
    frame.iloc[40:60, frame.columns.get_loc("small")] = None
    frame.iloc[60:80, frame.columns.get_loc("a")] = np.nan
    x, codes = enc.transform_frame(frame)
    pred, proba = E.predict(est, np.hstack([x.numpy(), codes.numpy().astype(np.float32)]), task, enc.n_outputs)
    expected = pred if task == "regression" else proba
    got = onnx_outputs(model, table_feeds(enc, frame))
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)  # float64 inside, float32 out


def test_hgb_splits_the_few_valued_categorical_natively(mixed_csv):
    prepared = prepared_for(mixed_csv, "binary")
    est = fitted(prepared, "hgb")
    layout = E.Layout.of(prepared.encoder)
    assert layout.native_categoricals()[-2:] == [False, True]  # 'big' (300 values) as a number; 'mid' natively
    assert any(p.nodes["is_categorical"].any() for it in est._predictors for p in it)  # the test above covers it


def test_family_input_makes_the_matrix_scikit_learn_was_fitted_on(mixed_csv):
    import torch

    prepared = prepared_for(mixed_csv, "binary")
    enc, dev = prepared.encoder, prepared.tensors["dev"]
    feeds = table_feeds(enc, prepared.dataset.features.iloc[np.flatnonzero(prepared.splits.mask("dev"))])
    with torch.no_grad():
        front = FamilyInput(enc)(*(torch.from_numpy(v) for v in feeds.values())).numpy()
    np.testing.assert_array_equal(front, E.matrix(dev))  # bit for bit: HGB's thresholds see the same numbers


def test_hgb_history_has_one_record_per_iteration_ending_at_the_model():
    prepared = prepare({"data": {"train": {"path": "builtin:breast-cancer"}}})
    cfg = prepared.cfg.with_overrides({"model.kind": "hgb", "model.hgb.max_iter": 30})
    evals = {"dev": prepared.tensors["dev"]}
    fitted_ = fit_family(prepared, cfg, prepared.tensors["train"], evals)
    assert [r["epoch"] for r in fitted_.history] == list(range(1, 31))
    assert fitted_.iterations == 30 and not fitted_.stopped_early
    last = fitted_.history[-1]
    enc = prepared.encoder
    out = E.outputs(*E.predict(fitted_.estimator, E.matrix(prepared.tensors["dev"]), enc.task, enc.n_outputs),
                    prepared.tensors["dev"].y, enc.task, enc.n_outputs, enc.spec["target"])
    assert last["dev"]["loss"] == pytest.approx(float(np.mean(out.loss)))
    assert last["lr"] == 0.1 and set(last) >= {"fit_loss", "train", "dev", "seconds"}
    assert fitted_.history[0]["train"]["loss"] > last["train"]["loss"]  # boosting fits the training data


def test_the_config_knobs_reach_the_estimators():
    cfg = load_config({"data": {"train": {"path": "builtin:wine"}}},
                      {"model.linear.C": 0.5, "model.hgb.learning_rate": 0.05, "model.hgb.max_leaf_nodes": 7})
    layout = E.Layout("table", 4)
    lr = E.make("linear", "multiclass", layout, cfg.model.linear).steps[-1][1]
    hgb = E.make("hgb", "binary", layout, cfg.model.hgb, seed=3)
    assert (lr.C, lr.max_iter) == (0.5, 1000)
    assert (hgb.learning_rate, hgb.max_leaf_nodes, hgb.min_samples_leaf, hgb.random_state) == (0.05, 7, 20, 3)
    pixels = E.make("linear", "multiclass", E.Layout("image", 64))
    assert type(pixels).__name__ == "LogisticRegression"  # images: raw pixels, no scaling step


@pytest.mark.parametrize("override, fragment", [
    ({"model.kind": "xgboost"}, "model.kind 'xgboost' is not valid; choose one of: 'auto', 'mlp', 'cnn', 'linear'"),
    ({"model.hgb.learning_rate": 0}, "model.hgb.learning_rate = 0: Input should be greater than 0"),
    ({"model.hgb.lr": 0.1}, "unknown key 'model.hgb.lr'"),
    ({"model.linear.C": -1}, "model.linear.C = -1"),
    ({"model.hgb.early_stopping": "sometimes"}, "choose one of: 'auto', True or False"),
])
def test_family_settings_are_validated(override, fragment):
    with pytest.raises(ConfigError) as e:
        load_config({"data": {"train": {"path": "builtin:wine"}}}, override)
    assert fragment in str(e.value)
