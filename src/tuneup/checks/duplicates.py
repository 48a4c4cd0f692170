"""The same example twice: within the data (over-weighted, wasted), and — an error — in training and in
dev/test, where a copy turns the held-out score into a memory test. Exact and near copies (see
`hashing`). When the features can take so few combinations that identical rows are expected by chance (a few
categories, small counts), identical rows in train and dev/test are reported as a warning instead."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks import hashing
from tuneup.checks.context import FITTED, HOLDOUT, CheckData
from tuneup.checks.result import Finding
from tuneup.exceptions import counted

SHOWN = 20  # example pairs kept in the report


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    keys = Keys(data)
    train, fitted, holdout = data.rows("train"), data.rows(*FITTED), data.rows(*HOLDOUT)
    within_train = twin_share(keys.exact[train])
    coarse = data.kind == "table" and coarse_features(data, len(train))
    comparisons = {
        "train_vs_holdout": (fitted, holdout, "error" if not coarse else "warning"),
        "train_vs_train_dev": (train, data.rows("train_dev"), "warning"),
        "dev_vs_test": (data.rows("dev"), data.rows("test"), "warning"),
    }
    section: dict[str, Any] = {"within": within(data, keys), "within_train_share": within_train, "coarse": coarse,
                               "compared_on": "pixels" if data.kind == "image" else data.compared}
    found = within_findings(data, section["within"])
    for name, (a, b, severity) in comparisons.items():
        if len(a) and len(b):
            result = across(data, keys, a, b)
            section[name] = result
            if result["exact"] or result["near"]:
                found.append(across_finding(name, result, severity, coarse, within_train))
    return section, found


class Keys:
    """Exact hashes for every example; near-duplicate keys (tables) or dHashes (images)."""

    def __init__(self, data: CheckData):
        self.data = data
        self.exact = data.exact_hashes
        if data.kind == "image":
            self.dhash = hashing.difference_hashes(data.dataset.images)
        else:
            self.near = data.near_hashes

    def near_matches(self, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        """(k, 2) pairs (row in a, row in b) that are near copies (exact ones included)."""
        if self.data.kind == "image":
            return hashing.near_pairs(self.dhash, self.data.dataset.images, a, b)
        if b is None:
            return same_key_pairs(self.near, a)
        return first_match(self.near, a, b)


def first_match(keys: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k, 2): each row of b whose key some row of a shares, with the first such row of a."""
    first = pd.Series(a, index=keys[a])
    first = first[~first.index.duplicated()]
    pos = first.index.get_indexer(keys[b])
    hit = pos >= 0
    return np.stack([first.to_numpy()[pos[hit]], b[hit]], axis=1)


def same_key_pairs(keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(k, 2): every repeated row with the first row that has its key."""
    s = pd.Series(rows, index=keys[rows])
    first = s[~s.index.duplicated()]
    repeats = s[s.index.duplicated()]
    return np.stack([first.loc[repeats.index].to_numpy(), repeats.to_numpy()], axis=1)


def coarse_features(data: CheckData, n: int) -> bool:
    """Whether two different examples are expected to share every feature by chance: the features allow
    fewer than n**2 combinations (the birthday bound), counting distinct values column by column and
    stopping once the product passes it (continuous numbers pass it at once)."""
    bound, combos = 2 * np.log(max(n, 2)), 0.0
    ordered = sorted(data.compared, key=lambda c: data.types[c] != "categorical")  # counted ones first
    for name in ordered:
        if data.types[name] == "categorical":
            codes, _, counts = data.factorized(name)
            distinct = len(counts) + bool((codes < 0).any())
        else:
            distinct = pd.Series(data.column_values(name)).nunique(dropna=False)
        combos += np.log(max(distinct, 1))
        if combos >= bound:
            return False
    return True


def twin_share(keys: np.ndarray) -> float:
    """Share of rows whose key occurs more than once."""
    if len(keys) == 0:
        return 0.0
    return float(pd.Series(keys).duplicated(keep=False).mean())


def within(data: CheckData, keys: Keys) -> dict[str, Any]:
    everything = np.arange(len(data.dataset))
    exact_pairs = same_key_pairs(keys.exact, everything)
    near = keys.near_matches(everything)
    near = near[keys.exact[near[:, 0]] != keys.exact[near[:, 1]]]  # exact copies are counted above
    repeated = pd.Series(keys.exact).duplicated(keep=False).to_numpy()
    return {
        "rows": len(everything),
        "exact_copies": int(len(exact_pairs)),  # examples that repeat an earlier one
        "exact_groups": int(pd.unique(keys.exact[repeated]).size),
        "near_pairs": int(len(near)),
        "examples": pair_rows(data, exact_pairs[:SHOWN], "exact") + pair_rows(data, near[:SHOWN], "near"),
    }


def across(data: CheckData, keys: Keys, a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    exact = first_match(keys.exact, a, b)
    near = keys.near_matches(a, b)
    near = near[~np.isin(near[:, 1], exact[:, 1])]
    near = near[np.unique(near[:, 1], return_index=True)[1]]  # one twin per held-out example
    per_split = pd.Series(data.splits.split[np.r_[exact[:, 1], near[:, 1]]]).value_counts()
    return {
        "rows": int(len(b)), "exact": int(len(exact)), "near": int(len(near)),
        "share": float((len(exact) + len(near)) / max(len(b), 1)),
        "by_split": {str(k): int(v) for k, v in per_split.items()},
        "examples": pair_rows(data, exact[:SHOWN], "exact") + pair_rows(data, near[:SHOWN], "near"),
    }


def pair_rows(data: CheckData, pairs: np.ndarray, match: str) -> list[dict[str, Any]]:
    ids, split = data.dataset.ids, data.splits.split
    return [{"id": str(ids[j]), "split": str(split[j]), "twin": str(ids[i]), "twin_split": str(split[i]),
             "match": match} for i, j in pairs.tolist()]


TITLES = {  # (one, several)
    "train_vs_holdout": ("dev/test example is a copy of a training example",
                         "dev/test examples are copies of training examples"),
    "train_vs_train_dev": ("train-dev example is a copy of a train example", "train-dev examples are copies of train examples"),
    "dev_vs_test": ("test example is a copy of a dev example", "test examples are copies of dev examples"),
}
ADVICE = {
    "train_vs_holdout": "remove the copies (or split by a key that keeps copies together): with them, dev and test "
                        "measure memory rather than generalisation",
    "train_vs_train_dev": "remove the copies: they make the variance gap (train-dev - train) look smaller",
    "dev_vs_test": "remove the copies: test is then not independent of the dev set you chose on",
}


def across_finding(name: str, result: dict[str, Any], severity: str, coarse: bool, within_train: float) -> Finding:
    n = result["exact"] + result["near"]
    kinds = ", ".join(p for p in [f"{result['exact']} exact" if result["exact"] else "",
                                  f"{result['near']} near" if result["near"] else ""] if p)
    e = result["examples"][0]
    advice = ADVICE[name]
    if coarse and name == "train_vs_holdout":
        advice = ("the features allow so few combinations that identical rows are expected by chance "
                  f"({100 * within_train:.0f}% of train rows have a twin in train); " + advice)
    return Finding(
        severity, "duplicates",
        f"{n} {TITLES[name][n != 1]} ({kinds}; {100 * result['share']:.1f}% of them; e.g. '{e['id']}' ({e['split']}) = "
        f"'{e['twin']}' ({e['twin_split']}))", advice,
        data={"comparison": name, "exact": result["exact"], "near": result["near"]})


def within_findings(data: CheckData, w: dict[str, Any]) -> list[Finding]:
    found = []
    if w["exact_copies"]:
        share = w["exact_copies"] / max(w["rows"], 1)
        found.append(Finding(
            "warning" if share >= 0.01 else "info", "duplicates",
            f"{counted(w['exact_copies'], 'example')} {'repeats' if w['exact_copies'] == 1 else 'repeat'} another "
            f"example exactly ({100 * share:.1f}%)",
            "repeated examples weigh more in training; remove them unless they are truly separate cases",
            data={"copies": w["exact_copies"]}))
    if w["near_pairs"]:
        found.append(Finding(
            "warning" if data.kind == "image" else "info", "duplicates",
            f"{counted(w['near_pairs'], 'pair')} of examples {'is' if w['near_pairs'] == 1 else 'are'} nearly the same",
            "look at the pairs listed in the report; remove copies", data={"pairs": w["near_pairs"]}))
    return found
