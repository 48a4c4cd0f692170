import pytest
import torch
from torch import nn

import tuneup
from tuneup.config import Model
from tuneup.data.encode import Encoder
from tuneup.exceptions import ConfigError
from tuneup.models.nets import build_model


def table_encoder(n_features: int, n_classes: int, cardinalities=()) -> Encoder:
    columns = [{"name": f"x{i}", "type": "numeric"} for i in range(n_features)]
    columns += [{"name": f"c{i}", "type": "categorical", "categories": [str(j) for j in range(k - 1)],
                 "encoding": "embedding"} for i, k in enumerate(cardinalities)]
    return Encoder({"kind": "table", "task": "multiclass", "columns": columns,
                    "numeric": {"names": [f"x{i}" for i in range(n_features)], "median": [0.0] * n_features,
                                "mean": [0.0] * n_features, "std": [1.0] * n_features, "indicators": []},
                    "target": {"classes": list(range(n_classes))}})


def test_bnnet_is_exactly_the_seeds_layer_list():
    cfg = tuneup.load_config({"data": {"train": {"path": "builtin:digits"}},
                              "model": {"kind": "mlp", "hidden": [48, 24], "batch_norm": True}}).model
    model = build_model(cfg, table_encoder(784, 10))
    layers = list(model.body)
    expected = [nn.Linear(784, 48), nn.BatchNorm1d(48), nn.ReLU(), nn.Linear(48, 24), nn.BatchNorm1d(24), nn.ReLU(),
                nn.Linear(24, 10)]
    assert [type(l) for l in layers] == [type(l) for l in expected]
    assert [(l.in_features, l.out_features) for l in layers if isinstance(l, nn.Linear)] == [(784, 48), (48, 24), (24, 10)]
    assert [l.num_features for l in layers if isinstance(l, nn.BatchNorm1d)] == [48, 24]


def test_dropout_and_activation_options():
    model = build_model(Model(hidden=[8], dropout=0.3, activation="tanh"), table_encoder(4, 2))
    kinds = [type(l) for l in model.body]
    assert kinds == [nn.Linear, nn.Tanh, nn.Dropout, nn.Linear] and model.body[2].p == 0.3


def test_he_init_zero_bias_and_seeded():
    a = build_model(Model(hidden=[256], init="he"), table_encoder(512, 3), seed=1)
    b = build_model(Model(hidden=[256], init="he"), table_encoder(512, 3), seed=1)
    c = build_model(Model(hidden=[256], init="he"), table_encoder(512, 3), seed=2)
    w = a.body[0].weight
    assert torch.equal(w, b.body[0].weight) and not torch.equal(w, c.body[0].weight)
    assert a.body[0].bias.abs().sum() == 0
    assert w.std().item() == pytest.approx((2 / 512) ** 0.5, rel=0.05)  # He: std = sqrt(2 / fan_in)


def test_embeddings_for_categoricals():
    model = build_model(Model(hidden=[8]), table_encoder(3, 2, cardinalities=[50]))
    assert model.embeddings[0].num_embeddings == 50
    out = model(torch.randn(4, 3), torch.randint(0, 50, (4, 1)))
    assert out.shape == (4, 2)


def test_cnn_needs_images():
    with pytest.raises(ConfigError, match="'cnn' needs images.*mlp"):
        build_model(Model(kind="cnn"), table_encoder(4, 2))


def test_cnn_on_images_shapes():
    enc = Encoder({"kind": "image", "task": "multiclass", "image": {"shape": [3, 20, 20], "mean": [0.5] * 3,
                                                                    "std": [0.2] * 3}, "target": {"classes": [0, 1, 2]}})
    model = build_model(Model(kind="auto", channels=[4, 8], batch_norm=True), enc)
    assert model(torch.rand(5, 3, 20, 20)).shape == (5, 3)
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
