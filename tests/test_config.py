import pytest
import yaml

import tuneup
from tuneup.config import apply_overrides, load_config, parse_override
from tuneup.exceptions import ConfigError

DESIGN_SKETCH = """
name: cats
task: binary
metric: f1
human_level_error: 0.01
data:
  train:  {path: data/web.csv, target: label}
  target: {path: data/phone.csv, target: label}
  split:  {train_dev: 0.1, dev: 0.5, test: 0.5, seed: 0}
model: {kind: mlp, hidden: [48, 24], batch_norm: true, dropout: 0.0, init: he}
train: {optimizer: adam, lr: 0.001, weight_decay: 0.0, batch_size: 128, epochs: 50,
        early_stopping: {patience: 5}, augment: []}
"""


def write(tmp_path, text):
    path = tmp_path / "tuneup.yaml"
    path.write_text(text)
    return path


def test_design_sketch_loads_typed(tmp_path):
    cfg = load_config(write(tmp_path, DESIGN_SKETCH))
    assert cfg.model.hidden == [48, 24] and cfg.model.batch_norm is True
    assert cfg.train.early_stopping.patience == 5
    assert cfg.data.split.train_dev == 0.1
    assert cfg.human_level == 0.01
    assert cfg.resolve_path("data/web.csv") == tmp_path / "data/web.csv"


def test_unknown_key_suggests_the_nearest(tmp_path):
    text = DESIGN_SKETCH.replace("lr: 0.001", "lrr: 0.001")
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, text))
    msg = str(e.value)
    assert "train.lrr" in msg and "did you mean 'lr'" in msg and "tuneup.yaml" in msg


def test_wrong_type_names_key_and_value(tmp_path):
    with pytest.raises(ConfigError, match=r"train\.epochs = 'many'"):
        load_config(write(tmp_path, DESIGN_SKETCH.replace("epochs: 50", "epochs: many")))


def test_out_of_range_value(tmp_path):
    with pytest.raises(ConfigError, match=r"model\.dropout = 1\.5.*less than 1"):
        load_config(write(tmp_path, DESIGN_SKETCH.replace("dropout: 0.0", "dropout: 1.5")))


def test_bad_choice_lists_the_valid_ones(tmp_path):
    with pytest.raises(ConfigError) as e:
        load_config(write(tmp_path, DESIGN_SKETCH.replace("optimizer: adam", "optimizer: adamm")))
    assert "'sgd', 'adam', 'adamw' or 'rmsprop'" in str(e.value) and "did you mean 'adam'" in str(e.value)


def test_unknown_metric_and_augmentation(tmp_path):
    with pytest.raises(ConfigError, match="metric 'accurcy' is not known.*did you mean 'accuracy'"):
        load_config(write(tmp_path, DESIGN_SKETCH.replace("metric: f1", "metric: accurcy")))
    with pytest.raises(ConfigError, match="unknown transform 'blurr'.*did you mean 'blur'"):
        load_config(write(tmp_path, DESIGN_SKETCH.replace("augment: []", "augment: [blurr]")))
    with pytest.raises(ConfigError, match="'blur' has no parameter 'radius'"):
        load_config(write(tmp_path, DESIGN_SKETCH.replace("augment: []", "augment: [{name: blur, radius: 2}]")))


def test_dotted_overrides_python_and_cli_forms(tmp_path):
    path = write(tmp_path, DESIGN_SKETCH)
    cfg = load_config(path, overrides={"train.lr": 0.01, "model.hidden": [64]})
    assert cfg.train.lr == 0.01 and cfg.model.hidden == [64]
    key, value = parse_override("train.augment=[blur, {name: noise, std: 0.1}]")
    assert key == "train.augment" and value == ["blur", {"name": "noise", "std": 0.1}]
    cfg = load_config(path, overrides=dict([parse_override("train.early_stopping.patience=9")]))
    assert cfg.train.early_stopping.patience == 9
    with pytest.raises(ConfigError, match="did you mean 'dropout'"):
        load_config(path, overrides={"model.dropuot": 0.3})
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_override("train.lr")


def test_override_into_a_value_is_an_error():
    with pytest.raises(ConfigError, match="holds a value"):
        apply_overrides({"train": {"lr": 0.1}}, {"train.lr.x": 1})


def test_resolved_config_round_trips_through_yaml(tmp_path):
    cfg = load_config(write(tmp_path, DESIGN_SKETCH), overrides={"train.schedule": "cosine"})
    again = load_config(yaml.safe_load(cfg.to_yaml()))
    assert again.to_dict() == cfg.to_dict()
    assert again.train.schedule.kind == "cosine"


def test_human_level_list_takes_the_best(tmp_path):
    text = DESIGN_SKETCH.replace(
        "human_level_error: 0.01",
        "human_level_error: [{who: typical person, error: 0.03}, {who: panel of experts, error: 0.007}]",
    )
    assert load_config(write(tmp_path, text)).human_level == 0.007


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="no such config file.*tuneup init"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(write(tmp_path, "name: [unclosed"))


def test_public_api_exports():
    assert tuneup.load_config is load_config
    assert issubclass(tuneup.ConfigError, tuneup.UserError)


LAUGHS = """
name: laughs
data: {train: {path: builtin:wine}}
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
train:
  augment: [*c, *c, *c, *c, *c, *c, *c, *c, *c]
"""


def test_yaml_aliases_are_refused_with_the_file_and_line(tmp_path):
    path = write(tmp_path, LAUGHS)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line 5:") and "aliases" in message and "*a" in message
    assert len(message) < 300
    with pytest.raises(ConfigError, match="aliases"):  # the same rule for --set values
        parse_override("train.augment=[&x [hflip], *x]")


def test_anchors_alone_and_our_own_yaml_still_read(tmp_path):
    cfg = load_config(write(tmp_path, DESIGN_SKETCH.replace("name: cats", "name: &n cats")))
    assert cfg.name == "cats"
    again = tmp_path / "again.yaml"
    cfg.write(again)
    assert load_config(again).to_dict() == cfg.to_dict()


def test_a_huge_value_is_never_written_out_whole_in_a_message(tmp_path):
    level = ["lol"] * 10
    for _ in range(6):  # 10**7 strings, shared: cheap to hold, ruinous to print
        level = [level] * 10
    for overrides in ({"train.augment": level}, {"train.lr": "9" * 100_000}, {"task": "x" * 100_000},
                      {"train.augment": [{"name": "y" * 100_000}]}, {"train.augment": [{"blur": {"sigma": level}}]}):
        with pytest.raises(ConfigError) as caught:
            load_config({"data": {"train": {"path": "builtin:wine"}}}, overrides)
        assert len(str(caught.value)) < 400, (list(overrides), str(caught.value)[:200])


def test_data_paths_are_shown_resolved(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "tuneup.yaml"
    path.write_text("data: {train: {path: ../nowhere/../churn.csv, target: churn}}\n")
    cfg = load_config(path)
    assert cfg.resolve_path(cfg.data.train.path) == tmp_path / "churn.csv"
    with pytest.raises(tuneup.UserError) as caught:
        tuneup.run(cfg, progress=False)
    assert f"{tmp_path / 'churn.csv'}: no such file" in str(caught.value) and ".." not in str(caught.value)
