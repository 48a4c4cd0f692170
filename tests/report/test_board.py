"""`tuneup board`: every run's hyperparameters and final metrics, as TensorBoard's own reader sees them."""
from __future__ import annotations

import shutil

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.plugins.hparams import metadata
from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData

from tests.report.conftest import copy_run
from tuneup.exceptions import UserError
from tuneup.report.board import board, ensure_hparams, has_hparams


def read_session(run):
    acc = EventAccumulator(str(run.path / "tensorboard"))
    acc.Reload()
    content = acc.PluginTagToContent(metadata.PLUGIN_NAME)
    start = HParamsPluginData.FromString(content[metadata.SESSION_START_INFO_TAG]).session_start_info
    assert metadata.SESSION_END_INFO_TAG in content and metadata.EXPERIMENT_TAG not in content
    scalars = {tag: acc.Scalars(tag)[-1].value for tag in acc.Tags()["scalars"]}
    return start.hparams, scalars


def test_a_finished_run_carries_its_hparams_and_final_numbers_only_in_hparams(trained_table_run):
    """Issue 17: final numbers are HParams columns of the run's session, never one-point scalar charts."""
    hparams, scalars = read_session(trained_table_run)  # written by tuneup.run itself
    cfg, s = trained_table_run.config, trained_table_run.summary
    assert hparams["train.lr"].number_value == pytest.approx(cfg.train.lr)
    assert hparams["train.epochs"].number_value == cfg.train.epochs
    assert hparams["model.hidden"].string_value == "[32, 16]"
    assert hparams["model.batch_norm"].string_value == str(cfg.model.batch_norm).lower()
    assert "name" not in hparams and "runs_dir" not in hparams
    for split, scores in s["splits"].items():
        if scores:
            assert hparams[f"final.{split}_error"].number_value == pytest.approx(scores["error"], rel=1e-6)
            assert hparams[f"final.{split}_accuracy"].number_value == pytest.approx(scores["metric"], rel=1e-6)
    gap = s["ladder"]["dev"] - s["ladder"]["train"]
    assert hparams["gap.variance"].number_value == pytest.approx(gap, rel=1e-5)
    assert "final.test_error" not in hparams and "gap.data_mismatch" not in hparams
    assert not [t for t in scalars if t.startswith(("final", "gap"))]
    assert {"loss/train", "loss/dev", "error/dev", "accuracy/dev"} <= set(scalars)  # the per-epoch curves


def test_board_links_name_each_run_after_its_folder(trained_table_run, tmp_path):
    from tuneup.report.board import RunLinks

    root = tmp_path / "runs"
    copy_run(trained_table_run, root, "churn-001")
    fold = root / "churn-001" / "folds" / "fold-1"
    shutil.copytree(trained_table_run.path / "tensorboard", fold / "tensorboard")
    links = RunLinks(root)
    assert sorted(p.name for p in links.folder.iterdir()) == ["churn-001", "churn-001 fold-1"]
    assert (links.folder / "churn-001").resolve() == (root / "churn-001" / "tensorboard").resolve()
    copy_run(trained_table_run, root, "churn-002")  # a run that starts while TensorBoard serves
    links.sync()
    assert (links.folder / "churn-002").is_dir()
    assert RunLinks(root / "churn-002").names.keys() == {"churn-002"}  # the logdir is one run folder


def test_runs_made_before_are_given_hparams_once(trained_table_run, tmp_path):
    root = tmp_path / "runs"
    run = copy_run(trained_table_run, root)
    for f in (run.path / "tensorboard").glob("*.hparams"):
        f.unlink()
    assert not has_hparams(run)
    assert len(ensure_hparams(root)) == 1 and has_hparams(run)
    assert ensure_hparams(root) == []
    hparams, _ = read_session(run)
    assert hparams["train.lr"].number_value == pytest.approx(trained_table_run.config.train.lr)


def test_board_needs_a_folder_with_runs(cli, tmp_path):
    with pytest.raises(UserError, match="no such folder"):
        board(tmp_path / "nowhere", block=False)
    (tmp_path / "empty").mkdir()
    r = cli("board", str(tmp_path / "empty"))
    assert r.code == 2 and "holds no finished runs" in r.stderr
