"""Category values that exist in only one split. A value seen in dev/test but never in train reaches the
model as 'unknown'; many of them mean the held-out data is not like the training data in that column
(a new store, a new product line), or the column is close to an identifier."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks.context import CheckData
from tuneup.checks.result import Finding

UNSEEN_SHARE = 0.01  # held-out rows with a value unseen in train beyond this share: flagged
SHOWN = 5


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if data.kind != "table":
        return {"skipped": "images: no categories"}, []
    columns = [c for c, kind in data.types.items() if kind == "categorical" and c not in data.suspicious]
    train = data.rows("train")
    held = [s for s in ("train_dev", "dev", "test") if len(data.rows(s))]
    results, found = [], []
    for name in columns:
        codes, values, _ = data.factorized(name)
        result = unseen_values(codes, values, train, {s: data.rows(s) for s in held})
        results.append({"column": name, **result})
        worst = max(result["splits"].items(), key=lambda kv: kv[1]["share"], default=None)
        if worst and worst[1]["share"] >= UNSEEN_SHARE:
            split, r = worst
            found.append(Finding(
                "warning", "split_values",
                f"'{name}': {100 * r['share']:.1f}% of {split} rows hold values never seen in train "
                f"({', '.join(map(repr, r['values'][:SHOWN]))})",
                "the model treats them as unknown; check whether the column means the same thing in both, "
                "or add training data with those values", [name], data={"split": split, **r}))
    return {"columns": results}, found


def unseen_values(codes: np.ndarray, uniques: pd.Index, train: np.ndarray,
                  held: dict[str, np.ndarray]) -> dict[str, Any]:
    """`codes`: category codes, -1 for missing (a value of its own, always 'seen')."""
    in_train = np.zeros(len(uniques) + 1, dtype=bool)
    in_train[codes[train]] = True
    in_train[-1] = True
    in_held = np.zeros(len(uniques) + 1, dtype=bool)
    splits = {}
    for split, rows in held.items():
        c = codes[rows]
        in_held[c] = True
        unseen = ~in_train[c]
        counts = pd.Series(c[unseen]).value_counts()
        splits[split] = {"rows": int(unseen.sum()), "share": float(unseen.mean()) if len(c) else 0.0,
                         "values": [str(uniques[i]) for i in counts.index[:SHOWN]]}
    only_train = in_train[:-1] & ~in_held[:-1]
    return {"splits": splits, "train_only_values": int(only_train.sum()), "values": int(len(uniques))}
