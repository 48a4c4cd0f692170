"""`tuneup.improve`: the loop on a variance-dominated task (the digits with 30% of the labels replaced at
random and a large unregularised MLP that memorises them): what it keeps and why, what it never looks at,
--final, budgets, reuse."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tuneup
from tuneup import runs as rd
from tuneup.improve import budget as budget_mod
from tuneup.improve import training
from tuneup.improve.loop import find_finished

VARIANCE = {"name": "digits", "data": {"train": {"path": "noisy.csv", "target": "label", "id": "id"},
                                       "split": {"dev": 0.5, "test": 0.1}},
            "model": {"hidden": [256, 256]}, "baselines": [],
            "train": {"epochs": 40, "batch_size": 32, "early_stopping": False, "checkpoint": False}}
REGULARISERS = {"train.weight_decay", "model.dropout", "train.early_stopping", "train.augment"}


def digits_frame(noise: float = 0.0) -> pd.DataFrame:
    """The digits as a table with ids; `noise`: the share of labels replaced by random ones (in every split)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rng = np.random.default_rng(0)
    y = digits.target.copy()
    flip = rng.random(len(y)) < noise
    y[flip] = rng.integers(0, 10, flip.sum())
    frame = pd.DataFrame(digits.data, columns=[f"p{i}" for i in range(64)])
    frame.insert(0, "id", [f"d{i}" for i in range(len(frame))])
    frame["label"] = y
    return frame


@pytest.fixture(autouse=True)
def noisy_digits():
    digits_frame(noise=0.3).to_csv("noisy.csv", index=False)


def run_dirs(root="tuneup-runs") -> list[str]:
    return sorted(p.parent.name for p in Path(root).glob(f"*/{rd.CONFIG}"))


@pytest.mark.slow
def test_on_a_variance_scenario_it_keeps_a_regularisation_remedy_and_explains_every_step():
    result = tuneup.improve(VARIANCE, budget=4, progress=False)
    first = result.steps[0]
    assert first.verdict == "variance" and first.gap == "variance" and first.gap_interval.low > 0.03
    assert [t.gap for t in first.tried] == ["variance"] * 4  # the dominant gap's remedies
    kept = [t for t in result.tried if t.outcome == "kept"]
    assert kept and set(kept[0].set) <= REGULARISERS, kept[0].set
    assert result.best == kept[-1].run and result.best_dev.value < result.start_dev.value
    for t in result.tried:  # every candidate says where it came from and why it was (not) kept
        assert t.action and t.strength and t.set and t.dev is not None and t.difference is not None
        assert t.why.startswith(("beats", "within the noise", "worse"))
        provenance = json.loads((tuneup.Run.open(t.run).path / rd.CANDIDATE).read_text())
        assert provenance["remedy"]["action"] == t.action and provenance["session"] == result.session
    assert "beats the incumbent by" in kept[0].why and kept[0].difference.beats
    assert result.improvement.beats and result.relative_improvement > 0
    saved = json.loads((Path("tuneup-runs") / result.session / rd.IMPROVE).read_text())
    assert saved["finished"] and saved["best"]["run"] == result.best and saved["trainings"] == 4
    assert saved["steps"][0]["tried"][0]["remedy"]["gap"] == "variance"
    assert saved["diagnosis"]["run"] == result.best and saved["final"] is None
    html = result._repr_html_()
    assert "kept" in html and "gap before" in html and result.best.removeprefix(f"{result.session}-") in html


def poisoned_copy(src, dst, test_ids) -> None:
    """The same table with the test rows' labels shuffled among themselves."""
    df = pd.read_csv(src)
    rows = df["id"].astype(str).isin(test_ids).to_numpy()
    df.loc[rows, "label"] = np.random.default_rng(1).permutation(df.loc[rows, "label"].to_numpy())
    assert (df["label"] != pd.read_csv(src)["label"]).sum() > 20
    df.to_csv(dst, index=False)


@pytest.mark.slow
def test_it_never_looks_at_test_while_choosing(tmp_path, monkeypatch):
    """Two ways: (1) no test prediction, test ledger or test rung is read or written before --final's
    retrain; (2) shuffling the test labels changes nothing the loop chose or measured."""
    digits_frame().to_csv("clean.csv", index=False)
    raw = json.loads(json.dumps(VARIANCE))
    raw["data"] = {"train": {"path": "clean.csv", "target": "label", "id": "id"},
                   "split": {"dev": 0.8, "test": 0.1, "stratify": False}}  # splits do not depend on labels
    raw["train"]["epochs"] = 20

    looked: list[tuple[str, str]] = []
    from tuneup.pipeline import folder

    real_predictions, real_write = rd.Run.predictions, folder.write_predictions
    real_ledger = rd.record_test_use
    monkeypatch.setattr(rd.Run, "predictions",
                        lambda self, split="dev": looked.append(("read", split, self.name)) or real_predictions(self, split))
    monkeypatch.setattr(folder, "write_predictions",
                        lambda path, *a: looked.append(("write", path.stem, path.parent.parent.name)) or real_write(path, *a))
    monkeypatch.setattr(rd, "record_test_use", lambda root, run, *a: looked.append(("ledger", "test", run))
                        or real_ledger(root, run, *a))

    clean = tuneup.improve(raw, budget=2, final=True, progress=False)
    tests = [x for x in looked if x[1] == "test"]
    assert tests and all(name.endswith("-final") for _, _, name in tests), tests  # only the retrain, at the end
    assert ("ledger", "test", clean.final.run) in tests and not any(x[0] == "read" and x[2] != clean.final.run
                                                                    for x in tests)
    assert all(s.verdict != "dev_overfit" for s in clean.steps)

    test_ids = set(tuneup.Run.open(clean.start).splits.frame().query("split == 'test'")["id"])
    poisoned_copy("clean.csv", "poisoned.csv", test_ids)
    raw["data"]["train"]["path"] = "poisoned.csv"
    raw["runs_dir"] = "poisoned-runs"
    dirty = tuneup.improve(raw, budget=2, progress=False)
    assert [(t.action, t.strength, t.outcome) for t in dirty.tried] == [(t.action, t.strength, t.outcome)
                                                                       for t in clean.tried]
    assert [t.dev.value for t in dirty.tried] == pytest.approx([t.dev.value for t in clean.tried], abs=1e-12)
    assert dirty.start_dev.value == pytest.approx(clean.start_dev.value, abs=1e-12)


@pytest.mark.slow
def test_final_retrains_the_chosen_config_on_train_and_dev_and_records_one_ledger_entry():
    result = tuneup.improve(VARIANCE, budget=1, final=True, progress=False)
    chosen, final = tuneup.Run.open(result.best), tuneup.Run.open(result.final.run)
    assert result.final.chosen == result.best
    sizes, chosen_sizes = final.summary["data"]["split_sizes"], chosen.summary["data"]["split_sizes"]
    assert "dev" not in sizes and sizes["train"] == chosen_sizes["train"] + chosen_sizes["dev"]
    assert sizes["test"] == chosen_sizes["test"]
    assert final.summary["trained_on"] == "train+dev" and final.config.train.early_stopping is None
    assert final.summary["training"]["epochs_run"] == chosen.summary["training"]["best_epoch"]
    assert final.summary["final"] and final.summary["splits"]["test"]["error"] == pytest.approx(result.final.test.value)
    ledger = rd.test_uses("tuneup-runs")
    assert len(ledger) == 1 and ledger[0]["run"] == final.name and ledger[0]["purpose"] == "improve --final"
    assert result.final.test_uses == 1
    for name in run_dirs():  # nothing but the retrain was evaluated on test
        has_test = (Path("tuneup-runs") / name / rd.PREDICTIONS / "test.parquet").exists()
        assert has_test == (name == final.name), name


@pytest.mark.slow
def test_a_duration_budget_stops_starting_candidates_once_the_time_is_up(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(budget_mod, "now", lambda: now[0])
    monkeypatch.setattr(training, "ensemble_groups", lambda cands: [[i] for i in range(len(cands))])
    real = training.CandidateTrainer._alone

    def slow(self, *args):
        now[0] += 100.0  # every candidate takes 100 s on this clock
        return real(self, *args)

    monkeypatch.setattr(training.CandidateTrainer, "_alone", slow)
    raw = json.loads(json.dumps(VARIANCE))
    raw["train"]["epochs"] = 3
    result = tuneup.improve(raw, budget="250s", progress=False)
    assert len(result.tried) == 3  # started at 0, 100 and 200 s; not at 300
    assert result.stopped.startswith("budget spent: 250s of wall time") and result.budget["seconds"] == 250


@pytest.mark.slow
def test_a_finished_run_of_the_same_config_is_reused_and_candidates_are_ordinary_runs():
    raw = json.loads(json.dumps(VARIANCE))
    raw["train"]["epochs"] = 3
    first = tuneup.improve(raw, budget=1, progress=False)
    assert not first.start_reused and first.start == f"{first.session}-start"
    assert find_finished(tuneup.Run.open(first.start).config).name == first.start
    second = tuneup.improve(raw, budget=1, progress=False)
    assert second.start_reused and second.start == first.start
    assert second.session.endswith("-002") and f"{second.session}-start" not in run_dirs()
    assert tuneup.diagnose(second.tried[0].run, measure=False).run == second.tried[0].run
