import math

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_class_weight

from tuneup.models.heads import Head, class_weights


def test_binary_sigmoid_and_bce_by_hand():
    head = Head("binary", 1)
    out, y = torch.tensor([[2.0], [-1.0]]), torch.tensor([1.0, 0.0])
    p = [1 / (1 + math.exp(-2)), 1 / (1 + math.exp(1))]
    expected = -(math.log(p[0]) + math.log(1 - p[1])) / 2
    assert head.loss(out, y).item() == pytest.approx(expected, rel=1e-6)
    o = head.outputs(out, y)
    np.testing.assert_allclose(o.proba, p, rtol=1e-6)
    assert o.pred.tolist() == [1, 0] and head.activation == "sigmoid"


def test_multiclass_softmax_and_cross_entropy_by_hand():
    head = Head("multiclass", 3)
    out, y = torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([0])
    z = np.exp([1.0, 2.0, 3.0])
    assert head.loss(out, y).item() == pytest.approx(-math.log(z[0] / z.sum()), rel=1e-6)
    o = head.outputs(out, y)
    np.testing.assert_allclose(o.proba[0], z / z.sum(), rtol=1e-6)
    assert o.pred.tolist() == [2] and head.activation == "softmax"
    soft = torch.tensor([[0.5, 0.5, 0.0]])  # mixup targets
    assert head.loss(out, soft).item() == pytest.approx(-0.5 * (math.log(z[0] / z.sum()) + math.log(z[1] / z.sum())), rel=1e-6)


def test_multilabel_sigmoid_bce_per_label():
    head = Head("multilabel", 2)
    out, y = torch.tensor([[0.0, 3.0]]), torch.tensor([[1.0, 0.0]])
    p = 1 / (1 + math.exp(-3))
    assert head.loss(out, y).item() == pytest.approx((math.log(2) - math.log(1 - p)) / 2, rel=1e-6)
    assert head.outputs(out, y).pred.tolist() == [[1, 1]]


def test_regression_identity_and_mse():
    head = Head("regression", 1)
    out, y = torch.tensor([[1.0], [3.0]]), torch.tensor([0.0, 1.0])
    assert head.loss(out, y).item() == pytest.approx((1 + 4) / 2)
    assert head.outputs(out, y).proba is None and head.activation == "none"


def test_balanced_class_weights_equal_scikit_learns():
    y = torch.tensor([0, 0, 0, 0, 1, 1, 2])
    w = class_weights("multiclass", y, 3, "balanced")
    np.testing.assert_allclose(w.numpy(), compute_class_weight("balanced", classes=np.arange(3), y=y.numpy()), rtol=1e-6)
    assert class_weights("binary", torch.tensor([0.0, 0, 0, 1]), 1, "balanced").item() == pytest.approx(3.0)
    assert class_weights("multiclass", y, 3, "none") is None
