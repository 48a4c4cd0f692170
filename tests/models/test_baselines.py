import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import tuneup
from tuneup.diagnose.bootstrap import paired_difference
from tuneup.models.baselines import features
from tuneup.pipeline.folder import fit_baselines
from tuneup.pipeline.preparation import prepare


def raw_split(prepared, split: str) -> tuple[pd.DataFrame, np.ndarray]:
    """A bundled table's raw feature columns and encoded targets on one split, in the tensors' row order."""
    rows = np.flatnonzero(prepared.splits.mask(split))
    return prepared.dataset.features.iloc[rows], prepared.tensors[split].y.numpy()


def test_baseline_scores_equal_scikit_learn_on_the_same_split():
    run = tuneup.run({"name": "wine", "data": {"train": {"path": "builtin:wine"}}, "train": {"epochs": 2}},
                     progress=False)
    prepared = tuneup.prepare(run.config)
    train, dev = prepared.tensors["train"], prepared.tensors["dev"]
    x_tr, y_tr, x_dev, y_dev = features(train), train.y.numpy(), features(dev), dev.y.numpy()
    majority = DummyClassifier(strategy="most_frequent").fit(x_tr, y_tr)
    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_tr, y_tr)
    b = run.summary["baselines"]
    assert b["majority"]["splits"]["dev"]["metric"] == pytest.approx(accuracy_score(y_dev, majority.predict(x_dev)))
    assert b["linear"]["splits"]["dev"]["metric"] == pytest.approx(accuracy_score(y_dev, linear.predict(x_dev)))
    assert b["hgb"]["splits"]["dev"]["error"] == pytest.approx(1 - b["hgb"]["splits"]["dev"]["metric"])
    # the splits in summary are the ones in splits.csv
    assert prepared.splits.sizes() == run.summary["data"]["split_sizes"]


def test_the_image_linear_baseline_is_logistic_regression_on_raw_pixels():
    """Not standardized per pixel: near-constant border pixels would blow up on the shifted phone images."""
    cfg = tuneup.demo_config(epochs=1)
    prepared = prepare(cfg)
    baselines = fit_baselines(prepared, prepared.cfg, final=False)
    train, dev = prepared.tensors["train"], prepared.tensors["dev"]
    pixels = lambda t: t.x.numpy().reshape(len(t), -1).astype(np.float32) / np.float32(255)
    with threadpool_limits(limits=1, user_api="blas"):  # as tuneup fits: lbfgs stops where the arithmetic led it
        reference = LogisticRegression(max_iter=1000).fit(pixels(train), train.y.numpy())
    expected = reference.predict(pixels(dev))
    got = baselines["linear"].outputs["dev"].pred
    np.testing.assert_array_equal(got, expected)  # the same prediction on every dev example
    error = 1 - accuracy_score(dev.y.numpy(), expected)
    assert baselines["linear"].scores["dev"]["error"] == pytest.approx(error)
    # chance is 90%; per-pixel standardization made 89.5% on the harsher phone images (88-91% on the older ones),
    # raw pixels 58%
    assert error < 0.75


@pytest.mark.parametrize("name", ["breast-cancer", "wine", "diabetes"])
def test_table_baselines_are_at_least_as_strong_as_scikit_learn_defaults(name):
    """On the same splits, against scikit-learn's defaults on the raw columns: scaled logistic / linear
    regression, and HistGradientBoosting."""
    prepared = prepare({"data": {"train": {"path": f"builtin:{name}"}}})
    baselines = fit_baselines(prepared, prepared.cfg, final=False)
    (x_tr, y_tr), (x_dev, y_dev) = raw_split(prepared, "train"), raw_split(prepared, "dev")
    if prepared.task == "regression":
        decode = prepared.encoder.decode_target
        y_tr, y_dev = decode(y_tr), decode(y_dev)
        refs = {"linear": make_pipeline(StandardScaler(), LinearRegression()),
                "hgb": HistGradientBoostingRegressor(random_state=0)}
        error = lambda est: mean_squared_error(y_dev, est.fit(x_tr, y_tr).predict(x_dev)) ** 0.5
    else:
        refs = {"linear": make_pipeline(StandardScaler(), LogisticRegression()),
                "hgb": HistGradientBoostingClassifier(random_state=0)}
        error = lambda est: 1 - accuracy_score(y_dev, est.fit(x_tr, y_tr).predict(x_dev))
    for family, reference in refs.items():
        # tuneup fits on the float32 matrix, scikit-learn here on the float64 columns: equal up to that rounding
        assert baselines[family].scores["dev"]["error"] <= error(reference) * (1 + 1e-6) + 1e-9, family


def test_hgb_baseline_takes_a_categorical_with_hundreds_of_values(tmp_path):
    """scikit-learn refuses more than 255 categories as categorical: such a column splits as numbers."""
    rng = np.random.default_rng(0)
    n = 1200
    city = rng.choice([f"city{i:03d}" for i in range(300)], n)
    x = rng.normal(size=n)
    pd.DataFrame({"x": x, "city": city, "y": np.where(x + (city < "city150") > 0.5, "a", "b")}).to_csv(
        tmp_path / "t.csv", index=False)
    prepared = prepare({"data": {"train": {"path": str(tmp_path / "t.csv"), "target": "y"}}})
    assert prepared.encoder.embedded  # the city column is embedded (codes), not one-hot
    baselines = fit_baselines(prepared, prepared.cfg, final=False)
    assert baselines["hgb"].scores["dev"]["error"] < baselines["majority"].scores["dev"]["error"]


def test_every_run_keeps_the_baselines_predictions_for_a_paired_comparison(trained_table_run):
    run = trained_table_run
    dev = run.predictions("dev")
    for name, saved in run.summary["baselines"].items():
        frame = run.baseline_predictions(name, "dev")
        assert list(frame.columns) == list(dev.columns)
        assert list(frame["id"]) == list(dev["id"]) and list(frame["y_true"]) == list(dev["y_true"])
        assert 1 - (frame.y_true == frame.y_pred).mean() == pytest.approx(saved["splits"]["dev"]["error"])
    diff = paired_difference(run.baseline_predictions("linear", "dev"), dev, run.summary["metric"], "binary",
                             run.encoder.classes)
    assert diff.n_common == len(dev)
    with pytest.raises(tuneup.UserError, match="test"):
        run.baseline_predictions("linear", "test")  # kept only for --final runs
