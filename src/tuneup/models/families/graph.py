"""A fitted family as one ONNX model with the networks' contract (`tuneup.ship.graph`), so an export, the
server, the upload page and the browser take it as they take a network:

    inputs  tables `features` (B, D_raw) float32, NaN = missing (+ `categories` (B, K) int64 codes when some
            categoricals are embedded); images `image` (B, C, H, W) float32 in [0, 1]
    output  `output`: binary (B,) P(positive class); multiclass (B, C) and multilabel (B, L) probabilities;
            regression (B,) in the target's units

It is three parts joined by `onnx.compose`:
    front  raw inputs -> the matrix scikit-learn was fitted on, traced from `FamilyInput`, which runs the
           encoder's own numeric preprocessing module (the one training used), float32 as in training
    model  the estimator on that matrix in float64, as scikit-learn computes it: linear: skl2onnx's conversion
           of the scaling and one-hot step, then the coefficients; hgb: `trees.raw_scores`
    head   the link (sigmoid, softmax or none), the classes training never saw (probability 0), float32
"""
from __future__ import annotations

import io

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from tuneup.data.encode import Encoder
from tuneup.models.families.estimators import Layout

ML_OPSET = 5  # ai.onnx.ml: TreeEnsemble (opset 5) has float64 thresholds and set membership
IR_VERSION = 10  # what ai.onnx.ml opset 5 needs; ONNX Runtime 1.18+ reads it
MATRIX, SCORES = "family_matrix", "family_scores"


class FamilyInput(nn.Module):
    """Raw inputs -> the matrix `estimators.matrix` makes from encoded tensors: the numeric preprocessing, then
    the category codes as floats; images flattened as they are."""

    def __init__(self, encoder: Encoder):
        super().__init__()
        self.preprocess = encoder.preprocess_module() if encoder.kind == "table" else None

    def forward(self, x: torch.Tensor, categories: torch.Tensor | None = None) -> torch.Tensor:
        if self.preprocess is None:
            return x.flatten(1)  # (B, C, H, W) -> (B, C*H*W): raw [0, 1] pixels
        x = self.preprocess(x)  # (B, D_raw) -> (B, D)
        if categories is not None:
            x = torch.cat([x, categories.to(x.dtype)], dim=1)  # (B, D + K)
        return x


def to_onnx(est, family: str, encoder: Encoder) -> onnx.ModelProto:
    """The whole inference graph of a fitted `linear` or `hgb` estimator (see the module docstring)."""
    task, layout = encoder.task, Layout.of(encoder)
    parts = [_front(encoder)]
    if family == "linear":
        parts += _linear(est, layout, task)
    else:
        parts.append(_hgb(est, task))
    parts.append(_head(est, task, encoder.n_outputs))
    return _join(parts)


# ---- front: raw inputs -> the matrix -------------------------------------------------------------------
def _front(encoder: Encoder) -> onnx.ModelProto:
    from tuneup.ship.graph import OPSET, input_names

    names = input_names(encoder)
    if encoder.kind == "image":
        example: tuple[torch.Tensor, ...] = (torch.zeros((2, *encoder.spec["image"]["shape"])),)
    else:
        example = (torch.zeros((2, len(encoder.spec["numeric"]["names"]))),)
        if encoder.embedded:
            example += (torch.zeros((2, len(encoder.embedded)), dtype=torch.int64),)
    buffer = io.BytesIO()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript-based exporter announces its own deprecation
        torch.onnx.export(FamilyInput(encoder).eval(), example, buffer, input_names=names, output_names=[MATRIX],
                          dynamic_axes={n: {0: "batch"} for n in [*names, MATRIX]}, opset_version=OPSET,
                          dynamo=False, do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


# ---- model: the estimator in float64 -------------------------------------------------------------------
def _linear(est, layout: Layout, task: str) -> list[onnx.ModelProto]:
    """[the scaling and one-hot step (tables)], then scores = z @ coef.T + intercept."""
    parts = [_model("linear_cast", [helper.make_node("Cast", ["x"], ["x64"], to=TensorProto.DOUBLE)], [],
                    ("x", TensorProto.FLOAT, layout.width), ("x64", TensorProto.DOUBLE, layout.width))]
    final = est
    if hasattr(est, "steps"):
        parts.append(_skl2onnx(est.steps[0][1], layout.width))
        final = est.steps[-1][1]
    members = getattr(final, "estimators_", None) or [final]  # multilabel: one model per label
    coef = np.concatenate([np.atleast_2d(m.coef_) for m in members]).astype(np.float64)  # (T, F')
    intercept = np.concatenate([np.atleast_1d(m.intercept_) for m in members]).astype(np.float64)  # (T,)
    nodes = [helper.make_node("MatMul", ["z", "linear_coef"], ["zw"]),
             helper.make_node("Add", ["zw", "linear_intercept"], [SCORES])]
    inits = [numpy_helper.from_array(coef.T.copy(), "linear_coef"),
             numpy_helper.from_array(intercept.reshape(1, -1), "linear_intercept")]
    parts.append(_model("linear", nodes, inits, ("z", TensorProto.DOUBLE, coef.shape[1]),
                        (SCORES, TensorProto.DOUBLE, coef.shape[0])))
    return parts


def _skl2onnx(transformer, width: int) -> onnx.ModelProto:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType

    return convert_sklearn(transformer, initial_types=[("x", DoubleTensorType([None, width]))],
                           target_opset={"": 17, "ai.onnx.ml": 1}, naming="linear_prep_")


def _hgb(est, task: str) -> onnx.ModelProto:
    from tuneup.models.families.trees import raw_scores

    models = getattr(est, "estimators_", None) or [est]  # multilabel: one model per label
    width = models[0].n_features_in_
    nodes, inits, n_scores = raw_scores(models, "x64", SCORES)
    nodes.insert(0, helper.make_node("Cast", ["x"], ["x64"], to=TensorProto.DOUBLE))
    return _model("hgb", nodes, inits, ("x", TensorProto.FLOAT, width), (SCORES, TensorProto.DOUBLE, n_scores))


# ---- head: link, classes, float32 ----------------------------------------------------------------------
def _head(est, task: str, n_outputs: int) -> onnx.ModelProto:
    from tuneup.ship.graph import OUTPUT

    final = est.steps[-1][1] if hasattr(est, "steps") else est
    nodes, inits = [], []
    probs = "head_link"
    if task == "multiclass":
        nodes.append(helper.make_node("Softmax", ["s"], [probs], axis=1))
        select = np.zeros((len(final.classes_), n_outputs))
        select[np.arange(len(final.classes_)), final.classes_] = 1.0  # classes training never saw: 0
        inits.append(numpy_helper.from_array(select, "head_select"))
        nodes.append(helper.make_node("MatMul", [probs, "head_select"], ["head_full"]))
        probs = "head_full"
    elif task in ("binary", "multilabel"):
        nodes.append(helper.make_node("Sigmoid", ["s"], [probs]))  # P(class 1): classes_ is [0, 1]
    else:
        probs = "s"
    if task in ("binary", "regression"):
        inits.append(numpy_helper.from_array(np.asarray([-1], dtype=np.int64), "head_shape"))
        nodes.append(helper.make_node("Reshape", [probs, "head_shape"], ["head_flat"]))  # (B, 1) -> (B,)
        probs = "head_flat"
    nodes.append(helper.make_node("Cast", [probs], [OUTPUT], to=TensorProto.FLOAT))
    width = None if task in ("binary", "regression") else n_outputs
    n_scores = 1 if task in ("binary", "regression") else (n_outputs if task == "multilabel" else len(final.classes_))
    return _model("head", nodes, inits, ("s", TensorProto.DOUBLE, n_scores), (OUTPUT, TensorProto.FLOAT, width))


# ---- joining the parts ---------------------------------------------------------------------------------
def _model(name: str, nodes, inits, x: tuple, y: tuple) -> onnx.ModelProto:
    """One part: input `x` and output `y` given as (name, type, width or None), batch first."""
    def info(spec):
        n, kind, width = spec
        return helper.make_tensor_value_info(n, kind, ["batch"] if width is None else ["batch", width])

    graph = helper.make_graph(nodes, name, [info(x)], [info(y)], initializer=inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                   helper.make_opsetid("ai.onnx.ml", ML_OPSET)])


def _join(parts: list[onnx.ModelProto]) -> onnx.ModelProto:
    """Each part's single output feeds the next part's single input; names get a per-part prefix, except the
    first part's inputs and the last part's output, which keep the contract's names."""
    from onnx import compose, version_converter

    from tuneup.ship.graph import OPSET, OUTPUT

    def aligned(m: onnx.ModelProto) -> onnx.ModelProto:
        default = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), OPSET)
        if default < OPSET:
            m = version_converter.convert_version(m, OPSET)
        m.ir_version = IR_VERSION
        del m.opset_import[:]
        m.opset_import.extend([helper.make_opsetid("", OPSET), helper.make_opsetid("ai.onnx.ml", ML_OPSET)])
        return m

    joined = aligned(parts[0])
    for i, part in enumerate(parts[1:], start=1):
        part = aligned(part)
        joined = compose.merge_models(joined, part, io_map=[(joined.graph.output[0].name, part.graph.input[0].name)],
                                      prefix2=f"part{i}/")
    _rename_output(joined, OUTPUT)
    onnx.checker.check_model(joined)
    return joined


def _rename_output(m: onnx.ModelProto, name: str) -> None:
    old = m.graph.output[0].name
    for node in m.graph.node:
        node.output[:] = [name if o == old else o for o in node.output]
    m.graph.output[0].name = name
