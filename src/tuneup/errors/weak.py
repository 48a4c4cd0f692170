"""Weak-slice discovery: slices nobody named that are clearly worse than overall.

A shallow regression tree over the per-example loss, with metadata and features as inputs, proposes
slices (its nodes: "camera = old and image_brightness <= 0.31"). The tree is fitted on one random half of
the split and every proposal is tested on the other half, one-sided and Bonferroni-corrected over all
proposals: a tree always finds *some* split of pure noise, and testing on the examples that chose it
would call that noise a weak slice. Survivors are ranked by size x excess error, and a proposal nested
in (or holding) a better-ranked one is left out.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from tuneup import intervals
from tuneup.errors.examples import NOT_SLICES
from tuneup.errors.slices import rows_from_sums

MAX_DEPTH = 3
MIN_LEAF = 20  # examples in a proposal, at the least ...
MIN_SHARE = 0.02  # ... and this share of the fitting half
MIN_TESTED = 10  # a proposal with fewer held-out examples is not tested
ALPHA = 0.05  # family-wise, over all proposals
TOP = 5
FIT_CAP = 100_000  # a tree this shallow, with leaves of 2% and more, learns as much from 100,000 as from millions
ONE_HOT_TOP = 10  # values of a text column the tree may split on
ID_LIKE = 0.5  # a text column with more distinct values than this share of rows is an identifier


@dataclass
class WeakSlice:
    rule: str
    conditions: list[dict]
    n: int  # examples of the split in this slice
    share: float
    error: float  # on the held-out half
    error_ci: tuple[float, float]
    excess: float  # error - the held-out half's overall error
    excess_ci: tuple[float, float]
    p_value: float  # one-sided, on the held-out half, before the Bonferroni correction
    mean: float  # held-out mean per-example error (for the ceiling table)
    tested: int  # held-out examples in the slice

    @property
    def score(self) -> float:
        return self.share * self.excess

    def mask(self, columns: pd.DataFrame) -> np.ndarray:
        """Which rows of `columns` (the examples' columns, or new data with them) fall in this slice."""
        return np.logical_and.reduce([_holds(c, columns[c["column"]]) for c in self.conditions] +
                                     [np.ones(len(columns), dtype=bool)])

    def to_dict(self) -> dict:
        return {**asdict(self), "score": self.score}


@dataclass
class WeakSlices:
    slices: list[WeakSlice]
    proposals: int  # nodes tested
    fitted_on: int
    tested_on: int
    alpha: float
    columns: list[str] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict:
        return {**asdict(self), "slices": [s.to_dict() for s in self.slices]}


def find_weak_slices(examples, seed: int = 0, max_depth: int = MAX_DEPTH, alpha: float = ALPHA,
                     top: int = TOP) -> WeakSlices:
    from sklearn.tree import DecisionTreeRegressor

    design = Design.build(examples.columns)
    n = len(examples)
    if not design.names or n < 4 * MIN_LEAF:
        why = "no metadata or features to split on" if not design.names else f"too few examples ({n})"
        return WeakSlices([], 0, 0, 0, alpha, design.sources, note=why)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    fit, test = order[: n // 2][:FIT_CAP], order[n // 2:]
    target = examples.loss if np.isfinite(examples.loss).all() else examples.error
    leaf = max(MIN_LEAF, int(np.ceil(MIN_SHARE * len(fit))))
    tree = DecisionTreeRegressor(max_depth=max_depth, min_samples_leaf=leaf, random_state=seed)
    tree.fit(design.x[fit], target[fit])
    in_test = tree.decision_path(design.x[test])  # (held-out, nodes) 0/1
    in_all = np.asarray(tree.decision_path(design.x).sum(axis=0)).ravel()  # examples per node
    e = examples.error[test]
    n_test = np.asarray(in_test.sum(axis=0)).ravel().astype(float)
    s_test, q_test = in_test.T @ e, in_test.T @ (e * e)  # summed errors and squares per node
    candidates = np.flatnonzero((np.arange(len(n_test)) > 0) & (n_test >= MIN_TESTED))
    slices = _significant(candidates, n_test, s_test, q_test, e, examples.measure, in_all, n, alpha, tree, design)
    return WeakSlices(_rank(slices, tree, top), len(candidates), len(fit), len(test), alpha, design.sources)


def _significant(nodes, n1, s1, q1, e, measure, in_all, n, alpha, tree, design) -> list[tuple[int, WeakSlice]]:
    """The proposals whose held-out error is above the rest's, Bonferroni-corrected over all of them."""
    N, S, Q = float(len(e)), float(e.sum()), float((e * e).sum())
    n1, s1, q1 = n1[nodes], s1[nodes], q1[nodes]
    p = intervals.worse_p_value(s1, q1, n1, S - s1, Q - q1, N - n1, measure.binary)
    keep = (p < alpha / max(len(nodes), 1)) & (n1 < N)
    rows = rows_from_sums(n1, s1, q1, (N, S, Q), measure, [str(k) for k in nodes], "weak")
    out = []
    for node, row, p_value, ok in zip(nodes, rows, p, keep):
        if not ok:
            continue
        conditions = describe(tree, int(node), design)
        out.append((int(node), WeakSlice(
            rule=rule_text(conditions), conditions=conditions, n=int(in_all[node]), share=float(in_all[node] / n),
            error=row.error, error_ci=row.error_ci, excess=row.diff, excess_ci=row.diff_ci, p_value=float(p_value),
            mean=row.mean, tested=row.n,
        )))
    return out


def _rank(found: list[tuple[int, WeakSlice]], tree, top: int) -> list[WeakSlice]:
    found.sort(key=lambda pair: -pair[1].score)
    kept: list[tuple[int, WeakSlice]] = []
    for node, ws in found:
        if ws.excess <= 0 or any(_nested(node, other, tree) for other, _ in kept):
            continue
        kept.append((node, ws))
    return [ws for _, ws in kept[:top]]


def _nested(a: int, b: int, tree) -> bool:
    path_a, path_b = _ancestors(tree, a), _ancestors(tree, b)
    return a in path_b or b in path_a


def _ancestors(tree, node: int) -> list[int]:
    parent = _parents(tree)
    path = [node]
    while parent[path[-1]] >= 0:
        path.append(int(parent[path[-1]]))
    return path


def _parents(tree) -> np.ndarray:
    t = tree.tree_
    parent = np.full(t.node_count, -1)
    for i in range(t.node_count):
        for child in (t.children_left[i], t.children_right[i]):
            if child >= 0:
                parent[child] = i
    return parent


@dataclass
class Design:
    """The tree's inputs: numbers (and dates) as they are, missing kept as NaN; text as one 0/1 column
    per frequent value. `parts[j]` says which column and value design column j stands for."""

    x: np.ndarray  # (N, D) float32: what scikit-learn's trees compute in (it would convert a copy)
    names: list[str]
    parts: list[tuple[str, str, object]]  # (column, "number" | "date" | "value", value)
    has_missing: dict[str, bool]
    sources: list[str]

    @classmethod
    def build(cls, columns: pd.DataFrame) -> "Design":
        blocks, names, parts, missing, sources = [], [], [], {}, []
        for c in columns.columns:
            s = columns[c]
            if c in NOT_SLICES:
                continue
            block = _number_block(s)
            if block is not None:
                finite = block[np.isfinite(block)]
                if len(finite) == 0 or (finite.min() == finite.max() and len(finite) == len(block)):
                    continue  # one value throughout: nothing to split
                kind = "date" if pd.api.types.is_datetime64_any_dtype(s) else "number"
                blocks.append(block.astype(np.float32)[:, None]), names.append(c), parts.append((c, kind, None))
            else:
                codes, values = pd.factorize(s, use_na_sentinel=True)
                if len(values) < 2 or len(values) > ID_LIKE * len(s):
                    continue  # a constant, or an identifier
                top = np.argsort(-np.bincount(codes[codes >= 0], minlength=len(values)), kind="stable")[:ONE_HOT_TOP]
                blocks.append((codes[:, None] == top[None, :]).astype(np.float32))  # (N, K) one-hot
                names.extend(f"{c} = {values[k]}" for k in top), parts.extend((c, "value", values[k]) for k in top)
            missing[c] = bool(s.isna().any())
            sources.append(c)
        x = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(columns), 0), dtype=np.float32)
        return cls(x, names, parts, missing, sources)


def _number_block(s: pd.Series) -> np.ndarray | None:
    """Numbers, dates (as nanoseconds) and booleans as float64 with NaN for missing; None for text."""
    if pd.api.types.is_datetime64_any_dtype(s):
        x = s.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64)
        x[s.isna().to_numpy()] = np.nan
        return x
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    return None


def describe(tree, node: int, design: Design) -> list[dict]:
    """The conditions on the path from the root to `node`, merged per column."""
    t = tree.tree_
    path = _ancestors(tree, node)[::-1]
    ranges: dict[str, dict] = {}
    for parent, child in zip(path, path[1:]):
        column, kind, value = design.parts[t.feature[parent]]
        left = child == t.children_left[parent]
        entry = ranges.setdefault(column, {"column": column, "kind": kind, "lo": -np.inf, "hi": np.inf,
                                           "missing": design.has_missing[column], "is": None, "not": []})
        if kind == "value":
            if left:
                entry["not"].append(value)
            else:
                entry["is"] = value
            continue
        threshold = float(t.threshold[parent])
        goes_left = bool(t.missing_go_to_left[parent])
        if left:
            entry["hi"] = min(entry["hi"], threshold)
        else:
            entry["lo"] = max(entry["lo"], threshold)
        entry["missing"] = entry["missing"] and goes_left == left
    return [_condition(e) for e in ranges.values()]


def _condition(e: dict) -> dict:
    """One column's condition as plain JSON data: ==, not in, is missing, or a range (None = unbounded)."""
    if e["kind"] == "value":
        if e["is"] is not None:
            return {"column": e["column"], "op": "==", "value": e["is"]}
        return {"column": e["column"], "op": "not in", "value": e["not"]}
    if e["lo"] >= e["hi"]:
        return {"column": e["column"], "op": "is missing"}
    bound = lambda v: None if np.isinf(v) else float(v)  # noqa: E731
    return {"column": e["column"], "op": "range", "lo": bound(e["lo"]), "hi": bound(e["hi"]),
            "missing": bool(e["missing"]), "date": e["kind"] == "date"}


def _holds(c: dict, s: pd.Series) -> np.ndarray:
    missing = s.isna().to_numpy()
    if c["op"] == "==":
        return (s == c["value"]).to_numpy(dtype=bool, na_value=False)
    if c["op"] == "not in":
        return ~s.isin(c["value"]).to_numpy(dtype=bool)
    if c["op"] == "is missing":
        return missing
    x = _number_block(s).astype(np.float32).astype(np.float64)  # as the tree saw it: float32
    lo = -np.inf if c["lo"] is None else c["lo"]
    hi = np.inf if c["hi"] is None else c["hi"]
    with np.errstate(invalid="ignore"):
        inside = (x > lo) & (x <= hi)
    return np.where(missing, c["missing"], inside)


def rule_text(conditions: list[dict]) -> str:
    return " and ".join(filter(None, (_condition_text(c) for c in conditions))) or "all examples"


def _condition_text(c: dict) -> str:
    col = c["column"]
    if c["op"] == "==":
        return f"{col} = {c['value']}"
    if c["op"] == "not in":
        values = c["value"]
        return f"{col} != {values[0]}" if len(values) == 1 else f"{col} not in {{{', '.join(map(str, values))}}}"
    if c["op"] == "is missing":
        return f"{col} is missing"
    lo, hi, show = c["lo"], c["hi"], _date if c["date"] else _number
    if lo is None and hi is None:
        return "" if c["missing"] else f"{col} is present"
    if lo is None:
        text = f"{col} <= {show(hi)}"
    elif hi is None:
        text = f"{col} > {show(lo)}"
    else:
        text = f"{show(lo)} < {col} <= {show(hi)}"
    return text + (" (or missing)" if c["missing"] else "")


def _number(v: float) -> str:
    return f"{v:.4g}"


def _date(v: float) -> str:
    return str(pd.Timestamp(int(v)).date())
