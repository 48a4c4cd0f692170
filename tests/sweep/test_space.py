import optuna
import pytest
from sweep_helpers import wine_config, write_yaml

import tuneup
from tuneup.exceptions import ConfigError
from tuneup.sweep.space import default_space, layer_sizes, load_space

SPACE_YAML = """\
train:
  lr: {log_uniform: [1e-4, 1e-1]}        # YAML 1.1 reads 1e-4 as text: still a number here
  weight_decay: {log_uniform: [1.0e-6, 1.0e-2]}
  optimizer: {choice: [adam, sgd]}
  batch_size: {choice: [16, 32, 64]}
  augment: {choice: [[], [noise]]}
model.dropout: {uniform: [0.0, 0.5], step: 0.1}
model.width: {log_int: [8, 64]}
model.depth: {int: [1, 3]}
train.epochs: 4
train.early_stopping.patience: {fixed: 2}
"""


def test_yaml_space_reads_every_distribution(tmp_path):
    cfg = tuneup.load_config(wine_config())
    path = tmp_path / "space.yaml"
    path.write_text(SPACE_YAML)
    sp = load_space(path, cfg, "mlp")
    p = sp.params
    assert (p["train.lr"].kind, p["train.lr"].low, p["train.lr"].high) == ("log_uniform", 1e-4, 1e-1)
    assert p["model.dropout"].step == 0.1 and p["model.depth"].kind == "int"
    assert p["train.augment"].choices == ([], ["noise"]) and p["train.augment"].encoded
    assert p["train.epochs"].kind == "fixed" and p["train.early_stopping.patience"].choices == (2,)
    assert sp.source == str(path)


def test_sampled_values_stay_in_range_and_make_valid_configs():
    cfg = tuneup.load_config(wine_config())
    sp = load_space(__import__("yaml").safe_load(SPACE_YAML), cfg, "mlp")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen_depths, seen_augment = set(), set()
    for _ in range(40):
        trial = study.ask()
        values = sp.suggest(trial)
        assert 1e-4 <= values["train.lr"] <= 1e-1
        assert values["model.dropout"] in {0.0, 0.1, 0.2, 0.3, 0.4, 0.5}
        assert values["train.augment"] in ([], ["noise"])  # decoded from Optuna's JSON text
        trial_cfg = tuneup.load_config(cfg, overrides=sp.overrides(values))
        assert trial_cfg.model.hidden == [values["model.width"]] * values["model.depth"]
        assert trial_cfg.train.epochs == 4 and trial_cfg.train.early_stopping.patience == 2
        seen_depths.add(values["model.depth"])
        seen_augment.add(str(values["train.augment"]))
        study.tell(trial, 0.5)
    assert seen_depths == {1, 2, 3} and len(seen_augment) == 2
    # a finished trial's stored values decode back to what the config saw
    last = study.trials[-1]
    assert sp.decode(last.params)["train.augment"] in ([], ["noise"])


def test_width_and_depth_double_channels_for_a_cnn():
    assert layer_sizes(16, 3, doubling=True) == [16, 32, 64]
    assert layer_sizes(16, 3, doubling=False) == [16, 16, 16]
    cfg = tuneup.demo_config(epochs=2)
    sp = load_space({"model.width": {"choice": [8, 16]}}, cfg, "cnn")
    assert sp.overrides({"model.width": 8}) == {"model.channels": [8, 16, 32]}  # depth from the config (3)


def test_default_spaces_pass_their_own_checks():
    cfg = tuneup.load_config(wine_config())
    table = default_space(cfg, "mlp", n_train=100)
    assert {"train.lr", "model.width", "model.depth", "model.dropout"} <= set(table.params)
    assert table.params["train.batch_size"].choices == (32, 64)  # no batch bigger than the training set
    table.check(cfg)
    image = default_space(tuneup.demo_config(epochs=2), "cnn", n_train=1000)
    assert "train.augment" in image.params and image.layers_key == "model.channels"
    image.check(tuneup.demo_config(epochs=2))


@pytest.mark.parametrize("space, fragments", [
    ({"train.weight_decy": {"log_uniform": [1e-6, 1e-2]}}, ["unknown key 'train.weight_decy'", "did you mean 'train.weight_decay'"]),
    ({"model.dropout": {"unifrom": [0, 0.5]}}, ["model.dropout", "unknown distribution 'unifrom'", "did you mean 'uniform'"]),
    ({"train.lr": {"log_uniform": [0.1, 0.001]}}, ["train.lr", "[0.1, 0.001] is inverted", "low < high"]),
    ({"train.lr": {"uniform": [0.01, 0.01]}}, ["train.lr", "is empty", "fixed"]),
    ({"train.weight_decay": {"log_uniform": [0, 0.01]}}, ["train.weight_decay", "needs low > 0"]),
    ({"train.batch_size": {"choice": []}}, ["train.batch_size", "non-empty list"]),
    ({"model.depth": {"int": [1.5, 3]}}, ["model.depth", "whole numbers"]),
    ({"train.lr": {"log_uniform": ["a", 0.1]}}, ["train.lr", "must be numbers"]),
    ({"data.split.dev": {"uniform": [0.1, 0.3]}}, ["'data.split.dev' cannot be swept", "model.* and train.*"]),
    ({"metric": {"choice": ["f1", "accuracy"]}}, ["'metric' cannot be swept"]),
    ({"model.hidden": {"choice": [[8]]}, "model.width": {"int": [8, 16]}}, ["either the layer list", "model.width"]),
    ({"train.epochs": 5}, ["nothing to vary"]),
])
def test_bad_spaces_name_the_file_the_key_and_the_fix(tmp_path, space, fragments):
    path = write_yaml(tmp_path / "space.yaml", space)
    with pytest.raises(ConfigError) as e:
        load_space(path, tuneup.load_config(wine_config()), "mlp")
    message = str(e.value)
    assert message.startswith(str(path)), message
    for f in fragments:
        assert f in message, message


@pytest.mark.slow
def test_values_the_config_refuses_are_caught_before_training(tmp_path):
    cfg = wine_config(runs_dir=str(tmp_path / "runs"))
    with pytest.raises(ConfigError, match=r"space.yaml: model.dropout = 1.5 \(uniform 0 to 1.5\) is not a valid setting"):
        tuneup.sweep(cfg, trials=2, space=write_yaml(tmp_path / "space.yaml", {"model.dropout": {"uniform": [0, 1.5]}}))
    # an augmentation for images on a table is caught by building the trial (not by the config alone)
    with pytest.raises(ConfigError, match=r"train.augment = \[\"hflip\"\].*image"):
        tuneup.sweep(cfg, trials=2, space={"train.augment": {"choice": [[], ["hflip"]]}})
    assert not (tmp_path / "runs").exists()  # nothing written: no study, no run folder


def test_bad_space_on_the_command_line_exits_2_and_writes_nothing(cli, tmp_path):
    write_yaml("wine.yaml", wine_config())
    write_yaml("space.yaml", {"train.lr": {"loguniform": [1e-4, 0.1]}})
    r = cli("sweep", "wine.yaml", "--trials", "2", "--space", "space.yaml")
    assert r.code == 2, r.stderr
    error = [line for line in r.stderr.splitlines() if line.startswith("error: ")]
    assert error == [("error: space.yaml: train.lr: unknown distribution 'loguniform'; did you mean 'log_uniform'? "
                      "(distributions: uniform, log_uniform, int, log_int, choice, fixed; e.g. "
                      "{log_uniform: [1.0e-4, 0.1]} or {choice: [32, 64]})")]
    assert "Traceback" not in r.stderr and not (tmp_path / "tuneup-runs").exists()
    r = cli("sweep", "wine.yaml", "--space", "missing.yaml")
    assert r.code == 2 and "missing.yaml: no such search-space file" in r.stderr
