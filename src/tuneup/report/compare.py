"""`tuneup.compare(runs)`: runs side by side, as plain data: what their configs change, their ladders and
gaps, their metrics per split, their per-epoch curves, and whether each is better than the first on the
same dev examples (a paired bootstrap: `tuneup.error_difference`). Rendered by compare_render.py."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tuneup.diagnose.bootstrap import error_difference
from tuneup.diagnose.ladder import gaps
from tuneup.exceptions import UserError
from tuneup.runs import Run, _flatten

SPLITS = ("train", "train_dev", "dev", "test")
NOT_COMPARED = ("name", "runs_dir")  # differ by design
PAIRED_ON = ("dev", "train_dev", "train")  # never test: choosing by it makes it a second dev set


@dataclass
class Comparison:
    split: str  # where runs are compared pairwise (dev)
    runs: list[dict[str, Any]]  # one per run: name, path, task, metric, training facts
    differences: dict[str, list[Any]]  # config key -> its value in each run (only keys that differ)
    ladders: dict[str, dict[str, float | None]]  # run -> rung -> error
    gaps: dict[str, dict[str, float | None]]  # run -> gap -> value (ladder arithmetic)
    splits: dict[str, dict[str, dict | None]]  # run -> split -> n, loss, metric, error
    histories: dict[str, dict[str, list]]  # run -> "epoch", "<split>_loss", "<split>_metric", "<split>_error"
    paired: list[dict[str, Any]] = field(default_factory=list)  # each later run against the first on `split`
    notes: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [r["name"] for r in self.runs]

    @property
    def error_in_units(self) -> bool:
        return any(r["error_in_units"] for r in self.runs)

    @property
    def comparable(self) -> bool:
        """The same task and metric: errors on one scale."""
        return len({(r["task"], r["metric"]) for r in self.runs}) == 1

    @property
    def best(self) -> str | None:
        """The run with the lowest error on `split` (not a claim that it is better beyond the noise)."""
        scored = [(e, n) for n, lad in self.ladders.items() if (e := lad.get(self.split)) is not None]
        return min(scored)[1] if scored and self.comparable else None

    def to_dict(self) -> dict[str, Any]:
        return {"split": self.split, "runs": self.runs, "best": self.best, "comparable": self.comparable,
                "differences": self.differences, "ladders": self.ladders, "gaps": self.gaps, "splits": self.splits,
                "paired": self.paired, "histories": self.histories, "notes": self.notes}

    def __rich__(self):
        from tuneup.report.compare_render import comparison_view

        return comparison_view(self)

    def _repr_html_(self) -> str:
        from tuneup.report.compare_render import comparison_fragment

        return comparison_fragment(self)


def compare(runs: list, split: str = "dev", resamples: int = 1000, seed: int = 0) -> Comparison:
    """Compare two or more finished runs (Run objects, folders or names)."""
    if len(runs) < 2:
        raise UserError(f"compare needs two runs or more (got {len(runs)}); e.g. tuneup compare churn-001 churn-002")
    if split not in PAIRED_ON:
        raise UserError(f"--split {split}: runs are compared on one of {', '.join(PAIRED_ON)}; test is looked at once, "
                        "at the end (tuneup run --final), never to choose between runs")
    opened = [Run.open(r) for r in runs]
    labels = _labels(opened)
    summaries = [r.summary for r in opened]  # an unfinished run raises here, saying how to finish it
    configs = [_flatten(r.config.to_dict()) for r in opened]
    c = Comparison(
        split=split,
        runs=[_facts(lab, r, s) for lab, r, s in zip(labels, opened, summaries)],
        differences=differences(configs),
        ladders={lab: s["ladder"] for lab, s in zip(labels, summaries)},
        gaps={lab: gaps(s["ladder"]) for lab, s in zip(labels, summaries)},
        splits={lab: {sp: s["splits"].get(sp) for sp in SPLITS if sp in s["splits"]} for lab, s in zip(labels, summaries)},
        histories={lab: history_columns(r.history) for lab, r in zip(labels, opened)},
    )
    if not c.comparable:
        kinds = ", ".join(sorted({f"{r['task']} / {r['metric']}" for r in c.runs}))
        c.notes.append(f"the runs measure different things ({kinds}): their errors are not on one scale, "
                       "so no run is called best and none is tested against another")
    else:
        c.paired, more = _paired(opened, labels, split, resamples, seed)
        c.notes += more
    if not c.differences:
        c.notes.append("the configs are the same: any difference is the noise of training and of the data")
    return c


def _labels(runs: list[Run]) -> list[str]:
    """Run names, made unique when two folders share a name."""
    seen: dict[str, int] = {}
    out = []
    for r in runs:
        seen[r.name] = seen.get(r.name, 0) + 1
        out.append(r.name if seen[r.name] == 1 else f"{r.name} ({seen[r.name]})")
    return out


def _facts(label: str, run: Run, s: dict) -> dict[str, Any]:
    t = s["training"]
    return {"name": label, "path": str(run.path), "task": s["task"], "metric": s["metric"], "error_of": s["error_of"],
            "error_in_units": s["error_in_units"], "created": s.get("created"), "model": t["model"],
            "parameters": t["parameters"], "epochs_run": t["epochs_run"], "best_epoch": t["best_epoch"],
            "stopped_early": t["stopped_early"], "train_s": s["timing"].get("train_s"), "final": s.get("final")}


def differences(configs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Dotted config keys whose value is not the same in every run (a key one run lacks counts as None)."""
    keys = sorted(set().union(*configs) - set(NOT_COMPARED))
    return {k: [c.get(k) for c in configs] for k in keys if any(c.get(k) != configs[0].get(k) for c in configs[1:])}


def history_columns(history: list[dict]) -> dict[str, list]:
    """history.jsonl as columns: epoch, and loss / metric / error per split (None where a split is absent)."""
    out: dict[str, list] = {"epoch": [r["epoch"] for r in history]}
    for split in ("train", "train_dev", "dev"):
        if not any(isinstance(r.get(split), dict) for r in history):
            continue
        for key in ("loss", "metric", "error"):
            out[f"{split}_{key}"] = [r[split].get(key) if isinstance(r.get(split), dict) else None for r in history]
    return out


def _paired(runs: list[Run], labels: list[str], split: str, resamples: int, seed: int) -> tuple[list[dict], list[str]]:
    rows, notes = [], []
    for label, run in zip(labels[1:], runs[1:]):
        try:
            d = error_difference(runs[0], run, split, resamples=resamples, seed=seed)
        except UserError as e:
            notes.append(f"{label} against {labels[0]}: {e}")
            continue
        rows.append({"run": label, "against": labels[0], **d.to_dict()})
    if rows:
        notes.append(f"differences are paired on the {split} examples both runs share (a bootstrap of "
                     f"{resamples} resamples): negative is better; 'better' or 'worse' only when the whole interval "
                     "is on one side of zero")
    return rows, notes
