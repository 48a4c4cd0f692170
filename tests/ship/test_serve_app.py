"""The app in-process (httpx over ASGI) for the tasks and inputs the integration servers do not cover:
embedded categoricals (a second ONNX input), regression and multilabel answers."""
from __future__ import annotations

import asyncio
import json

import httpx
import numpy as np
import pandas as pd
import pytest

import tuneup
from tuneup.ship.bundle import Bundle
from tuneup.ship.export import export
from tuneup.ship.serve import ServeOptions, create_app


def call(app, method, path, **kw):
    async def go():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await c.request(method, path, **kw)

    return asyncio.run(go())


def rows_of(frame: pd.DataFrame) -> list[dict]:
    return json.loads(frame.to_json(orient="records"))


@pytest.fixture(scope="module")
def embedded_run(tmp_path_factory):
    """City has 4 values; max_onehot 2 makes it an embedding, so the model takes category codes."""
    from tests.conftest import make_table, table_config

    root = tmp_path_factory.mktemp("embedded")
    make_table(400, seed=3).to_csv(root / "churn.csv", index=False)
    cfg = table_config(root / "churn.csv", runs_dir=str(root / "runs"))
    cfg["data"]["max_onehot"] = 2
    cfg["train"]["epochs"] = 4
    return tuneup.run(cfg, name="embedded", progress=False)


def test_embedded_categories_travel_as_codes(embedded_run, tmp_path):
    result = export(embedded_run, tmp_path / "e")
    assert result.metadata["model"]["inputs"] == ["features", "categories"]
    app = create_app(Bundle.load(result.path), options=ServeOptions(log_dir=tmp_path / "logs"))
    ds = embedded_run.data()
    dev = np.flatnonzero(embedded_run.splits.aligned_to(ds.ids).mask("dev"))
    rows = rows_of(ds.features.iloc[dev])
    r = call(app, "POST", "/predict", json={"rows": rows})
    assert r.status_code == 200, r.text
    scores = [p["score"] for p in r.json()["predictions"]]
    saved = embedded_run.predictions("dev").set_index("id").loc[ds.ids[dev], "score"]
    np.testing.assert_allclose(scores, saved.to_numpy(), atol=1e-5)
    unseen = call(app, "POST", "/predict", json={"rows": [{**rows[0], "city": "lima"}]}).json()["predictions"][0]
    assert unseen["notes"] == ["city: 'lima' was not seen in training; treated as unknown"]


@pytest.fixture(scope="module")
def regression_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("regression")
    cfg = {"name": "diabetes", "data": {"train": {"path": "builtin:diabetes"}}, "runs_dir": str(root / "runs"),
           "model": {"hidden": [16]}, "train": {"epochs": 5}}
    return tuneup.run(cfg, name="diabetes", progress=False)


def test_regression_answers_in_the_targets_units(regression_run, tmp_path):
    result = export(regression_run, tmp_path / "e", int8=True)
    fp32 = next(v for v in result.metadata["compress"]["variants"] if v["name"] == "fp32")
    assert fp32["metric"] == pytest.approx(regression_run.summary["splits"]["dev"]["metric"], rel=1e-6)
    assert fp32["agreement"] is None  # no classes to agree on; max |diff| says it instead
    app = create_app(Bundle.load(result.path), options=ServeOptions(log_dir=tmp_path / "logs"))
    ds = regression_run.data()
    dev = np.flatnonzero(regression_run.splits.aligned_to(ds.ids).mask("dev"))[:20]
    body = call(app, "POST", "/predict", json={"rows": rows_of(ds.features.iloc[dev])}).json()
    got = [p["prediction"] for p in body["predictions"]]
    saved = regression_run.predictions("dev").set_index("id").loc[ds.ids[dev], "y_pred"]
    np.testing.assert_allclose(got, saved.to_numpy(), rtol=1e-4)
    assert body["predictions"][0]["probabilities"] is None and body["predictions"][0]["score"] is None
    rid = body["predictions"][0]["request_id"]
    assert call(app, "POST", "/feedback", json={"request_id": rid, "label": 151.0}).status_code == 200
    bad = call(app, "POST", "/feedback", json={"request_id": rid, "label": "high"})
    assert bad.status_code == 422 and "number" in bad.json()["error"]


def test_multilabel_answers_a_list_of_labels(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=(n, 3))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                          "tags": ["|".join(t for t, on in [("red", x[i, 0] > 0), ("big", x[i, 1] > 0)] if on)
                                   or "none" for i in range(n)]})
    frame.to_csv(tmp_path / "tags.csv", index=False)
    cfg = {"name": "tags", "task": "multilabel", "data": {"train": {"path": str(tmp_path / "tags.csv"), "target": "tags"}},
           "runs_dir": str(tmp_path / "runs"), "model": {"hidden": [8]}, "train": {"epochs": 3}}
    run = tuneup.run(cfg, name="tags", progress=False)
    result = export(run, tmp_path / "e")
    app = create_app(Bundle.load(result.path), options=ServeOptions(log_dir=tmp_path / "logs"))
    body = call(app, "POST", "/predict", json={"rows": [{"a": 2.0, "b": -2.0, "c": 0.0}]}).json()
    p = body["predictions"][0]
    labels = run.encoder.classes
    assert set(p["probabilities"]) == set(labels)
    assert p["prediction"] == [c for c in labels if p["probabilities"][c] >= 0.5]
    rid = p["request_id"]
    assert call(app, "POST", "/feedback", json={"request_id": rid, "label": ["red"]}).status_code == 200
    assert call(app, "POST", "/feedback", json={"request_id": rid, "label": ["blue"]}).status_code == 422


def test_an_ab_candidate_must_take_the_same_inputs(embedded_run, regression_run, tmp_path):
    a = Bundle.load(export(embedded_run, tmp_path / "a").path)
    b = Bundle.load(export(regression_run, tmp_path / "b").path)
    with pytest.raises(tuneup.UserError, match="same task and input schema"):
        create_app(a, b, ServeOptions(log_dir=tmp_path / "logs"))


def test_an_output_that_overflowed_is_a_422_not_a_nan(embedded_run, tmp_path, monkeypatch):
    bundle = Bundle.load(export(embedded_run, tmp_path / "e").path)
    monkeypatch.setattr(bundle, "predict_batch", lambda payloads: np.array([0.2, np.nan], dtype=np.float32))
    app = create_app(bundle, options=ServeOptions(log_dir=tmp_path / "logs"))
    ds = embedded_run.data()
    r = call(app, "POST", "/predict", json={"rows": rows_of(ds.features.iloc[:2])})
    assert r.status_code == 422 and "examples [1] could not be scored" in r.json()["error"]
    assert not list((tmp_path / "logs").glob("log-*.jsonl"))  # nothing logged for a refused request


@pytest.mark.parametrize("open_docs", [False, True])
def test_open_docs_opens_the_docs_and_nothing_else(trained_table_run, tmp_path, open_docs):
    result = export(trained_table_run, tmp_path / "e")
    app = create_app(Bundle.load(result.path), options=ServeOptions(log_dir=tmp_path / "logs", api_key="k",
                                                                    open_docs=open_docs))
    for path in ("/docs", "/openapi.json", "/redoc"):
        assert call(app, "GET", path).status_code == (200 if open_docs else 401), path
    for path in ("/metadata", "/", "/page/app.js", "/metrics"):
        assert call(app, "GET", path).status_code == 401, path
        assert call(app, "GET", path, headers={"X-API-Key": "k"}).status_code == 200, path
    assert call(app, "GET", "/health").status_code == 200
    doc = call(app, "GET", "/openapi.json", headers={"X-API-Key": "k"}).json()
    assert doc["paths"]["/metadata"]["get"]["security"] == [{"APIKeyHeader": []}, {"HTTPBase": []}]


def test_metadata_holds_training_ranges_and_the_page_a_strict_policy(trained_table_run, tmp_path):
    """The upload page's hints (issue 17): a number's training range and the categories seen in training,
    from the training split only; the page itself comes with a Content-Security-Policy."""
    result = export(trained_table_run, tmp_path / "e")
    app = create_app(Bundle.load(result.path), options=ServeOptions(log_dir=tmp_path / "logs"))
    meta = call(app, "GET", "/metadata").json()
    columns = {c["name"]: c for c in meta["input"]["columns"]}
    ds = trained_table_run.data()
    train = ds.features[trained_table_run.splits.aligned_to(ds.ids).mask("train")]
    assert columns["income"]["min"] == pytest.approx(train["income"].min(), rel=1e-6)
    assert columns["income"]["max"] == pytest.approx(train["income"].max(), rel=1e-6)
    assert columns["city"]["categories"] == sorted(train["city"].dropna().unique())
    assert "min" not in columns["city"] and "min" not in columns["signup"]
    assert meta["threshold"] == 0.5 and meta["threshold_is"].startswith("0.5 (the default")
    page = call(app, "GET", "/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
