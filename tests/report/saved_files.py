"""What other steps leave in a run or runs folder, in the shapes their writers use (check.json:
CheckReport.to_dict, <study>.sweep.json: SweepResult.to_dict, improve.json: a step table), with values
the tests look for on the page."""
from __future__ import annotations

from tuneup._io import write_json


def check_document() -> dict:
    return {
        "overview": {"rows": 800, "kind": "table", "task": "binary"},
        "counts": {"error": 1, "warning": 1, "info": 0},
        "findings": [
            {"severity": "error", "check": "leakage", "title": "'churn_flag' alone predicts the target almost perfectly",
             "advice": "drop it (data.drop: [churn_flag])", "columns": ["churn_flag"], "set": {}, "data": {}},
            {"severity": "warning", "check": "duplicates", "title": "12 dev examples repeat training examples",
             "advice": "", "columns": [], "set": {}, "data": {}},
        ],
        "sections": {
            "columns": {"columns": [
                {"column": "age", "type": "numeric", "rows": 800, "missing": 80, "missing_share": 0.1, "distinct": 720,
                 "histogram": {"edges": [10.0, 30.0, 50.0, 70.0], "counts": [200, 450, 70]}},
                {"column": "plan", "type": "categorical", "rows": 800, "missing": 0, "missing_share": 0.0,
                 "distinct": 2, "top": [{"value": "basic", "count": 420}, {"value": "pro", "count": 380}], "other": 0},
                {"column": "visits", "type": "numeric", "rows": 800, "missing": 0, "missing_share": 0.0, "distinct": 3,
                 "histogram": {"values": [0, 1, 2], "counts": [500, 200, 100]}},
            ]},
            "classes": {"classes": [{"class": "no", "count": 530, "share": 0.6625, "splits": {"train": 318}},
                                    {"class": "yes", "count": 270, "share": 0.3375, "splits": {"train": 162}}],
                        "imbalance_ratio": 1.96, "skewed": False},
            "shift": {"dev_vs_test": {"n_reference": 160, "n_current": 160, "flagged": ["age"],
                                      "features": [{"column": "age", "effect": 0.41, "effect_name": "W/std",
                                                    "p_value": 0.0004, "flagged": True},
                                                   {"column": "plan", "effect": 0.02, "effect_name": "JS",
                                                    "p_value": 0.7, "flagged": False}]}},
            "duplicates": {"within": {"rows": 800, "exact_copies": 3, "exact_groups": 3, "near_pairs": 5},
                           "train_vs_holdout": {"rows": 320, "exact": 12, "near": 2, "share": 0.04375}},
            "leakage": {"scorer": "roc_auc", "features": [{"column": "churn_flag", "score": 0.995},
                                                          {"column": "age", "score": 0.61}]},
            "label_errors": {"suspected": 7, "share": 0.00875, "suspects": [
                {"id": "c00042", "split": "train", "given": "no", "suggested": "yes", "confidence": 0.97}]},
        },
        "timing": {"checks": 1.2},
    }


def sweep_document(best_run: str, other_run: str) -> dict:
    trials = [
        {"number": 0, "state": "complete", "params": {"train.lr": 0.01, "model.dropout": 0.1}, "dev_error": 0.25,
         "epochs": 15, "run": other_run, "note": ""},
        {"number": 1, "state": "pruned", "params": {"train.lr": 0.3, "model.dropout": 0.4}, "dev_error": 0.41,
         "epochs": 3, "run": None, "note": "pruned after epoch 3"},
        {"number": 2, "state": "complete", "params": {"train.lr": 0.002, "model.dropout": 0.0}, "dev_error": 0.2,
         "epochs": 15, "run": best_run, "note": ""},
    ]
    return {"study": "churn-sweep", "storage": "sqlite:///x.db", "backend": "optuna", "metric": "accuracy",
            "error_of": "1 - accuracy", "error_in_units": False, "trials_wanted": 3,
            "counts": {"complete": 2, "pruned": 1}, "best": trials[2], "trials": trials,
            "importance": {"train.lr": 0.8, "model.dropout": 0.2}, "importance_note": None, "space": {},
            "runs_dir": "", "path": None, "notes": []}


def improve_document(final_run: str) -> dict:
    return {"run": final_run, "steps": [
        {"step": 1, "gap": "avoidable_bias", "action": "train longer", "set": {"train.epochs": 30},
         "run": "churn-a", "dev_error": 0.22, "kept": True},
        {"step": 2, "gap": "avoidable_bias", "action": "wider network", "set": {"model.hidden": [64, 32]},
         "run": final_run, "dev_error": 0.2375, "kept": False},
    ], "final_ladder": {"human": None, "train": 0.19, "dev": 0.22}}


def write_saved(run_path, runs_root) -> None:
    """check.json and improve.json in the run folder, a sweep naming it in the runs folder."""
    write_json(run_path / "check.json", check_document())
    write_json(run_path / "improve.json", improve_document(run_path.name))
    write_json(runs_root / "churn-sweep.sweep.json", sweep_document(run_path.name, "churn-other"))
