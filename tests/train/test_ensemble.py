import pytest
import torch

import tuneup
from tuneup.exceptions import TrainingError
from tuneup.train.ensemble import EnsembleTrainer, compatible
from tuneup.pipeline import build, prepare

BASE = {"name": "wine", "data": {"train": {"path": "builtin:wine"}},
        "model": {"hidden": [16, 8], "batch_norm": True}, "train": {"epochs": 5, "batch_size": 16}}
MEMBERS = [
    {"train.lr": 0.01},
    {"train.lr": 0.003, "train.weight_decay": 0.01, "train.seed": 3},
    {"train.lr": 0.02, "train.grad_clip": 0.5, "train.schedule": {"kind": "step", "step_size": 2}},
    {"train.lr": 0.01, "train.schedule": "cosine", "train.early_stopping.patience": 1, "train.seed": 7},
]


def train_both(base, cfg_overrides):
    prepared = prepare(tuneup.load_config(base))
    cfgs = [prepared.cfg.with_overrides({**m, **cfg_overrides}) for m in MEMBERS]
    alone = []
    for cfg in cfgs:
        trainer = build(prepared, cfg)
        alone.append((trainer.model, trainer.fit(prepared.tensors["train"], {"dev": prepared.tensors["dev"]})))
    trainers = [build(prepared, cfg) for cfg in cfgs]
    ens = EnsembleTrainer([t.model for t in trainers], trainers[0].head, [c.train for c in cfgs], prepared.metric,
                          prepared.scorer(), torch.device("cpu"))
    return alone, ens.fit(prepared.tensors["train"], {"dev": prepared.tensors["dev"]}), ens.models


@pytest.mark.parametrize("optimizer", ["adam", "adamw", "sgd", "rmsprop"])
def test_ensemble_matches_training_one_by_one(optimizer):
    extra = {"train.optimizer": optimizer, "model.batch_norm": False}
    if optimizer == "sgd":
        extra["train.nesterov"] = True
    alone, results, models = train_both(BASE, extra)
    for (model, result), together, mine in zip(alone, results, models):
        assert together.epochs_run == result.epochs_run and together.best_epoch == result.best_epoch
        a, b = model.state_dict(), mine.state_dict()
        for k in a:
            assert torch.allclose(a[k], b[k], atol=1e-5), k
        assert [r["dev"]["loss"] for r in together.history] == pytest.approx([r["dev"]["loss"] for r in result.history], rel=1e-4)


def test_ensemble_with_batch_norm_agrees_in_loss():
    alone, results, _ = train_both(BASE, {})
    for (_, result), together in zip(alone, results):
        assert together.best_epoch == result.best_epoch
        assert [r["dev"]["loss"] for r in together.history] == pytest.approx([r["dev"]["loss"] for r in result.history], rel=0.02)


def test_incompatible_members_are_refused():
    prepared = prepare(tuneup.load_config(BASE))
    a = prepared.cfg.train
    assert compatible([a, a.model_copy(update={"batch_size": 32})]) == "members differ in batch_size"
    assert "one-cycle" in compatible([a, a.model_copy(update={"schedule": a.schedule.model_copy(update={"kind": "onecycle"})})])
    with pytest.raises(TrainingError, match="cannot train as one ensemble"):
        EnsembleTrainer([build(prepared).model], build(prepared).head, [a], prepared.metric, prepared.scorer(), torch.device("cpu"))


def test_augmentation_and_importance_weights_match_training_one_by_one():
    """The members see the augmented batches (their own draws, in the Trainer's order) and the weighted
    loss their Trainers would: the same weights at the end."""
    from tuneup.data.encode import Tensors

    base = {**BASE, "model": {"hidden": [16, 8]},
            "train": {**BASE["train"], "augment": [{"name": "noise", "std": 0.3, "p": 0.7}, "mixup"]}}
    prepared = prepare(tuneup.load_config(base))
    cfgs = [prepared.cfg.with_overrides(m) for m in MEMBERS[:2]]
    t = prepared.tensors["train"]
    w = torch.rand(len(t), generator=torch.Generator().manual_seed(0)) + 0.5
    train = Tensors(t.x, t.x_cat, t.y, t.ids, w)
    alone = []
    for cfg in cfgs:
        trainer = build(prepared, cfg)
        trainer.fit(train, {"dev": prepared.tensors["dev"]})
        alone.append(trainer.model)
    trainers = [build(prepared, cfg) for cfg in cfgs]
    assert trainers[0].augmenter
    ens = EnsembleTrainer([t.model for t in trainers], trainers[0].head, [c.train for c in cfgs], prepared.metric,
                          prepared.scorer(), torch.device("cpu"), augmenter=trainers[0].augmenter)
    ens.fit(train, {"dev": prepared.tensors["dev"]})
    for a, b in zip(alone, ens.models):
        for k, v in a.state_dict().items():
            assert torch.allclose(v, b.state_dict()[k], atol=1e-5), k
    first = lambda model: next(iter(model.parameters())).detach()  # noqa: E731
    for weights, augmenter in ((None, trainers[0].augmenter), (w, None)):  # either left out: other weights
        other = EnsembleTrainer([build(prepared, c).model for c in cfgs], trainers[0].head, [c.train for c in cfgs],
                                prepared.metric, prepared.scorer(), torch.device("cpu"), augmenter)
        other.fit(Tensors(t.x, t.x_cat, t.y, t.ids, weights), {"dev": prepared.tensors["dev"]})
        assert not torch.allclose(first(other.models[0]), first(ens.models[0]), atol=1e-4)


@pytest.mark.parametrize("optimizer", ["adam", "adamw"])
def test_a_member_that_stops_early_stays_as_it_was(optimizer, monkeypatch):
    """After one member is done, the others step on without it (the per-parameter path of the vector
    optimizer, beside the flat one while everyone moves): all still match training one by one."""
    monkeypatch.setitem(MEMBERS[1], "train.epochs", 2)
    alone, results, models = train_both(BASE, {"train.optimizer": optimizer, "model.batch_norm": False})
    assert [r.epochs_run for r in results] == [5, 2, 5, 5]
    for (model, result), mine in zip(alone, models):
        a, b = model.state_dict(), mine.state_dict()
        for k in a:
            assert torch.allclose(a[k], b[k], atol=1e-5), k
