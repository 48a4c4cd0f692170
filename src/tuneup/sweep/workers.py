"""`--workers W`: W processes on this machine share one study.

The parent splits the trials still missing into W quotas that add up exactly, so workers started
together neither lose nor duplicate trials; each worker also re-counts the study before every trial, so
other processes sharing it (another machine on PostgreSQL) are taken into account. Workers are spawned,
not forked: a fork would copy torch's threads and the parent's database connections.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import asdict

from tuneup import _progress
from tuneup.sweep import study as studies


def quotas(todo: int, workers: int) -> list[int]:
    """`todo` trials over `workers`: as even as possible, summing to `todo` exactly."""
    base, extra = divmod(todo, workers)
    return [base + (1 if i < extra else 0) for i in range(workers)]


def run_workers(setup, st, todo: int, workers: int, progress: bool) -> None:
    import multiprocessing

    from tuneup.sweep.runner import show_progress

    shares = [q for q in quotas(todo, workers) if q > 0]
    threads = max(1, (os.cpu_count() or 1) // len(shares))
    with _progress.task(f"sweep {setup.study} ({len(shares)} workers)", total=setup.trials) as bar, \
            ProcessPoolExecutor(len(shares), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(work, asdict(setup), q, i, threads) for i, q in enumerate(shares)]
        while True:
            done, pending = wait(futures, timeout=1.0, return_when=FIRST_EXCEPTION)
            if progress:
                show_progress(bar, st, setup.trials)
            if not pending or any(f.exception() for f in done):
                break
        for f in futures:
            f.result()  # a worker's error (a UserError keeps its message) surfaces here


def work(setup: dict, quota: int, index: int, threads: int) -> int:
    """A worker process: open the study and run up to `quota` trials."""
    import torch

    from tuneup.sweep.storage import StorageURL, open_storage
    from tuneup.sweep.runner import Setup, run_here

    torch.set_num_threads(threads)
    _progress.set_quiet(True)
    s = Setup(**setup)
    rdb = open_storage(StorageURL(s.storage, s.storage_shown, False))
    st = studies.load(s.study, rdb)
    time.sleep(0.05 * index)  # workers started together ask at slightly different moments
    return run_here(s, st, quota, worker=index + 1)
