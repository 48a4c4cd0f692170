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


def test_check_section_shows_the_run_s_own_check_json(saved_page, trained_table_run):
    from tuneup._io import read_json
    from tuneup.report.sections.saved import num

    check = read_json(trained_table_run.path / "check.json")  # what `tuneup run` wrote before training
    part = sections(saved_page)["check"]
    words, tips, table = text(part), tooltips(part), rows(part)
    assert check["findings"] and all(f["title"] in words for f in check["findings"])
    sec = check["sections"]
    assert all(f"{c['class']}: {c['count']} ({100 * c['share']:.1f}%)" in tips for c in sec["classes"]["classes"])
    age = next(c for c in sec["columns"]["columns"] if c["column"] == "age")
    e, k = age["histogram"]["edges"], age["histogram"]["counts"]
    assert f"[{num(e[0])}, {num(e[1])}): {k[0]}" in tips
    # dates are binned as days since 1970: shown as dates (make_table: one a day from 2021-01-01)
    assert any(t.startswith("[2021-01-01, ") for t in tips) and any(", 2023-03-11): " in t for t in tips)
    top = next(c for c in sec["columns"]["columns"] if c["column"] == "city")["top"][0]
    assert f"{top['value']}: {top['count']}" in tips
    income = next(f for f in sec["shift"]["train_vs_dev"]["features"] if f["column"] == "income")
    assert ["income", f"{num(income['effect'])} {income['effect_name']}", num(income["p_value"], 2), "no"] in table
    suspect = sec["label_errors"]["suspects"][0]
    assert [suspect["id"], suspect["split"], suspect["given"], suspect["suggested"],
            f"{100 * suspect['confidence']:.1f}%"] in table


def test_improve_steps_candidates_and_final_ladder(saved_page, trained_table_run):
    part = sections(saved_page)["improve"]
    assert "from churn-001 (dev error 25.0% [22.0%, 28.0%]) to table (dev error 20.0% [17.0%, 23.0%])" in text(part)
    assert "20% fewer errors" in text(part)
    table = rows(part)
    assert ["1", "avoidable bias", "train longer", "medium", "train.epochs=30", "table", "20.0% [17.0%, 23.0%]",
            "-5.0% [-7.0%, -3.0%] (95%)", "kept", "kept on dev"] in table
    assert table[1][4:9] == ["model.width=64", "churn-improve-001-c02", "24.0% [21.0%, 27.0%]",
                             "-1.0% [-3.0%, 1.0%] (95%)", "within noise"]
    assert ["dev", "20.0%"] in table and ["train", "19.0%"] in table
    tips = tooltips(part)
    assert "kept at 1: 20.0%" in tips and "candidate at 1: 24.0%" in tips and any(
        t.startswith("incumbent at 1: 25.0%") for t in tips)


def test_sweep_history_best_trial_and_importance(saved_page):
    part = sections(saved_page)["sweep"]
    assert "best: trial 2 with dev error 20.0%" in text(part)
    assert "train.lr: 80%" in tooltips(part) and "complete at 0: 25.0%" in tooltips(part)
    assert [r[0] for r in rows(part)] == ["2", "0", "1"]  # best first
    assert rows(part)[0][-1] == "table"  # the trial's run folder (sweeps record full paths)


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
    write_json(root / "churn-improve-009" / "improve.json", {"start": {"run": run.name}, "steps": "not a list"})
    write_json(root / "other.sweep.json", {"study": "other", "trials": [{"number": 0, "run": "someone-else"}]})
    write_json(run.path / "check.json", {"sections": {"columns": {"columns": [{"column": "x", "type": "numeric"}]}}})
    data = load(run, quick=True)
    part = sections(render(data))
    assert not {"monitor", "improve", "sweep"} & set(part)
    assert "<b>x</b>" in part["check"] and not data.missing  # the part it recognises, nothing else
