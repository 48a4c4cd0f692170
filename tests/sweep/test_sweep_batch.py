"""--batch: trials asked together, the compatible ones trained as one vectorised ensemble."""
import pytest
from sweep_helpers import trial_json, wine_config

import tuneup
from tuneup.runs import Run

OPTIMIZER_SPACE = {"train.lr": {"log_uniform": [1e-6, 1e-1]}, "train.weight_decay": {"log_uniform": [1e-6, 1e-2]},
                   "train.seed": {"int": [0, 50]}}


@pytest.mark.slow
def test_a_batch_trains_as_one_ensemble_and_each_member_is_a_normal_run():
    enqueue = [{"train.lr": 0.02, "train.weight_decay": 1e-4, "train.seed": 1},
               {"train.lr": 0.005, "train.weight_decay": 1e-3, "train.seed": 2}]
    result = tuneup.sweep(wine_config(), trials=2, batch=2, space=OPTIMIZER_SPACE, pruner="none", enqueue=enqueue,
                          progress=False)
    assert [t.state for t in result.trials] == ["complete", "complete"]
    for t in result.trials:
        run = Run(t.run)
        assert run.complete and trial_json(run.path)["trained_with"] == [0, 1]
        assert len(run.history) == 3 and list((run.path / "tensorboard").glob("events.out.tfevents.*"))
        # the member's folder says what retraining it alone gives: the same run, within float tolerance
        alone = tuneup.run(run.config, name=f"alone-{t.number}", progress=False)
        assert alone.summary["ladder"]["dev"] == pytest.approx(t.dev_error, abs=1e-9)
        assert [r["dev"]["loss"] for r in alone.history] == pytest.approx([r["dev"]["loss"] for r in run.history],
                                                                          rel=1e-4)
        assert run.config.train.lr == pytest.approx(t.params["train.lr"])


@pytest.mark.slow
def test_pruning_inside_an_ensemble_and_incompatible_trials_alone():
    space = {**OPTIMIZER_SPACE, "model.dropout": {"choice": [0.0, 0.2]}}
    good = [{"train.lr": lr, "train.weight_decay": 1e-5, "train.seed": 0, "model.dropout": 0.0} for lr in (0.02, 0.03)]
    bad = {"train.lr": 1e-6, "train.weight_decay": 1e-5, "train.seed": 0, "model.dropout": 0.0}
    other_model = {"train.lr": 0.02, "train.weight_decay": 1e-5, "train.seed": 0, "model.dropout": 0.2}
    cfg = wine_config(train={"epochs": 5, "batch_size": 32})
    result = tuneup.sweep(cfg, trials=6, batch=3, space=space, enqueue=[*good, {**good[0], "train.seed": 7}, bad,
                                                                      other_model, {**bad, "train.seed": 3}],
                          progress=False)
    info = {t.number: trial_json(t.run) for t in result.trials}
    assert info[0]["trained_with"] == [0, 1, 2]  # the first batch: three of one shape
    # second batch: 3 and 5 share an ensemble; 4 has another dropout, so it trains alone
    assert info[3]["trained_with"] == [3, 5] and info[5]["trained_with"] == [3, 5] and info[4]["trained_with"] is None
    assert result.trials[3].state == "pruned" and result.trials[3].epochs < 5  # pruned inside the ensemble
    assert Run(result.trials[3].run).complete and len(Run(result.trials[3].run).history) == result.trials[3].epochs
    assert Run(result.trials[4].run).config.model.dropout == 0.2 and Run(result.trials[4].run).complete


def test_batch_needs_a_positive_size(cli):
    from sweep_helpers import write_yaml

    write_yaml("wine.yaml", wine_config())
    r = cli("sweep", "wine.yaml", "--batch", "0")
    assert r.code == 2 and "--batch 0: give at least 1" in r.stderr
    r = cli("sweep", "wine.yaml", "--batch", "4", "--backend", "ray")
    assert r.code == 2 and "leave --batch out" in r.stderr
