"""One threshold, the right one (issue 14, item 7): the served model decides as the run's summary says, on
real uvicorn. A binary run whose metric is accuracy keeps 0.5 (a max-F1 threshold used to be saved and
served: 68% served against 72% in the summary); one whose metric is F1 gets the dev threshold that
maximises F1, and serving applies it. /metadata and every answer say which threshold they use."""
from __future__ import annotations

import httpx
import numpy as np
import pytest
from ._ship import json_rows, server
from sklearn.metrics import accuracy_score, f1_score

import tuneup

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("metric", ["accuracy", "f1"])
def test_the_served_models_dev_metric_equals_the_summarys(metric, tmp_path):
    cfg = {"name": f"bc-{metric}", "metric": metric, "runs_dir": str(tmp_path / "runs"),
           "data": {"train": {"path": "builtin:breast-cancer"}}, "model": {"hidden": [16]},
           "train": {"lr": 0.001, "epochs": 4, "checkpoint": False}}
    run = tuneup.run(cfg, progress=False)
    tuneup.errors(run)  # what a user runs next: it must not change the threshold unless asked
    ds = run.data()
    rows = np.flatnonzero(run.splits.aligned_to(ds.ids).mask("dev"))
    with server([str(run.path)], tmp_path) as url:
        meta = httpx.get(f"{url}/metadata", timeout=30).json()
        answers = httpx.post(f"{url}/predict", json={"rows": json_rows(ds.features.iloc[rows])}, timeout=60).json()
    predictions = [a["prediction"] for a in answers["predictions"]]
    truth = ds.y.iloc[rows].astype(str).to_numpy()
    positive = run.encoder.classes[1]
    served = (accuracy_score(truth, predictions) if metric == "accuracy"
              else f1_score(truth == positive, np.asarray(predictions) == positive))
    summary = run.summary
    assert served == pytest.approx(summary["splits"]["dev"]["metric"], abs=1e-9)
    assert meta["dev_metric"] == pytest.approx(served, abs=1e-9)
    threshold = 0.5 if metric == "accuracy" else summary["threshold"]["value"]
    assert meta["threshold"] == pytest.approx(threshold)
    assert {a["threshold"] for a in answers["predictions"]} == {meta["threshold"]}
    assert meta["threshold_is"].startswith("0.5 (the default" if metric == "accuracy" else f"{threshold:.4g}")
    if metric == "f1":
        assert "chosen on dev for f1 by tuneup run" in meta["threshold_is"]
