"""One thread for scikit-learn's quick models: on a busy machine, OpenMP and BLAS threads spin-wait for
cores (boosting on 800 rows took 40 s with two threads, 2.5 s with one; a logistic regression on 1,000
images 22 s instead of 0.5 s)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def one_thread() -> Iterator[None]:
    """The limit only reaches libraries already loaded, so scikit-learn's OpenMP runtime is loaded first;
    torch's own OpenMP runtime (which scikit-learn can end up calling when torch was loaded first) takes its
    setting from torch.set_num_threads."""
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime the boosting models use)
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)
