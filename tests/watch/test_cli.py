"""`tuneup monitor` on the command line: one JSON document, exit 3 on a named alarm, exit 2 with one
`error:` line on bad input and nothing half-written."""
from __future__ import annotations

import json

import pytest


def run_path(run) -> str:
    return str(run.path)


def test_json_is_one_document_with_the_answers(cli, logs, trained_table_run):
    # income drifts, and the label does not depend on income: the inputs changed, the error did not
    r = cli("monitor", run_path(trained_table_run), "--log", str(logs("income", drift={"income": 0.8})), "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["alarms"] == {"drift": True, "performance": False}
    assert doc["data_drift"]["drifted"] == ["income"] and doc["reasons"]["drift"]
    assert doc["log"]["predictions"] == 2000 and doc["windows"]["count"] == 10
    assert (trained_table_run.path / "monitor.json").exists()  # kept for the HTML report


def test_fail_on_drift_exits_3_and_says_why(cli, logs, trained_table_run):
    folder = str(logs("age", drift={"age": 0.8}))
    r = cli("monitor", run_path(trained_table_run), "--log", folder, "--fail-on", "drift")
    assert r.code == 3
    assert "Has the input changed? YES" in r.stdout and "alarm: drift (exit 3)" in r.stdout
    quiet = cli("monitor", run_path(trained_table_run), "--log", str(logs("income", drift={"income": 0.8})),
                "--fail-on", "performance")
    assert quiet.code == 0  # the label does not depend on income


def test_thresholds_come_from_watch_settings(cli, logs, trained_table_run):
    folder = str(logs("age", drift={"age": 0.8}))
    r = cli("monitor", run_path(trained_table_run), "--log", folder, "--fail-on", "drift",
            "--set", "watch.drift_features=3", "--set", "watch.drift_auc=1.0", "--json")
    doc = json.loads(r.stdout)
    assert doc["settings"]["drift_features"] == 3
    assert r.code == (3 if doc["reasons"]["drift"] else 0)
    assert not any("inputs drifted:" in reason for reason in doc["reasons"]["drift"])


def test_windows_and_since(cli, logs, trained_table_run):
    folder = str(logs("age", drift={"age": 0.8}))
    r = cli("monitor", run_path(trained_table_run), "--log", folder, "--window", "2D", "--since", "2026-03-05",
            "--json")
    doc = json.loads(r.stdout)
    assert doc["windows"] == {"length": "2d", "count": 3}
    assert doc["log"]["first"] >= "2026-03-05"


@pytest.mark.parametrize("args, message", [
    (["--log", "nowhere"], "--log nowhere: no such file or folder"),
    (["--log", "{log}", "--since", "whenever"], "--since 'whenever'"),
    (["--log", "{log}", "--set", "train.lr=0.1"], "monitor reads only watch.* settings"),
    (["--log", "{log}", "--set", "watch.alpha=2"], "watch.alpha"),
    (["--log", "{log}", "--window", "forever"], "watch.window"),
    (["--log", "{log}", "--audit", "5"], "--audit N and --audit-out FILE go together"),
    (["--log", "{log}", "--fail-on", "everything"], "everything"),
])
def test_bad_input_is_one_error_line_and_exit_2(cli, logs, trained_table_run, tmp_path, args, message):
    folder = str(logs("stationary", feedback=0.5))
    r = cli("monitor", run_path(trained_table_run), *[a.replace("{log}", folder) for a in args])
    assert r.code == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith("error: ") and message in r.stderr and r.stderr.count("\n") == 1
    assert r.stdout == ""


def test_an_unknown_run_is_exit_2(cli, logs):
    r = cli("monitor", "no-such-run", "--log", str(logs("stationary", feedback=0.5)))
    assert r.code == 2 and "run 'no-such-run' not found" in r.stderr


def test_a_malformed_log_line_is_exit_2_and_nothing_is_written(cli, tmp_path, logs, trained_table_run):
    import shutil

    folder = tmp_path / "logs"
    shutil.copytree(logs("stationary", feedback=0.5), folder)
    lines = (folder / "log-0001.jsonl").read_text().splitlines()
    lines[6] = lines[6][:50]  # a broken line in the middle of the file
    (folder / "log-0001.jsonl").write_text("\n".join(lines) + "\n")
    r = cli("monitor", run_path(trained_table_run), "--log", str(folder), "--audit", "10",
            "--audit-out", str(tmp_path / "audit.csv"), "--export-new-data", str(tmp_path / "new.csv"))
    assert r.code == 2 and "log-0001.jsonl:7: not a JSON object" in r.stderr
    assert not (tmp_path / "audit.csv").exists() and not (tmp_path / "new.csv").exists()


def test_the_terminal_summary_answers_the_three_questions(cli, tmp_path, trained_table_run):
    from tests.watch.watchlogs import table_log

    folder = table_log(trained_table_run, tmp_path / "ab", n=600, feedback=1.0,
                       ab={"share": 0.5, "primary": 0.75, "candidate": 0.78})
    r = cli("monitor", run_path(trained_table_run), "--log", str(folder))
    assert r.code == 0, r.stderr
    for question in ("Has the input changed?", "Has the model got worse?", "Is the candidate better?"):
        assert question in r.stdout
    assert "A/B test on accuracy" in r.stdout and "by window" in r.stdout
