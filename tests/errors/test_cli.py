"""`tuneup errors RUN` end to end on real small runs: JSON, files, and the one-line errors."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm


@pytest.fixture
def table_run(trained_table_run, tmp_path) -> Path:
    """A private copy: these tests write threshold.json and samples into the run folder."""
    return shutil.copytree(trained_table_run.path, tmp_path / "table")


def error_lines(r) -> list[str]:
    """The `error: ...` lines (progress lines may come before them on stderr)."""
    return [line for line in r.stderr.splitlines() if line.startswith("error: ")]


def test_json_is_one_document_with_sklearn_numbers(cli, table_run):
    r = cli("errors", str(table_run), "--by", "city", "--by", "age", "--json")
    assert r.code == 0, r.stderr
    report = json.loads(r.stdout)
    preds = pd.read_parquet(table_run / "predictions" / "dev.parquet")
    y, p = preds["y_true"].astype(str), preds["y_pred"].astype(str)
    assert report["n"] == len(preds) and report["task"] == "binary" and report["split"] == "dev"
    assert report["error"] == pytest.approx(1 - skm.accuracy_score(y, p))
    rows = {c["name"]: c for c in report["classes"]["rows"]}
    assert rows["yes"]["recall"] == pytest.approx(skm.recall_score(y, p, pos_label="yes"))
    assert report["scores"]["roc_auc"] == pytest.approx(skm.roc_auc_score(y == "yes", preds["score"]))
    assert [s["column"] for s in report["slices"]] == ["city", "age"]
    assert report["ceiling"] and report["top_losses"][0]["loss"] == pytest.approx(preds["loss"].max())
    # the run's metric is accuracy: no threshold is chosen unless asked, and 0.5 is said to be the one in use
    assert report["threshold"] is None and not (table_run / "threshold.json").exists()
    assert report["threshold_in_use"].startswith("0.5 (the default")
    r = cli("errors", str(table_run), "--threshold", "f1", "--json")
    report = json.loads(r.stdout)
    saved = json.loads((table_run / "threshold.json").read_text())
    assert saved["threshold"] == report["threshold"]["threshold"] and saved["objective"] == "f1"
    assert report["threshold_saved"].endswith("threshold.json") and saved["chosen_by"].endswith("--threshold f1")
    (table_run / "threshold.json").unlink()  # the fixture's run is shared


def test_the_terminal_view_shows_every_part(cli, table_run):
    r = cli("errors", str(table_run), "--by", "city")
    assert r.code == 0, r.stderr
    for part in ("per class", "slices", "where improvement can come from", "highest loss", "threshold"):
        assert part in r.stdout


def test_unknown_by_column_is_one_line_with_the_nearest_name(cli, table_run):
    r = cli("errors", str(table_run), "--by", "cty", "--json")
    assert r.code == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("error: --by 'cty' is not a column")  # --json: no progress
    assert "did you mean 'city'?" in r.stderr
    assert not (table_run / "threshold.json").exists()  # nothing half-written


def test_tag_file_with_unknown_ids_is_one_line(cli, table_run, tmp_path):
    tags = tmp_path / "tags.csv"
    tags.write_text("id,tags\nnot-an-id,blurry\n")
    r = cli("errors", str(table_run), "--tags", str(tags))
    (line,) = error_lines(r)
    assert r.code == 2 and r.stderr.splitlines()[-1] == line and "Traceback" not in r.stderr
    assert "not-an-id" in line and "are not dev examples" in line
    assert not (table_run / "threshold.json").exists()


@pytest.mark.parametrize("args", [["--threshold", "precision=2"], ["--split", "test"], ["--sample", "0"]])
def test_other_bad_input_exits_2(cli, table_run, args):
    r = cli("errors", str(table_run), *args, "--json")
    assert r.code == 2 and r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and r.stdout == ""


def test_sample_then_tags_round_trip(cli, table_run):
    r = cli("errors", str(table_run), "--sample", "6", "--json")
    assert r.code == 0, r.stderr
    sample = json.loads(r.stdout)["sample"]
    frame = pd.read_csv(sample["csv"], dtype=str, keep_default_na=False)
    assert len(frame) == 6 and (frame["y_true"] != frame["y_pred"]).all() and "tags" in frame
    assert sample["png"] is None  # a table has no pictures
    frame["tags"] = ["dark", "dark;blurry", "", "blurry", "dark", "mislabeled"]
    frame.to_csv(sample["csv"], index=False)
    r = cli("errors", str(table_run), "--tags", sample["csv"], "--json")
    tags = {t["tag"]: t for t in json.loads(r.stdout)["tags"]["rows"]}
    assert tags["dark"]["errors"] == 3 and tags["dark"]["share_of_errors"] == pytest.approx(3 / 6)
    assert any(c["kind"] == "tag" and c["name"] == "dark" for c in json.loads(r.stdout)["ceiling"])


def test_python_api_renders(table_run):
    import tuneup
    from rich.console import Console

    report = tuneup.errors(table_run, by=["region"], save=False)
    assert isinstance(report, tuneup.ErrorReport) and not (Path(table_run) / "threshold.json").exists()
    html = report._repr_html_()
    assert "<table>" in html and "region" in html
    console = Console(record=True, width=140)
    console.print(report)
    assert "where improvement can come from" in console.export_text()
    assert json.loads(json.dumps(tuneup._io.jsonable(report.to_dict())))["slices"][0]["column"] == "region"


@pytest.mark.slow
def test_image_run_contact_sheet_and_images(cli, trained_image_run, tmp_path):
    from PIL import Image

    from tuneup.errors import example_images, png_bytes

    run = shutil.copytree(trained_image_run.path, tmp_path / "digits")
    r = cli("errors", str(run), "--sample", "12", "--json")
    assert r.code == 0, r.stderr
    report = json.loads(r.stdout)
    sheet = Image.open(report["sample"]["png"])
    assert sheet.size[0] > 0 and sheet.size[1] > 0
    columns = {s["column"] for s in report["slices"]}
    assert {"camera", "lighting"} <= columns  # the digits' metadata, sliced by default
    assert report["threshold"] is None  # multiclass: no threshold
    from tuneup.runs import Run

    ids = [t["id"] for t in report["top_losses"][:3]]
    images = example_images(Run(run), ids)
    assert images.shape == (3, 1, 32, 32) and images.dtype == np.uint8
    assert png_bytes(images[0]).startswith(b"\x89PNG")
