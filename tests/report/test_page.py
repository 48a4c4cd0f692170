"""The report of a real run: its numbers are the run's summary and diagnosis (and scikit-learn's), a run
with missing parts shows no empty section, and the page is one self-contained file."""
from __future__ import annotations

import base64
import hashlib
import html
import re
import shlex

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

import tuneup
from tuneup.diagnose.render import set_flags
from tests.report.pages import rows, sections, text, tooltips

EXPECTED = ["summary", "ladder", "training", "baselines", "classes", "confusion", "slices", "ceiling", "top-losses",
            "check"]  # check: `tuneup run` checks the data first and keeps check.json


def pct(v: float) -> str:
    return f"{100 * v:.1f}%"


def signed(v: float) -> str:
    return ("+" if v >= 0 else "-") + pct(abs(v))


def test_the_ladder_is_the_summary_and_the_diagnosis(table_report, trained_table_run):
    data, page = table_report
    s, diag = trained_table_run.summary, data.diagnosis
    part = sections(page)
    assert diag.sentence in text(part["summary"])
    for rung in ("train", "dev"):
        assert pct(s["ladder"][rung]) in text(part["summary"])
    table = {r[0]: r for r in rows(part["ladder"])}
    assert table["train"][1] == pct(s["ladder"]["train"]) and table["dev"][1] == pct(s["ladder"]["dev"])
    variance = s["ladder"]["dev"] - s["ladder"]["train"]  # no train-dev split: variance is dev - train
    assert table["dev"][3] == "variance" and table["dev"][4] == signed(variance)
    iv = diag.intervals["gaps"]["variance"]
    assert table["dev"][5] == f"{100 * iv.low:.1f} to {100 * iv.high:.1f}"
    rung = diag.intervals["ladder"]["dev"]
    assert f"dev: {pct(s['ladder']['dev'])} (interval {pct(rung.low)} to {pct(rung.high)})" in tooltips(part["ladder"])
    shown = html.unescape(part["ladder"])
    config = shlex.quote(str(trained_table_run.path / "config.yaml"))  # commands on the run's own config, as
    for remedy in diag.remedies:                                         # the terminal prints them
        assert remedy.action in shown and f"tuneup run {config} {set_flags(remedy.set)}" in shown
    assert "tuneup run CONFIG" not in shown


def test_baselines_and_training_curves_are_the_summary_and_history(table_report, trained_table_run):
    _, page = table_report
    s, history = trained_table_run.summary, trained_table_run.history
    part = sections(page)
    table = {r[0]: r for r in rows(part["baselines"])}
    for name, b in s["baselines"].items():
        assert table[name][1:3] == [pct(b["splits"]["train"]["error"]), pct(b["splits"]["dev"]["error"])]
    last = history[-1]
    tips = tooltips(part["training"])
    assert f"dev at {last['epoch']}: {last['dev']['loss']:.4g}" in tips
    assert f"train at {last['epoch']}: {100 * last['train']['metric']:.1f}%" in tips
    assert f"kept: epoch {s['training']['best_epoch']}" in text(part["training"])


def test_classes_and_confusion_equal_scikit_learn(table_report, trained_table_run):
    _, page = table_report
    preds = trained_table_run.predictions("dev")
    classes = [str(c) for c in trained_table_run.encoder.classes]
    y, p = preds["y_true"].astype(str), preds["y_pred"].astype(str)
    precision, recall, f1, support = precision_recall_fscore_support(y, p, labels=classes, zero_division=0)
    part = sections(page)
    table = {r[0]: r for r in rows(part["classes"]) if r[0] in classes}
    for i, c in enumerate(classes):
        assert table[c][1:6] == [f"{support[i]:,}", f"{int((p == c).sum()):,}", pct(precision[i]), pct(recall[i]),
                                 pct(f1[i])]
    matrix = confusion_matrix(y, p, labels=classes)
    cells = {}
    for tip in tooltips(part["confusion"]):
        m = re.match(r"true (.+), predicted (.+): ([\d,]+) ", tip)
        if m:
            cells[m[1], m[2]] = int(m[3].replace(",", ""))
    assert cells == {(a, b): int(matrix[i, j]) for i, a in enumerate(classes) for j, b in enumerate(classes)}


def test_a_run_without_train_dev_human_level_or_test_shows_no_empty_section(table_report, trained_table_run):
    data, page = table_report
    ladder = trained_table_run.summary["ladder"]
    assert ladder["train_dev"] is None and ladder["human"] is None and ladder["test"] is None
    part = sections(page)
    assert list(part) == EXPECTED  # nothing from files the run does not have (sweep, improve, monitor, ...)
    for sid, body in part.items():
        heading = re.search(r"<h2>(.*?)</h2>", body)[1]
        assert len(text(body)) > len(heading) + 20, sid
        assert re.search(r"<svg|<table|<li|<p", body), sid
    readable = text(page)
    assert not re.search(r"\b(None|nan|NaN|undefined|inf)\b", readable)
    summary = text(part["summary"])
    assert "train error" in summary and "train-dev error" not in summary and "human-level error" not in summary
    bars = [t for t in tooltips(part["ladder"]) if re.match(r"(human-level|train|train-dev|dev|test): ", t)]
    assert [b.split(":")[0] for b in bars] == ["train", "dev"]
    assert "tuneup curve CONFIG" in readable and "--final" in readable  # what would add the missing parts


def test_the_page_is_one_file_that_fetches_nothing(table_report):
    _, page = table_report
    assert page.startswith("<!doctype html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for forbidden in ("<script src", "<link", "<iframe", "url(", "@import", 'src="http', 'href="http', "src='http"):
        assert forbidden not in page
    # one inline script (sorting, hover values), allowed by its hash and by nothing broader
    scripts = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(scripts) == 1 and page.count("<script") == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert f"script-src 'sha256-{digest}'" in policy and "unsafe-eval" not in policy
    assert "script-src 'unsafe-inline'" not in policy
    assert all(src.startswith("data:") for src in re.findall(r'src="([^"]*)"', page))
    assert len(page.encode()) < 5_000_000


def test_tuneup_report_writes_the_run_folder_or_out(trained_table_run, tmp_path):
    from tests.report.conftest import copy_run

    run = copy_run(trained_table_run, tmp_path / "runs")
    path = tuneup.report(run, quick=True)
    assert path == run.path / "report.html" and path.read_text().startswith("<!doctype html>")
    assert not list(run.path.glob(".report.html.*"))  # written atomically, no temporary left
    assert not (run.path / "threshold.json").exists()  # the report chooses nothing
    other = tuneup.report(run, out=tmp_path / "elsewhere" / "r.html", quick=True)
    assert other.exists()


def test_image_runs_show_their_top_loss_examples(trained_image_run):
    from tuneup.report.data import load
    from tuneup.report.page import render

    data = load(trained_image_run, quick=True)
    page = render(data)
    part = sections(page)
    ids = [r["id"] for r in data.errors.top_losses]
    assert set(data.images) == set(ids)
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="example ([^"]+)"', part["top-losses"])
    assert images == ids
    assert np.all([len(b) > 100 for b in data.images.values()])
    human = trained_image_run.summary["ladder"]["human"]
    assert f"human-level error {pct(human)} given" in text(part["summary"])
    assert len(page.encode()) < 5_000_000


@pytest.mark.parametrize("bad", ["[1, 2]", "{not json"])
def test_an_unreadable_check_file_is_left_out_and_said(trained_table_run, tmp_path, bad):
    from tests.report.conftest import copy_run
    from tuneup.report.data import load
    from tuneup.report.page import render

    run = copy_run(trained_table_run, tmp_path / "runs")
    (run.path / "check.json").write_text(bad)
    data = load(run, quick=True)
    page = render(data)
    assert "check" not in sections(page)
    assert any(m.startswith("check.json: not") for m in data.missing)
    assert "check.json: not" in text(page)


def test_the_highest_loss_table_shows_each_example_with_its_inputs(table_report, trained_table_run):
    """Issue 17: as fastai's plot_top_losses, each row is the example (its feature and metadata values),
    not only its id; every top-loss example is listed, highest loss first."""
    data, page = table_report
    part = sections(page)["top-losses"]
    headers = [html.unescape(t) for t in re.findall(r"<th(?: [^>]*)?>(.*?)</th>", part)]
    assert headers[:5] == ["id", "true", "predicted", "score", "loss"]
    assert {"age", "income", "city", "plan", "signup", "region"} <= set(headers)
    table = trained_table_run.data()
    frame = table.features.assign(region=table.meta["region"].to_numpy()).set_index(pd.Index(table.ids))
    shown = rows(part)
    assert [r[0] for r in shown] == [e["id"] for e in data.errors.top_losses] and len(shown) == 10
    losses = [float(r[4]) for r in shown]
    assert losses == sorted(losses, reverse=True)
    for r in shown:
        cells = dict(zip(headers, r))
        source = frame.loc[r[0]]
        assert cells["city"] == ("—" if pd.isna(source["city"]) else source["city"])
        assert cells["region"] == source["region"] and cells["signup"] == str(source["signup"])[:10]
        if not pd.isna(source["income"]):
            assert float(cells["income"].replace(",", "")) == pytest.approx(source["income"], rel=5e-5)  # 5 digits


def test_slices_asked_of_tuneup_errors_appear_in_the_next_report(cli, trained_table_run, tmp_path):
    """Issue 17: `tuneup errors RUN --by COL` is remembered (slices.json) and the next report slices by COL
    beside the default (the metadata, region); a remembered column the data no longer has is said, and the
    default slices still show."""
    from tests.report.conftest import copy_run
    from tuneup.report.data import load
    from tuneup.report.page import render

    run = copy_run(trained_table_run, tmp_path / "runs")
    before = rows(sections(render(load(run, quick=True)))["slices"])
    assert {r[0] for r in before} == {"region"}
    for column in ("plan", "city"):
        r = cli("errors", str(run.path), "--by", column)
        assert r.code == 0, r.stderr
    assert "the next report of table shows these slices too" in r.stdout
    data = load(run, quick=True)
    after = rows(sections(render(data))["slices"])
    assert {r[0] for r in after} == {"region", "plan", "city"}
    plan = {r[1]: r for r in after if r[0] == "plan"}
    dev = run.predictions("dev").merge(run.data().features.assign(id=run.data().ids)[["id", "plan"]], on="id")
    for value, group in dev.groupby("plan"):
        assert plan[value][2] == f"{len(group):,}"  # the slice's n, counted independently
    (run.path / "slices.json").write_text('{"by": ["plann"]}')
    data = load(run, quick=True)
    assert {r[0] for r in rows(sections(render(data))["slices"])} == {"region"}
    assert any(m.startswith("slices.json: --by 'plann'") for m in data.missing)
