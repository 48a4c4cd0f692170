"""8 BNNet-size members (784 -> 48 -> BN -> ReLU -> 24 -> BN -> ReLU -> 10) with different learning
rates, weight decays and seeds: trained together as one vectorised ensemble (torch.func.vmap) vs one
after another with tuneup's Trainer, on the same data and epochs. Alternating, median of --repeats.

    python bench/ensemble.py [--members 8] [--rows 20000] [--epochs 2] [--repeats 3] [--device cpu|cuda]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import tuneup
from tuneup.data.encode import Tensors
from tuneup.errors.metrics import get_metric
from tuneup.models.heads import Head
from tuneup.models.nets import MLP
from tuneup.train.ensemble import EnsembleTrainer
from tuneup.train.loop import Trainer


def configs(members: int, epochs: int):
    base = tuneup.load_config({"data": {"train": {"path": "builtin:digits"}},
                               "train": {"epochs": epochs, "batch_size": 128, "checkpoint": False}})
    return [base.train.model_copy(update={"lr": 1e-3 * (1.5 ** (i % 4)), "weight_decay": 1e-4 * (i % 3),
                                          "seed": i}) for i in range(members)]


def models(cfgs):
    out = []
    for c in cfgs:
        torch.manual_seed(c.seed)
        out.append(MLP(784, [48, 24], 10, batch_norm=True))
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--members", type=int, default=8)
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args()
    torch.set_num_threads(2)
    device = torch.device(args.device)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(args.rows, 784, generator=g)
    y = (x @ torch.randn(784, 10, generator=g)).argmax(1)
    train, dev = Tensors(x, None, y).to(device), Tensors(x[:2000], None, y[:2000]).to(device)
    metric = get_metric("accuracy")
    scorer = lambda out, yy: metric(yy.cpu().numpy(), out.pred, out.proba, "multiclass")  # noqa: E731
    cfgs = configs(args.members, args.epochs)

    def one_by_one() -> float:
        start = time.perf_counter()
        for c, m in zip(cfgs, models(cfgs)):
            Trainer(m, Head("multiclass", 10), c, metric, scorer, device).fit(train, {"dev": dev})
        return time.perf_counter() - start

    def together() -> float:
        start = time.perf_counter()
        EnsembleTrainer(models(cfgs), Head("multiclass", 10), cfgs, metric, scorer, device).fit(train, {"dev": dev})
        return time.perf_counter() - start

    one_by_one(), together()  # warm-up
    times = {"one by one": [], "ensemble": []}
    for _ in range(args.repeats):
        times["one by one"].append(one_by_one())
        times["ensemble"].append(together())
    ref = statistics.median(times["one by one"])
    print(f"{args.members} BNNet members, {args.rows} x 784, {args.epochs} epochs, batch 128, Adam, "
          f"{device}{'' if device.type == 'cuda' else f', {torch.get_num_threads()} threads'}, median of {args.repeats}")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"{name:<12}{m:>9.2f} s   speed-up x{ref / m:.2f}")


if __name__ == "__main__":
    main()
