"""Where improvement can come from (the seeds' ceiling analysis): for each slice, tag or class, its share
of the data and of the errors, its error, and the most the overall error could fall if it reached human
level:  share x (slice error - human-level error),  computed on the per-example errors that add up to the
overall error (for RMSE, on squared errors, then back to RMSE). Without a human level in the same units
the bound is the slice reaching no errors at all."""
from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class CeilingRow:
    kind: str  # slice | weak slice | tag | class
    name: str  # "camera = old"
    share: float | None  # of the examples (unknown for tags on a sample)
    share_of_errors: float
    error: float | None
    human: float | None
    max_fall: float

    def to_dict(self) -> dict:
        return asdict(self)


def ceiling_table(examples, slices=(), weak=None, tags=None, classes=None,
                  human: float | None = None) -> list[CeilingRow]:
    m, overall = examples.measure, examples.mean_error
    h = human if m.human_comparable else None
    total = float(examples.error.sum())

    def row(kind: str, name: str, share: float, mean: float) -> CeilingRow:
        share_of_errors = share * mean * len(examples) / total if total > 0 else 0.0
        return CeilingRow(kind, name, share, share_of_errors, float(m.error(mean)), h,
                          float(m.fall(overall, share, mean, h)))

    rows = [row("slice", f"{r.column} = {r.value}", r.share, r.mean) for t in slices for r in t.rows]
    if weak is not None:
        named = {r.name for r in rows}  # a weak slice that is a named slice already has its row
        rows += [row("weak slice", w.rule, w.share, w.mean) for w in weak.slices if w.rule not in named]
    if classes is not None and examples.task in ("binary", "multiclass"):
        n = max(len(examples), 1)
        rows += [row("class", f"true class {c.name}", c.support / n, 1.0 - c.recall) for c in classes.rows if c.support]
    if tags is not None and not tags.covers_split:
        rows += [CeilingRow("tag", t.tag, None, t.share_of_errors, t.error_rate, None, t.max_fall) for t in tags.rows]
    rows.sort(key=lambda r: -r.max_fall)
    return rows
