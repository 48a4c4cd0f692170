"""One epoch of the seeds' BNNet (784 -> 48 -> BN -> ReLU -> 24 -> BN -> ReLU -> 10) on 60,000 x 784
synthetic rows, batch 128, Adam, 2 threads:

  minimal     a hand-written loop over pre-loaded tensors (the reference)
  tuneup      tuneup's Trainer, including its per-epoch train-error measurement (eval mode, 10k sample)
  dataloader  the same loop fed by DataLoader(TensorDataset)
  lightning   Lightning's Trainer (pip install 'tuneup[bench]')

Variants alternate; each is timed --repeats times; medians are printed as ratios to the minimal loop.

    python bench/trainer.py [--repeats 5] [--rows 60000]
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import tuneup
from tuneup.data.encode import Tensors
from tuneup.errors.metrics import get_metric
from tuneup.models.heads import Head
from tuneup.models.nets import MLP
from tuneup.train.loop import Trainer


def bnnet(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return MLP(784, [48, 24], 10, batch_norm=True)


def data(rows: int):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(rows, 784, generator=g)
    w = torch.randn(784, 10, generator=g)
    y = (x @ w).argmax(1)
    return x, y


def minimal(x, y, bs=128):
    model = bnnet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    start = time.perf_counter()
    perm = torch.randperm(len(x))
    for i in range(0, len(x), bs):
        idx = perm[i : i + bs]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def dataloader(x, y, bs=128):
    model = bnnet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    start = time.perf_counter()
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True):
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def tuneup_trainer(x, y, bs=128):
    cfg = tuneup.load_config({"data": {"train": {"path": "builtin:digits"}},
                              "train": {"epochs": 1, "batch_size": bs, "checkpoint": False, "early_stopping": None}})
    metric = get_metric("accuracy")
    scorer = lambda out, yy: metric(yy.numpy(), out.pred, out.proba, "multiclass")  # noqa: E731
    trainer = Trainer(bnnet(), Head("multiclass", 10), cfg.train, metric, scorer, torch.device("cpu"))
    start = time.perf_counter()
    trainer.fit(Tensors(x, None, y), {}, epochs=1)
    return time.perf_counter() - start


def lightning(x, y, bs=128):
    try:
        import lightning as L
    except ImportError:
        return None

    class Module(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = bnnet()

        def training_step(self, batch, _):
            xb, yb = batch
            return F.cross_entropy(self.net(xb), yb)

        def configure_optimizers(self):
            return torch.optim.Adam(self.parameters(), lr=1e-3)

    trainer = L.Trainer(max_epochs=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False)
    loader = DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=True)
    start = time.perf_counter()
    trainer.fit(Module(), loader)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    torch.set_num_threads(2)
    import logging
    import warnings

    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    x, y = data(args.rows)
    variants = {"minimal": minimal, "tuneup": tuneup_trainer, "dataloader": dataloader, "lightning": lightning}
    for fn in variants.values():  # warm-up: allocator, kernels, imports
        fn(x[:5000], y[:5000])
    times: dict[str, list[float]] = {k: [] for k in variants}
    for _ in range(args.repeats):
        for name, fn in variants.items():
            t = fn(x, y)
            if t is not None:
                times[name].append(t)
    ref = statistics.median(times["minimal"])
    print(f"one epoch, {args.rows} x 784, BNNet, batch 128, Adam, {torch.get_num_threads()} threads, "
          f"median of {args.repeats}")
    print(f"{'variant':<12}{'seconds':>10}{'x minimal':>12}")
    for name, ts in times.items():
        if ts:
            m = statistics.median(ts)
            print(f"{name:<12}{m:>10.3f}{m / ref:>12.2f}")
        else:
            print(f"{name:<12}{'-':>10}{'(not installed)':>16}")


if __name__ == "__main__":
    main()
