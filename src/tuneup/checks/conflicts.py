"""Conflicting labels: examples with identical features (or pixels) but different labels. No model can get
all of them right; either the labels are wrong or the features miss what decides the label."""
from __future__ import annotations

from typing import Any

import pandas as pd

from tuneup.checks.context import CheckData
from tuneup.checks.result import Finding
from tuneup.exceptions import shown

SHOWN = 10  # groups listed in the report


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if data.task == "regression":
        return {"skipped": "regression: equal features with different numbers are ordinary noise"}, []
    frame = pd.DataFrame({"key": data.exact_hashes, "label": data.label_text})
    repeated = frame[frame["key"].duplicated(keep=False)]
    labels_per_key = repeated.groupby("key")["label"].nunique()
    clashing = labels_per_key.index[labels_per_key > 1]
    rows = repeated[repeated["key"].isin(clashing)]
    groups = []
    ids, split = data.dataset.ids, data.splits.split
    for _, members in list(rows.groupby("key", sort=False))[:SHOWN]:
        idx = members.index.to_numpy()
        groups.append({"examples": [{"id": str(ids[i]), "split": str(split[i]), "label": str(data.label_text[i])}
                                    for i in idx[:10]],
                       "labels": members["label"].value_counts().to_dict(), "size": int(len(idx))})
    section = {"groups": int(len(clashing)), "rows": int(len(rows)), "share": float(len(rows) / max(len(frame), 1)),
               "examples": groups}
    if not len(clashing):
        return section, []
    first = groups[0]["examples"]
    example = ", ".join(f"'{e['id']}' = {shown(e['label'])}" for e in first[:3])
    found = Finding(
        "warning", "conflicting_labels",
        f"{len(rows)} examples in {len(clashing)} groups have identical "
        f"{'pixels' if data.kind == 'image' else 'features'} but different labels (e.g. {example})",
        "check those labels; if they are right, the features miss what decides the label",
        data={"groups": int(len(clashing)), "rows": int(len(rows))})
    return section, [found]

