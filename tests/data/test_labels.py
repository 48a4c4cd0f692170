"""One key per label (data/labels.py), and every place that matches labels uses it: 3, 3.0, np.int64(3)
and "3" are the class "3" in the encoder, the bootstrap's metric inputs, error analysis and monitoring."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tuneup.data.labels import label_key, label_keys


@pytest.mark.parametrize("value, key", [
    (3, "3"), (3.0, "3"), (np.int64(3), "3"), (np.float32(3.0), "3"), ("3", "3"), (2.5, "2.5"),
    (True, "True"), (np.bool_(False), "False"), ("cat", "cat"), (None, None), (float("nan"), None), (pd.NA, None),
])
def test_a_label_has_one_key(value, key):
    assert label_key(value) == key


@pytest.mark.parametrize("values", [
    pd.Series([3.0, 1.0, np.nan, 3.0]), np.array([3, 1, 1]), [3, "1", 2.5, None],
    pd.Series(["a", None, "b"], dtype="string[pyarrow]"), pd.array([1, None, 2], dtype="Int64"),
])
def test_keys_of_many_are_the_key_of_each(values):
    assert list(label_keys(values)) == [label_key(v) for v in list(values)]


def test_the_encoder_matches_labels_read_as_decimals_or_text():
    from tuneup.data.encode import _class_codes

    classes = [1, 3]
    assert list(_class_codes(pd.Series([3.0, 1.0, 3.0]), classes)) == [1, 0, 1]
    assert list(_class_codes(pd.Series(["3", "1"], dtype=object), classes)) == [1, 0]


def test_metric_inputs_and_error_analysis_match_decimal_labels_to_integer_classes():
    from tuneup.diagnose.bootstrap import metric_inputs
    from tuneup.errors.examples import class_codes

    frame = pd.DataFrame({"id": ["a", "b", "c"], "y_true": [3.0, 1.0, 3.0], "y_pred": ["3", "3", "1"],
                          "p:1": [0.2, 0.6, 0.7], "p:3": [0.8, 0.4, 0.3]})
    data = metric_inputs(frame.assign(y_true=[3.0, 1.0, 3.0]), "multiclass")
    assert list(data.y) == [1, 0, 1] and list(data.pred) == [1, 1, 0]
    binary = metric_inputs(frame.drop(columns=["p:1", "p:3"]).assign(score=[0.8, 0.4, 0.3]), "binary", [1, 3])
    assert list(binary.y) == [1, 0, 1]
    assert list(class_codes(frame["y_true"], [1, 3])) == [1, 0, 1]


def test_a_run_names_its_probability_columns_by_the_keys(trained_image_run):
    """Multiclass predictions keep `p:<key>` columns, which the bootstrap and monitoring read back."""
    frame = trained_image_run.predictions("dev")
    assert [c for c in frame.columns if c.startswith("p:")] == [f"p:{k}" for k in label_keys(trained_image_run.encoder.classes)]
