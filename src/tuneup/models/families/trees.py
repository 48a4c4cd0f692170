"""HistGradientBoosting as ONNX's `TreeEnsemble` (domain ai.onnx.ml, opset 5), written from the fitted trees.

skl2onnx 1.20 cannot convert these models: it writes a boolean where ONNX wants an integer (scikit-learn
1.9's trees) and has no categorical splits. This writes the trees as scikit-learn walks them
(`_predictor.pyx`): thresholds and leaf values in float64, compared on the float64 input, so the ONNX
model takes every branch scikit-learn takes; categorical splits become set-membership tests.

    numeric split      x <= threshold -> left; NaN follows `missing_go_to_left`
    categorical split  scikit-learn encodes a category column by its sorted training values; categories
                       in the left bitset go left, other known ones right, unknown ones and NaN go the
                       missing value's way. ONNX tests membership of one set whose "no" branch takes NaN
                       and every unknown value, so the set is the side missing values do NOT go to.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from onnx import NodeProto, TensorProto, helper, numpy_helper

LEQ, MEMBER = 0, 6  # TreeEnsemble's nodes_modes: BRANCH_LEQ, BRANCH_MEMBER
NEVER = -1.0  # a member no category code can equal (codes are >= 0): a set that nothing is in


@dataclass
class _Trees:
    """TreeEnsemble's attribute lists, filled one tree at a time."""

    features: list[int] = field(default_factory=list)
    modes: list[int] = field(default_factory=list)
    splits: list[float] = field(default_factory=list)
    true_ids: list[int] = field(default_factory=list)
    true_leaf: list[int] = field(default_factory=list)
    false_ids: list[int] = field(default_factory=list)
    false_leaf: list[int] = field(default_factory=list)
    missing_true: list[int] = field(default_factory=list)
    members: list[float] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)
    leaf_targets: list[int] = field(default_factory=list)
    leaf_weights: list[float] = field(default_factory=list)


def raw_scores(models: list, x: str, out: str, prefix: str = "hgb_") -> tuple[list[NodeProto], list[TensorProto], int]:
    """Nodes computing `out` (B, T) float64, the raw scores (scikit-learn's `_raw_predict`) of `models` side by
    side, from `x` (B, F) float64: T = the sum of the models' trees per iteration (one model, or a multilabel
    model's per-label ones). Returns (nodes, initializers, T)."""
    t, base = _Trees(), []
    for model in models:
        columns = _original_columns(model)
        categories = _categories(model)
        offset = len(base)
        base.extend(np.asarray(model._baseline_prediction, dtype=np.float64).ravel().tolist())
        for iteration in model._predictors:
            for k, predictor in enumerate(iteration):
                nodes = predictor.nodes
                if nodes[0]["is_leaf"]:  # a tree without a split adds a constant
                    base[offset + k] += float(nodes[0]["value"])
                    continue
                _add_tree(t, predictor, offset + k, columns, categories)
    n_targets = len(base)
    base_init = numpy_helper.from_array(np.asarray(base, dtype=np.float64).reshape(1, -1), f"{prefix}base")
    if not t.roots:  # no tree has a split: every row gets the base scores
        width = numpy_helper.from_array(np.asarray([n_targets], dtype=np.int64), f"{prefix}width")
        nodes = [helper.make_node("Shape", [x], [f"{prefix}rows"], start=0, end=1),
                 helper.make_node("Concat", [f"{prefix}rows", f"{prefix}width"], [f"{prefix}shape"], axis=0),
                 helper.make_node("Expand", [f"{prefix}base", f"{prefix}shape"], [out])]
        return nodes, [base_init, width], n_targets
    attrs = {
        "n_targets": n_targets, "aggregate_function": 1, "post_transform": 0, "tree_roots": t.roots,  # 1: SUM, 0: NONE
        "nodes_featureids": t.features,
        "nodes_modes": numpy_helper.from_array(np.asarray(t.modes, np.uint8), "nodes_modes"),
        "nodes_splits": numpy_helper.from_array(np.asarray(t.splits, np.float64), "nodes_splits"),
        "nodes_truenodeids": t.true_ids, "nodes_trueleafs": t.true_leaf, "nodes_falsenodeids": t.false_ids,
        "nodes_falseleafs": t.false_leaf, "nodes_missing_value_tracks_true": t.missing_true,
        "leaf_targetids": t.leaf_targets,
        "leaf_weights": numpy_helper.from_array(np.asarray(t.leaf_weights, np.float64), "leaf_weights"),
    }
    if t.members:
        attrs["membership_values"] = numpy_helper.from_array(np.asarray(t.members, np.float64), "membership_values")
    nodes = [helper.make_node("TreeEnsemble", [x], [f"{prefix}sum"], domain="ai.onnx.ml", name=f"{prefix}trees",
                              **attrs),
             helper.make_node("Add", [f"{prefix}sum", f"{prefix}base"], [out], name=f"{prefix}plus_base")]
    return nodes, [base_init], n_targets


def _add_tree(t: _Trees, predictor, target: int, columns: np.ndarray, categories: dict[int, np.ndarray]) -> None:
    nodes = predictor.nodes
    interior = np.flatnonzero(~nodes["is_leaf"].astype(bool))
    leaves = np.flatnonzero(nodes["is_leaf"].astype(bool))
    node_id = {int(i): len(t.modes) + j for j, i in enumerate(interior)}  # scikit-learn's index -> ONNX's
    leaf_id = {int(i): len(t.leaf_targets) + j for j, i in enumerate(leaves)}
    t.roots.append(node_id[0])
    for i in interior:
        n = nodes[i]
        left, right = int(n["left"]), int(n["right"])
        go_left_if_missing = bool(n["missing_go_to_left"])
        t.features.append(int(columns[n["feature_idx"]]))
        if n["is_categorical"]:
            known = categories[int(n["feature_idx"])]
            in_left = _bits(predictor.raw_left_cat_bitsets[n["bitset_idx"]], len(known))
            chosen = ~in_left if go_left_if_missing else in_left  # the side missing values do not go to
            members = known[chosen].tolist() or [NEVER]
            t.members.extend([*members, float("nan")])
            yes, no = (right, left) if go_left_if_missing else (left, right)
            t.modes.append(MEMBER)
            t.splits.append(0.0)
            t.missing_true.append(0)  # NaN -> the "no" branch, which is the missing values' side
        else:
            yes, no = left, right
            t.modes.append(LEQ)
            t.splits.append(float(n["num_threshold"]))
            t.missing_true.append(int(go_left_if_missing))
        for child, ids, is_leaf in ((yes, t.true_ids, t.true_leaf), (no, t.false_ids, t.false_leaf)):
            leaf = bool(nodes[child]["is_leaf"])
            ids.append(leaf_id[child] if leaf else node_id[child])
            is_leaf.append(int(leaf))
    for i in leaves:
        t.leaf_targets.append(target)
        t.leaf_weights.append(float(nodes[i]["value"]))


def _bits(bitset: np.ndarray, n: int) -> np.ndarray:
    """The first `n` bits of a scikit-learn bitset (uint32 words, least significant bit first)."""
    words = np.asarray(bitset, dtype=np.uint32)
    k = np.arange(n)
    return ((words[k // 32] >> (k % 32).astype(np.uint32)) & 1).astype(bool)


def _original_columns(model) -> np.ndarray:
    """Input column of each feature index the trees use: scikit-learn moves categorical columns first."""
    mask = getattr(model, "is_categorical_", None)
    if getattr(model, "_preprocessor", None) is None or mask is None:
        return np.arange(model.n_features_in_)
    return np.r_[np.flatnonzero(mask), np.flatnonzero(~mask)]


def _categories(model) -> dict[int, np.ndarray]:
    """Feature index the trees use -> the training values of that categorical column, in code order."""
    if getattr(model, "_preprocessor", None) is None:
        return {}
    encoder = model._preprocessor.named_transformers_["encoder"]
    out = {}
    for j, values in enumerate(encoder.categories_):
        values = np.asarray(values, dtype=np.float64)
        out[j] = values[~np.isnan(values)]  # categorical columns come first, in the trees' numbering
    return out
