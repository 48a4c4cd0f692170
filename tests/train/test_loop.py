import math

import numpy as np
import pytest
import torch

import tuneup
from tuneup import config
from tuneup.exceptions import TrainingError
from tuneup.train.loop import Callback, EarlyStopping, Trainer, parse_monitor, predict, resolve_device
from tuneup.pipeline import build, prepare

WINE = {"name": "wine", "data": {"train": {"path": "builtin:wine"}},
        "model": {"hidden": [32], "dropout": 0.3}, "train": {"epochs": 6, "batch_size": 16}}


def trained(overrides=None, callbacks=()):
    prepared = prepare(tuneup.load_config(WINE, overrides))
    trainer = build(prepared)
    result = trainer.fit(prepared.tensors["train"], {"dev": prepared.tensors["dev"]}, callbacks=list(callbacks))
    return prepared, trainer, result


def _records(**series):
    """Epoch records with the given per-split losses; train error 0.1 unless `train_error` says otherwise."""
    n = len(next(iter(series.values())))
    errors = series.pop("train_error", [0.1] * n)
    return [{"train": {"error": errors[i]}, **{s: {"loss": v[i], "metric": v[i], "error": v[i]}
                                               for s, v in series.items()}} for i in range(n)]


def test_early_stopping_rule():
    es = EarlyStopping(patience=2, min_delta=0.01)
    records = _records(dev=[1.0, 0.8, 0.795, 0.9])  # 0.795 is within min_delta: not an improvement
    decisions = [es.update(r, e) for e, r in enumerate(records, 1)]
    assert decisions == [(True, False), (True, False), (False, False), (False, True)]
    assert es.best["dev loss"] == 0.8 and es.best_epoch == 2


def test_with_a_target_source_training_goes_on_while_train_dev_improves():
    # the web -> phone run: dev (phone) loss rises from epoch 2 while the network learns the web data
    td = [2.1, 2.0, 1.9, 1.7, 1.5, 1.2, 1.0, 0.9, 0.9, 0.9, 0.9]
    dev = [2.37, 2.36, 2.40, 2.50, 2.60, 2.80, 3.00, 3.20, 3.30, 3.40, 3.50]
    evals = ["train_dev", "dev"]
    es = EarlyStopping.for_fit(config.EarlyStopping(patience=3), evals, _metric(), chance=0.9)
    assert es.watch == (("train_dev", "error"), ("dev", "loss"))  # train-dev's loss creeps down for ever
    stops = [es.update(r, e)[1] for e, r in enumerate(_records(train_dev=td, dev=dev), 1)]
    assert stops.index(True) == 10  # epoch 11: train-dev has not improved since epoch 8
    only_dev = EarlyStopping.for_fit(config.EarlyStopping(patience=3, monitor="dev"), evals, _metric(), 0.9)
    assert [only_dev.update(r, e)[1] for e, r in enumerate(_records(train_dev=td, dev=dev), 1)].index(True) == 4


def test_an_epoch_at_chance_is_never_kept_over_one_that_learned():
    # dev loss is lowest at epoch 1, when the network still answers at chance (train error 0.88 of chance 0.9)
    es = EarlyStopping.for_fit(config.EarlyStopping(patience=5), ["dev"], _metric(), chance=0.9)
    records = _records(dev=[2.3, 2.4, 2.5, 2.35, 2.6], train_error=[0.88, 0.6, 0.3, 0.2, 0.1])
    kept = [es.update(r, e)[0] for e, r in enumerate(records, 1)]
    assert kept == [True, True, False, True, False] and es.best_epoch == 4
    # when no epoch learned, dev decides as usual
    es = EarlyStopping.for_fit(config.EarlyStopping(patience=5), ["dev"], _metric(), chance=0.9)
    for e, r in enumerate(_records(dev=[2.3, 2.2, 2.5], train_error=[0.9, 0.89, 0.9]), 1):
        es.update(r, e)
    assert es.best_epoch == 2


def test_monitor_names():
    assert parse_monitor("auto") == ("auto", False) and parse_monitor("metric") == ("auto", True)
    assert parse_monitor("train_dev") == ("train_dev", False) and parse_monitor("dev_metric") == ("dev", True)
    with pytest.raises(TrainingError, match="no train-dev split"):
        EarlyStopping.for_fit(config.EarlyStopping(monitor="train_dev"), ["dev"], _metric(), None)


def _metric():
    from tuneup.errors.metrics import get_metric

    return get_metric("accuracy", "multiclass")


def test_restores_the_best_epochs_weights_from_a_planted_dev_loss(monkeypatch):
    planted = {1: 0.9, 2: 0.5, 3: 0.7, 4: 0.8, 5: 0.95, 6: 0.6}  # best at epoch 2; stops at 5 (patience 3)
    snapshots = {}

    class Snap(Callback):
        def on_epoch_end(self, trainer, record):
            snapshots[record["epoch"]] = {k: v.clone() for k, v in trainer.model.state_dict().items()}

    real = Trainer.measure
    calls = {"n": 0}

    prepared = prepare(tuneup.load_config(WINE, {"train.early_stopping.patience": 3}))
    trainer = build(prepared)
    dev = prepared.tensors["dev"]

    def fake_measure(data):
        out = real(trainer, data)
        if data is not None and len(data) == len(dev) and data.x.data_ptr() == trainer._dev_ptr:
            calls["n"] += 1
            out["loss"] = planted[calls["n"]]
        return out

    trainer._dev_ptr = dev.to(trainer.device).x.data_ptr()
    monkeypatch.setattr(trainer, "measure", fake_measure)
    result = trainer.fit(prepared.tensors["train"], {"dev": dev}, callbacks=[Snap()])
    assert result.best_epoch == 2 and result.epochs_run == 5 and result.stopped_early
    final = trainer.model.state_dict()
    assert all(torch.equal(final[k], snapshots[2][k]) for k in final)
    assert not all(torch.equal(final[k], snapshots[5][k]) for k in final)


def test_best_weights_restored_also_without_stopping(monkeypatch):
    prepared, trainer, result = trained({"train.early_stopping.patience": 100, "train.epochs": 5})
    assert not result.stopped_early and result.epochs_run == 5
    best = min(result.history, key=lambda r: r["dev"]["loss"])
    again = trainer.measure(prepared.tensors["dev"])
    assert again["loss"] == pytest.approx(best["dev"]["loss"], rel=1e-5)


def test_eval_mode_makes_dropout_deterministic():
    prepared, trainer, _ = trained()
    dev = prepared.tensors["dev"]
    a, b = predict(trainer.model, trainer.head, dev), predict(trainer.model, trainer.head, dev)
    np.testing.assert_array_equal(a.proba, b.proba)
    trainer.model.train()
    with torch.no_grad():
        x = dev.inputs()[0]
        assert not torch.equal(trainer.model(x), trainer.model(x))  # dropout active in train mode


def test_same_seed_same_weights_other_seed_differs():
    _, a, _ = trained()
    _, b, _ = trained()
    _, c, _ = trained({"train.seed": 5})
    sa, sb, sc = a.model.state_dict(), b.model.state_dict(), c.model.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert not all(torch.equal(sa[k], sc[k]) for k in sa)


def test_train_error_measured_in_eval_mode_on_train():
    prepared, trainer, result = trained()
    last = result.history[-1]
    trainer_metric = trainer.measure(prepared.tensors["train"])
    assert set(last) >= {"epoch", "fit_loss", "lr", "train", "dev", "seconds"}
    assert last["train"]["error"] == pytest.approx(1 - last["train"]["metric"])
    assert trainer_metric["loss"] <= last["fit_loss"] + 0.5  # eval-mode loss is not the noisy dropout loss


def test_nan_loss_stops_with_a_clear_message():
    with pytest.raises(TrainingError, match=r"epoch 1: the training loss became nan.*lower learning rate.*grad_clip"):
        trained({"train.lr": 10.0, "train.optimizer": "sgd", "model.dropout": 0.0, "model.hidden": [512, 512]})


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop"])
@pytest.mark.parametrize("schedule", ["constant", "step", "cosine", "onecycle", "plateau"])
def test_optimizers_and_schedules_learn(optimizer, schedule):
    lr = {"sgd": 0.05, "rmsprop": 0.003}.get(optimizer, 0.01)
    _, _, result = trained({"train.optimizer": optimizer, "train.schedule": schedule, "train.lr": lr,
                            "train.epochs": 8, "train.early_stopping": None, "train.grad_clip": 5.0})
    assert result.history[-1]["dev"]["error"] < 0.5  # 3 classes: chance is ~0.6


def test_cuda_without_gpu_is_a_user_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(TrainingError, match="no CUDA GPU.*device: auto"):
        resolve_device("cuda")
    assert resolve_device("auto").type == "cpu"


def test_batch_of_one_with_batch_norm_is_skipped():
    prepared = prepare(tuneup.load_config(WINE, {"model.batch_norm": True}))
    n = len(prepared.tensors["train"])
    trainer = build(prepared, prepared.cfg.with_overrides({"train.batch_size": n - 1, "model.batch_norm": True}))
    result = trainer.fit(prepared.tensors["train"], {"dev": prepared.tensors["dev"]}, epochs=2)
    assert math.isfinite(result.history[-1]["fit_loss"])
