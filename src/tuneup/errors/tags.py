"""Tags a person gave to examples (`blurry`, `dark`, `mislabeled`): the seeds' manual error analysis.

A tag file is a CSV, Parquet or JSON table with an `id` column and either a `tags` column (several tags
joined by `;`, `|` or `,`) or a `tag` column (one tag per row, ids may repeat); a JSON file may also be a
mapping {id: [tags]}. Usually it holds a sample of misclassified examples (`tuneup errors --sample`):
then each tag's share of the tagged errors estimates its share of all errors, and fixing every error
with the tag lowers the error by at most that share of it. When the file tags every example of the
split, the tags become slices like any column (share of data, error rate, human level).
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tuneup import intervals
from tuneup.exceptions import DataError, listing

SEPARATORS = r"[;|,]"


@dataclass
class TagRow:
    tag: str
    n: int  # tagged examples with this tag
    errors: int  # ... of them misclassified (for regression: among the worst quarter of errors)
    share_of_errors: float  # of the tagged errors' summed per-example error
    share_ci: tuple[float, float] | None  # classification: a Wilson interval (the tagged errors are a sample)
    error_rate: float | None  # among tagged examples with this tag (when the file tags correct ones too)
    max_fall: float  # the overall error's fall if every error with this tag were fixed


@dataclass
class TagTable:
    path: str
    reviewed: int  # ids in the file
    reviewed_errors: int
    covers_split: bool  # every example of the split is in the file
    rows: list[TagRow]

    def to_dict(self) -> dict:
        return asdict(self)


def read_tags(path: str | Path, examples, split: str = "dev") -> pd.DataFrame:
    """The tag file as (id, tag) rows; every id must be an example of the analysed split."""
    path = Path(path)
    frame = _read(path)
    if "id" not in frame.columns:
        raise DataError(f"{path}: a tag file needs an 'id' column and a 'tags' (or 'tag') column; "
                        f"it has {listing(frame.columns)}")
    column = "tags" if "tags" in frame.columns else "tag" if "tag" in frame.columns else None
    if column is None:
        raise DataError(f"{path}: no 'tags' or 'tag' column (columns: {listing(frame.columns)}); "
                        "add one naming each example's tags")
    ids = frame["id"].astype(str).str.strip()
    unknown = sorted(set(ids) - set(examples.ids))
    if unknown:
        raise DataError(
            f"{path}: {len(unknown)} ids are not {split} examples of this run ({listing(unknown, 5)}); "
            f"tag only examples of --split {split} (e.g. from `tuneup errors RUN --sample N`)"
        )
    text = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
    long = pd.DataFrame({"id": ids, "tag": text.map(lambda s: [t.strip() for t in re.split(SEPARATORS, s)])})
    long = long.explode("tag")
    long["tag"] = long["tag"].fillna("")
    return long.drop_duplicates().reset_index(drop=True)


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: no such tag file; write one with columns id,tags (see `tuneup errors --sample`)")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return pd.DataFrame({"id": list(data), "tags": [";".join(v) if isinstance(v, list) else str(v)
                                                                  for v in data.values()]})
            return pd.DataFrame(data)
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        why = str(e).splitlines()[0][:120]
        raise DataError(f"{path}: cannot read the tag file ({why}); use CSV with columns id,tags") from None


def tag_table(examples, tags: pd.DataFrame, path: str = "") -> TagTable:
    """Each tag's share of the tagged errors and the most the error could fall by fixing them."""
    position = pd.Index(examples.ids).get_indexer(tags["id"])
    reviewed = np.unique(position)
    is_error = error_mask(examples)
    e = examples.error
    total = float(e[reviewed].sum())
    reviewed_errors = int(is_error[reviewed].sum())
    overall = examples.mean_error
    rows = []
    for tag, group in tags.assign(pos=position).groupby("tag", sort=True):
        if tag == "":
            continue  # reviewed, nothing to say
        pos = np.unique(group["pos"].to_numpy())
        errors = int(is_error[pos].sum())
        share = float(e[pos].sum() / total) if total > 0 else 0.0
        ci = None
        if examples.measure.binary:
            lo, hi = intervals.wilson(errors, reviewed_errors)
            ci = (float(lo), float(hi))
        has_correct = len(pos) > errors
        rows.append(TagRow(
            tag=str(tag), n=len(pos), errors=errors, share_of_errors=share, share_ci=ci,
            error_rate=float(is_error[pos].mean()) if has_correct else None,
            max_fall=float(examples.measure.fall(overall, 1.0, share * overall, None)),
        ))
    rows.sort(key=lambda r: -r.max_fall)
    return TagTable(str(path), len(reviewed), reviewed_errors, len(reviewed) == len(examples), rows)


def tag_columns(examples, tags: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per tag (`tag:blurry`), for slicing when the file tags the whole split."""
    position = pd.Index(examples.ids).get_indexer(tags["id"])
    out = {}
    for tag, group in tags.assign(pos=position).groupby("tag", sort=True):
        if tag:
            column = np.zeros(len(examples), dtype=bool)
            column[group["pos"].to_numpy()] = True
            out[f"tag:{tag}"] = column
    return pd.DataFrame(out)


def error_mask(examples) -> np.ndarray:
    """Which examples count as errors: misclassified ones; for regression, the worst quarter."""
    if examples.measure.binary:
        return examples.error > 0
    return examples.error >= np.quantile(examples.error, 0.75)
