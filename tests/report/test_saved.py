"""Sections from what other steps saved: monitor.json (a real one), check.json, improve.json and a sweep's
sweep.json in the shapes their writers use; files that are absent, for another run or unrecognised
leave no section behind."""
from __future__ import annotations

import pytest

import tuneup
from tuneup._io import write_json
from tests.report.conftest import copy_run
from tests.report.pages import rows, sections, text, tooltips
from tests.report.saved_files import write_saved


@pytest.fixture(scope="module")
def saved_page(trained_table_run, tmp_path_factory):
    from tests.watch.watchlogs import table_log
    from tuneup.report.data import load
    from tuneup.report.page import render

    root = tmp_path_factory.mktemp("saved") / "runs"
    run = copy_run(trained_table_run, root)
    write_saved(run.path, root)
    tuneup.monitor(run, table_log(run, root.parent / "log", n=600, drift={"age": 0.8}, drift_from=0.5))
    return render(load(run, quick=True))


def test_check_findings_histograms_classes_shift_duplicates_leakage_and_suspects(saved_page):
    part = sections(saved_page)["check"]
    words = text(part)
    assert "'churn_flag' alone predicts the target almost perfectly" in words and "drop it" in words
    tips = tooltips(part)
    assert "[10, 30): 200" in tips and "1: 200" in tips and "basic: 420" in tips  # bins, values, categories
    assert "no: 530 (66.2%)" in tips and "churn_flag: 0.995" in tips
    table = rows(part)
    assert ["age", "0.41 W/std", "0.0004", "yes"] in table
    assert ["train vs holdout", "320", "12", "2", "4.4%"] in table
    assert ["c00042", "train", "no", "yes", "97.0%"] in table


def test_improve_steps_and_final_ladder(saved_page):
    part = sections(saved_page)["improve"]
    table = rows(part)
    assert ["1", "avoidable_bias", "train longer", "train.epochs=30", "churn-a", "22.0%", "yes"] in table
    assert ["dev", "22.0%"] in table
    assert "kept at 1: 22.0%" in tooltips(part)


def test_sweep_history_best_trial_and_importance(saved_page):
    part = sections(saved_page)["sweep"]
    assert "best: trial 2 with dev error 20.0%" in text(part)
    assert "train.lr: 80%" in tooltips(part) and "complete at 0: 25.0%" in tooltips(part)
    assert [r[0] for r in rows(part)] == ["2", "0", "1"]  # best first


def test_monitor_answers_its_questions(saved_page):
    part = sections(saved_page)["monitor"]
    words = text(part)
    assert "Has the input changed?" in words and "Has the model got worse?" in words
    assert any(r[0] == "age" for r in rows(part))


def test_files_for_other_runs_or_of_unknown_shape_add_nothing(trained_table_run, tmp_path):
    from tuneup.report.data import load
    from tuneup.report.page import render

    root = tmp_path / "runs"
    run = copy_run(trained_table_run, root)
    write_json(run.path / "monitor.json", {"something": 1})
    write_json(run.path / "improve.json", {"steps": "not a list"})
    write_json(root / "other.sweep.json", {"study": "other", "trials": [{"number": 0, "run": "someone-else"}]})
    write_json(run.path / "check.json", {"sections": {"columns": {"columns": [{"column": "x", "type": "numeric"}]}}})
    data = load(run, quick=True)
    part = sections(render(data))
    assert not {"monitor", "improve", "sweep"} & set(part)
    assert "<b>x</b>" in part["check"] and not data.missing  # the part it recognises, nothing else
