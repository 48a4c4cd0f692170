import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import tuneup
from tuneup.models.baselines import features


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
