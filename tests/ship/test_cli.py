"""`tuneup export` and `tuneup serve` on the command line: one JSON document, exit 2 for user errors."""
from __future__ import annotations

import json


def test_export_json_is_one_document(cli, trained_table_run, tmp_path):
    r = cli("export", str(trained_table_run.path), "--out", str(tmp_path / "e"), "--int8", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["path"] == str(tmp_path / "e") and doc["model_version"] == "table"
    assert [v["name"] for v in doc["compress"]["variants"]] == ["fp32", "int8"]


def test_export_prints_the_table(cli, trained_table_run, tmp_path):
    r = cli("export", str(trained_table_run.path), "--out", str(tmp_path / "e"))
    assert r.code == 0, r.stderr
    assert "compress-then-verify" in r.stdout and "recommended: fp32" in r.stdout


def test_user_errors_exit_2_with_one_line(cli, trained_table_run, tmp_path):
    for args, words in [
        (["export", "no-such-run"], "run 'no-such-run' not found"),
        (["export", str(trained_table_run.path), "--format", "tflite"], "choose one of: onnx, torchscript"),
        (["export", str(trained_table_run.path), "--prune", "2"], "between 0 and 1"),
        (["serve", str(trained_table_run.path), "--api-key-env", "TUNEUP_TEST_NO_SUCH_VAR"], "TUNEUP_TEST_NO_SUCH_VAR"),
        (["serve", str(tmp_path)], "is a folder, not a run folder"),
    ]:
        r = cli(*args)
        assert r.code == 2, (args, r.stderr)
        assert r.stderr.startswith("error: ") and words in r.stderr and r.stdout == ""


def test_serve_refuses_a_variant_the_export_lacks(cli, trained_table_run, tmp_path):
    assert cli("export", str(trained_table_run.path), "--out", str(tmp_path / "e")).code == 0
    r = cli("serve", str(tmp_path / "e"), "--variant", "int8")
    assert r.code == 2 and "--int8" in r.stderr
