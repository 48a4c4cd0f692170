import json
import subprocess
import sys
from pathlib import Path

import pytest

import tuneup
from tests.conftest import make_table


def assert_user_error(r, *fragments):
    assert r.code == 2, (r.code, r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.startswith("error: ")]
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    for f in fragments:
        assert f in lines[0], lines[0]


def test_init_writes_a_readable_config_that_runs(cli, table_csv):
    r = cli("init", "--data", str(table_csv), "--target", "churn")
    assert r.code == 0, r.stderr
    text = Path("tuneup.yaml").read_text()
    assert "task: binary  # the target holds 2 distinct labels" in text
    assert "id: customer_id" in text and "# human_level_error" in text
    assert "missing values in 2 columns" in r.stdout
    r = cli("run", "tuneup.yaml", "--set", "train.epochs=3", "--json")
    assert r.code == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["task"] == "binary" and Path(summary["path"], "summary.json").exists()


def test_init_makes_the_out_folder_and_says_so(cli, table_csv):
    r = cli("init", "--data", str(table_csv), "--target", "churn", "--out", "nodir/sub/t.yaml")
    assert r.code == 0, r.stderr
    assert "made the folder nodir/sub for --out" in r.stdout
    cfg = tuneup.load_config("nodir/sub/t.yaml")
    assert cfg.resolve_path(cfg.data.train.path) == table_csv.resolve()
    Path("afile").write_text("x")
    assert_user_error(cli("init", "--data", str(table_csv), "--target", "churn", "--out", "afile/t.yaml"),
                      "--out afile/t.yaml", "afile is a file, not a folder")


@pytest.mark.slow
def test_ctrl_c_during_a_run_says_how_to_continue_it(table_csv):
    import signal
    import time

    Path("cfg.yaml").write_text(f"name: long\ndata: {{train: {{path: {table_csv}, target: churn, id: customer_id}}}}\n"
                                "train: {epochs: 100000, early_stopping: false, batch_size: 16}\n")
    # Ctrl-C turned back on: a shell running the tests in the background may ignore SIGINT, and a child inherits it
    start = ("import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
             "sys.argv = ['tuneup', 'run', 'cfg.yaml']; runpy.run_module('tuneup', run_name='__main__')")
    proc = subprocess.Popen([sys.executable, "-c", start], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not Path("tuneup-runs/long-001/checkpoint.safetensors").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert err.strip().splitlines()[-1] == (
        f"interrupted; continue it with `tuneup run --resume {Path('tuneup-runs/long-001').resolve()}`"), err[-1000:]


def test_init_refuses_to_overwrite(cli, table_csv):
    Path("tuneup.yaml").write_text("name: mine\n")
    assert_user_error(cli("init", "--data", str(table_csv), "--target", "churn"), "tuneup.yaml already exists", "--force")
    assert Path("tuneup.yaml").read_text() == "name: mine\n"


def test_init_infers_regression_and_skewed_binary(cli, tmp_path):
    df = make_table(400)
    df["spend"] = df.income * 0.01
    df["rare"] = (df.age.fillna(0) > 60).map({True: "yes", False: "no"})
    df.to_csv("t.csv", index=False)
    assert cli("init", "--data", "t.csv", "--target", "spend", "--out", "reg.yaml").code == 0
    assert "metric: rmse" in Path("reg.yaml").read_text()
    assert cli("init", "--data", "t.csv", "--target", "rare", "--out", "skew.yaml").code == 0
    assert "metric: f1  # classes are skewed" in Path("skew.yaml").read_text()


def test_init_on_an_image_folder(cli, tmp_path):
    from tests.conftest import write_image_folder

    write_image_folder(Path("imgs"), per_class=4)
    r = cli("init", "--data", "imgs")
    assert r.code == 0, r.stderr
    text = Path("tuneup.yaml").read_text()
    assert "kind: cnn" in text and "task: multiclass" in text


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["run", "nope.yaml"], ["nope.yaml: no such config file"]),
        (["init", "--data", "missing.csv", "--target", "y"], ["missing.csv", "no such file"]),
        (["init", "--data", "t.csv", "--target", "Churn"], ["'Churn' is not a column of t.csv", "did you mean 'churn'"]),
        (["run", "cfg.yaml", "--set", "train.lrr=0.1"], ["train.lrr", "did you mean 'lr'"]),
        (["run", "cfg.yaml", "--set", "train.optimizer=adamm"], ["train.optimizer", "did you mean 'adam'"]),
        (["run", "cfg.yaml", "--set", "model.kind=cnn"], ["'cnn' needs images"]),
        (["run", "cfg.yaml", "--set", "train.device=cuda"], ["no CUDA GPU"]),
        (["run"], ["needs a CONFIG"]),
        (["run", "--resume", "ghost"], ["run 'ghost' not found"]),
    ],
)
def test_bad_input_exits_2_with_one_line_and_nothing_written(cli, args, fragments):
    make_table(200).to_csv("t.csv", index=False)
    Path("cfg.yaml").write_text("data: {train: {path: t.csv, target: churn}}\ntrain: {epochs: 1}\n")
    before = {p for p in Path(".").rglob("*")}
    r = cli(*args)
    assert_user_error(r, *fragments)
    after = {p for p in Path(".").rglob("*") if ".cache" not in p.parts}
    assert {p for p in after - before if not p.is_dir()} == set()


def test_json_mode_prints_only_json_on_stdout(cli):
    Path("cfg.yaml").write_text("name: wine\ndata: {train: {path: 'builtin:wine'}}\ntrain: {epochs: 2}\n")
    r = cli("run", "cfg.yaml", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["run"] == "wine-001" and doc["metric"] == "accuracy"


def test_console_script_and_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "tuneup", "run", "nope.yaml"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.strip().startswith("error: nope.yaml")
    r = subprocess.run([sys.executable, "-m", "tuneup", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout


@pytest.mark.slow
def test_demo_prints_the_ladder_with_a_data_mismatch_gap(cli):
    r = cli("demo", "--epochs", "12")
    assert r.code == 0, r.stderr
    assert "data mismatch" in r.stdout and "train-dev" in r.stdout
    summary = json.loads(Path("tuneup-runs/demo-001/summary.json").read_text())
    ladder = summary["ladder"]
    assert ladder["dev"] - ladder["train_dev"] > 0.1  # the gap is plain to see


@pytest.mark.parametrize("args, fragment", [(["demo", "--epochs", "abc"], "--epochs"),
                                            (["demo", "--nope"], "No such option"),
                                            (["frobnicate"], "No such command")])
def test_usage_errors_exit_2_with_one_line(cli, args, fragment):
    assert_user_error(cli(*args), fragment)


def test_output_that_is_not_a_terminal_is_never_cut(trained_image_run):
    """Piped or in CI, rich would cut tables at 80 columns (`err…`, `89.…`): a log must read whole."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    r = subprocess.run([sys.executable, "-m", "tuneup", "diagnose", str(trained_image_run.path)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "…" not in r.stdout
    header = next(line for line in r.stdout.splitlines() if "rung" in line)
    assert "error" in header and "interval" in header and "gap from above" in header
    assert any("data mismatch" in line and "verdict" in line for line in r.stdout.splitlines())


def test_ctrl_c_ends_the_program_even_when_a_thread_would_keep_it_alive():
    """Python's exit waits for every non-daemon thread; one caught mid-work by Ctrl-C (Optuna's heartbeat in a
    sweep) kept an interrupted `tuneup sweep` alive for ever. The CLI's interrupt starts a watchdog."""
    import time

    script = ("import os, signal, sys, threading, time\n"
              "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
              "import tuneup.cli as cli\n"
              "cli.EXIT_GRACE_S = 1.0\n"
              "cli._watch_interrupts()\n"
              "threading.Thread(target=time.sleep, args=(600,)).start()  # not a daemon\n"
              "try:\n"
              "    os.kill(os.getpid(), signal.SIGINT)\n"
              "    time.sleep(60)\n"
              "except KeyboardInterrupt:\n"
              "    sys.exit(130)\n")
    started = time.monotonic()
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 130, r.stderr
    assert time.monotonic() - started < 60  # not the thread's 600 s
