"""What the diagnosis reads besides the kept model's ladder: chance level, the whole training history, and
what the data checks measured before training (check.json)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tuneup import runs as rd
from tuneup.exceptions import UserError
from tuneup.train.loop import LEARNED


@dataclass
class Evidence:
    chance: float | None  # the training error of always answering the same (the majority class, the mean)
    learned: bool  # the kept model closes at least 1 - LEARNED of the way from chance to no error on train
    best_train: dict[str, Any] | None  # the history's epoch with the lowest training error: epoch, errors
    domain_auc: float | None  # the data checks' training-vs-target classifier (two sources)
    measured: list[str]  # the data checks' measured image differences, in words

    def to_dict(self) -> dict:
        return asdict(self)


def gather(run, summary: dict, ladder: dict) -> Evidence:
    chance = chance_level(summary)
    train = ladder.get("train")
    learned = chance is None or train is None or train <= LEARNED * chance
    auc, measured = _checks(run)
    return Evidence(chance, learned, _best_train(run.history), auc, measured)


def chance_level(summary: dict) -> float | None:
    """The run's own figure, else the majority baseline's training error."""
    chance = summary.get("training", {}).get("chance_error")
    if chance is None:
        majority = summary.get("baselines", {}).get("majority", {}).get("splits", {}).get("train", {})
        chance = majority.get("error")
    return chance


def _best_train(history: list[dict]) -> dict[str, Any] | None:
    rows = [r for r in history if isinstance(r.get("train"), dict)]
    if not rows:
        return None
    best = min(rows, key=lambda r: r["train"]["error"])
    return {"epoch": best["epoch"], **{s: best[s]["error"] for s in ("train", "train_dev", "dev") if s in best}}


def _checks(run) -> tuple[float | None, list[str]]:
    """The domain classifier's AUC and the measured image differences from the run's check.json."""
    from tuneup._io import read_json

    path = run.path / rd.CHECK
    if not path.exists():
        return None, []
    try:
        found = read_json(path)
    except (UserError, ValueError, OSError):  # a damaged check file: the report says so on its own
        return None, []
    pair = _at(found, "sections", "shift", "train_vs_target")
    auc = _at(pair, "domain_classifier").get("auc")
    reasons = _at(pair, "images").get("reasons")
    return (auc if isinstance(auc, (int, float)) else None), [str(r) for r in reasons or [] if isinstance(reasons, list)]


def _at(d: Any, *keys: str) -> dict:
    """d[k1][k2]..., or {} where any step is missing or not a mapping (check.json is read, not trusted)."""
    for k in keys:
        d = d.get(k) if isinstance(d, dict) else None
    return d if isinstance(d, dict) else {}
