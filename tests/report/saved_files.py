"""What other steps leave in a runs folder, in the shapes their writers use, with values the tests look
for on the page: a sweep's `<study>.sweep.json` made by tuneup.sweep's own `SweepResult`, and an improve
session's `improve.json` following `ImproveResult.to_dict` (tuneup.improve, issue 7a). The run's
`check.json` is the real one `tuneup run` wrote."""
from __future__ import annotations

from pathlib import Path

from tuneup._io import write_json
from tuneup.sweep.result import SweepResult, TrialRow


def sweep_document(runs_root: Path, best_run: str, other_run: str) -> dict:
    trials = [
        TrialRow(0, "complete", {"train.lr": 0.01, "model.dropout": 0.1}, 0.25, 15, str(runs_root / other_run)),
        TrialRow(1, "pruned", {"train.lr": 0.3, "model.dropout": 0.4}, 0.41, 3, None, "pruned after epoch 3"),
        TrialRow(2, "complete", {"train.lr": 0.002, "model.dropout": 0.0}, 0.2, 15, str(runs_root / best_run)),
    ]
    return SweepResult("churn-sweep", "sqlite:///x.db", "optuna", "accuracy", "1 - accuracy", False, 3,
                       {"complete": 2, "pruned": 1}, trials[2], trials, {"train.lr": 0.8, "model.dropout": 0.2},
                       None, {}, str(runs_root)).to_dict()


def interval(value: float, low: float, high: float) -> dict:
    return {"value": value, "low": low, "high": high, "std": (high - low) / 4, "confidence": 0.95,
            "method": "bootstrap", "n": 160}


def tried(run: str, action: str, change: dict, dev: float, diff: float, outcome: str) -> dict:
    return {"run": run, "remedy": {"gap": "avoidable_bias", "action": action, "why": "the model underfits"},
            "strength": "medium", "recommended": True, "set": change, "resplit": False, "ensemble": 1,
            "seconds": 3.0, "dev": interval(dev, dev - 0.03, dev + 0.03),
            "difference": {"split": "dev", "incumbent": 0.25, "candidate": dev,
                           "difference": interval(diff, diff - 0.02, diff + 0.02), "beats": diff + 0.02 < 0,
                           "worse": diff - 0.02 > 0, "n_common": 160, "n_incumbent": 160, "n_candidate": 160},
            "n_common": 160, "outcome": outcome, "kept": outcome == "kept", "why": f"{outcome} on dev"}


def improve_document(best_run: str) -> dict:
    step = {"step": 1, "incumbent": "churn-001", "verdict": "avoidable_bias", "gap": "avoidable_bias",
            "gap_before": interval(0.1, 0.07, 0.13), "dev_before": interval(0.25, 0.22, 0.28),
            "tried": [tried(best_run, "train longer", {"train.epochs": 30}, 0.2, -0.05, "kept"),
                      tried("churn-improve-001-c02", "wider network", {"model.width": 64}, 0.24, -0.01,
                            "within noise")],
            "kept": best_run, "skipped": []}
    return {"session": "churn-improve-001", "path": "improve.json", "name": "churn", "metric": "accuracy",
            "error_of": "1 - accuracy", "error_in_units": False, "finished": True,
            "start": {"run": "churn-001", "reused": True, "dev": interval(0.25, 0.22, 0.28)},
            "best": {"run": best_run, "dev": interval(0.2, 0.17, 0.23), "changes": {"train.epochs": 30}},
            "improvement": None, "relative_improvement": 0.2, "steps": [step],
            "stopped": "the budget of 2 trainings is spent", "budget": {"trainings": 2}, "trainings": 2,
            "seconds": 6.0, "diagnosis": {"ladder": {"human": None, "train": 0.19, "train_dev": None, "dev": 0.2,
                                                     "test": None}, "sentence": "avoidable bias dominates"},
            "final": None, "notes": []}


def write_saved(run_path: Path, runs_root: Path) -> None:
    """An improve session whose best run is this one, and a sweep naming it, in the runs folder."""
    write_json(runs_root / "churn-improve-001" / "improve.json", improve_document(run_path.name))
    write_json(runs_root / "churn-sweep.sweep.json", sweep_document(runs_root, run_path.name, "churn-other"))
