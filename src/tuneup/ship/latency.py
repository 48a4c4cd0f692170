"""Latency of one model call on this CPU: the median of many, after a warm-up."""
from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from tuneup.ship.inputs import n_rows, take

BATCHES = (1, 64)


def batch_of(feeds: dict[str, np.ndarray], size: int) -> dict[str, np.ndarray]:
    """The first `size` rows, repeated when there are fewer."""
    idx = np.arange(size) % n_rows(feeds)
    return take(feeds, idx)


def median_ms(call: Callable[[dict[str, np.ndarray]], object], feeds: dict[str, np.ndarray], size: int,
              repeats: int | None = None, warmup: int = 5) -> float:
    """Median wall time of `call(batch)` in milliseconds; more repeats for small batches."""
    batch = batch_of(feeds, size)
    repeats = repeats or (200 if size == 1 else 30)
    for _ in range(warmup):
        call(batch)
    times = np.empty(repeats)
    for i in range(repeats):
        start = time.perf_counter()
        call(batch)
        times[i] = time.perf_counter() - start
    return float(np.median(times) * 1000.0)


def session(path, threads: int = 0, spin: bool = True):
    """An ONNX Runtime CPU session (`threads` 0: ONNX Runtime's default, every core). `spin=False` stops
    idle worker threads from busy-waiting for the next call: a server needs those cycles for its requests."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    if not spin:
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3  # quantized graphs warn about shape inference; the numbers are what matter
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def onnx_call(sess) -> Callable[[dict[str, np.ndarray]], np.ndarray]:
    return lambda feeds: sess.run(None, feeds)[0]
