"""`tuneup serve` on `model.kind: hgb` and `linear` runs, against a real uvicorn: every served answer is what
scikit-learn's own `predict` / `predict_proba` say on the same rows (estimators fitted here, independently,
on the same training rows), for a binary, a multiclass and a regression table and for images. Each server
holds the hgb run as primary and the linear run as an A/B candidate; a client id picks the variant."""
from __future__ import annotations

import io

import httpx
import numpy as np
import pytest
from PIL import Image
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import tuneup
from tuneup.models.families.estimators import matrix, targets
from tuneup.ship.ab import Router

from ._ship import json_rows, server

pytestmark = pytest.mark.slow
SHARE = 0.5
TABLES = {"breast-cancer": "binary", "wine": "multiclass", "diabetes": "regression"}


def client_for(variant: str, candidate: str) -> str:
    router = Router(SHARE, salt=candidate)  # the candidate's version is the salt
    return next(f"c{i}" for i in range(1000) if router.choose(f"c{i}") == variant)


def references(prepared) -> dict[str, object]:
    """scikit-learn's estimators with tuneup's settings (scikit-learn's defaults; lbfgs 1000 steps), fitted on
    the run's training rows as tuneup fits them (one thread: lbfgs stops where the arithmetic leads it)."""
    train, task = prepared.tensors["train"], prepared.task
    x, y = matrix(train), targets(train, task)
    with threadpool_limits(limits=1):
        if task == "regression":
            y = prepared.encoder.decode_target(y)
            if prepared.encoder.kind == "table":
                return {"hgb": HistGradientBoostingRegressor(random_state=0).fit(x, y),
                        "linear": make_pipeline(StandardScaler(), LinearRegression()).fit(x, y)}
        linear = LogisticRegression(max_iter=1000)
        if prepared.encoder.kind == "table":
            return {"hgb": HistGradientBoostingClassifier(random_state=0).fit(x, y),
                    "linear": make_pipeline(StandardScaler(), linear).fit(x, y)}
        return {"linear": linear.fit(x, y)}  # images: raw [0, 1] pixels


def served_values(answers: list[dict], task: str, classes: list) -> np.ndarray:
    if task == "regression":
        return np.array([a["prediction"] for a in answers])
    if task == "binary":
        return np.array([a["score"] for a in answers])
    return np.array([[a["probabilities"][str(c)] for c in classes] for a in answers])


def expected_values(est, x: np.ndarray, task: str) -> np.ndarray:
    if task == "regression":
        return est.predict(x)
    proba = est.predict_proba(x)
    return proba[:, 1] if task == "binary" else proba


@pytest.fixture(scope="module", params=list(TABLES))
def table(request, tmp_path_factory):
    name = request.param
    root = tmp_path_factory.mktemp(f"serve_{name}")
    cfg = {"name": name, "runs_dir": str(root / "runs"), "data": {"train": {"path": f"builtin:{name}"}}}
    runs = {kind: tuneup.run(cfg, overrides={"model.kind": kind}, name=f"{name}-{kind}", progress=False)
            for kind in ("hgb", "linear")}
    args = [str(runs["hgb"].path), "--candidate", str(runs["linear"].path), "--share", str(SHARE)]
    with server(args, root) as url:
        yield {"url": url, "runs": runs, "task": TABLES[name], "prepared": tuneup.prepare(runs["hgb"].config)}


def test_served_tables_answer_what_scikit_learn_predicts(table):
    prepared, task = table["prepared"], table["task"]
    enc = prepared.encoder
    dev_rows = np.flatnonzero(prepared.splits.mask("dev"))
    rows = json_rows(prepared.dataset.features.iloc[dev_rows])
    x_dev = matrix(prepared.tensors["dev"])
    for kind, est in references(prepared).items():
        variant = "primary" if kind == "hgb" else "candidate"
        client = client_for(variant, table["runs"]["linear"].name)
        r = httpx.post(f"{table['url']}/predict", json={"rows": rows}, headers={"X-Client-Id": client}, timeout=60)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["variant"], body["model"]) == (variant, table["runs"][kind].name)
        got = served_values(body["predictions"], task, enc.classes)
        np.testing.assert_allclose(got, expected_values(est, x_dev, task), rtol=1e-4, atol=1e-5)
        if task != "regression":
            labels = np.asarray(enc.classes, dtype=object)[est.predict(x_dev).astype(int)]
            assert [a["prediction"] for a in body["predictions"]] == list(labels), kind


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve_family_images")
    cfg = tuneup.demo_config(epochs=1, runs_dir=str(root / "runs"))
    run = tuneup.run(cfg, overrides={"model.kind": "linear"}, name="digits-linear", progress=False)
    with server([str(run.path)], root) as url:
        yield {"url": url, "run": run, "prepared": tuneup.prepare(run.config)}


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels[0]).save(buf, "PNG")
    return buf.getvalue()


def test_served_images_answer_what_scikit_learn_predicts(images):
    prepared = images["prepared"]
    dev = prepared.tensors["dev"]
    pick = np.arange(len(dev))[:: max(1, len(dev) // 32)][:32]  # 32 dev images, 16 per request (the limit)
    answers = []
    for part in (pick[:16], pick[16:]):
        files = [("files", (f"{i}.png", png(dev.x[i].numpy()))) for i in part]
        r = httpx.post(f"{images['url']}/predict", files=files, timeout=60)
        assert r.status_code == 200, r.text
        answers += r.json()["predictions"]
    est = references(prepared)["linear"]
    classes = prepared.encoder.classes
    x = matrix(dev)[pick]
    np.testing.assert_allclose(served_values(answers, "multiclass", classes), est.predict_proba(x),
                               rtol=1e-4, atol=1e-5)
    assert [a["prediction"] for a in answers] == list(np.asarray(classes, dtype=object)[est.predict(x)])
