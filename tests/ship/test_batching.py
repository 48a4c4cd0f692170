"""Micro-batching gathers concurrent requests into fewer model calls and hands each caller its own rows."""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from tuneup.ship.batching import Direct, MicroBatcher


class Model:
    """Doubles its input, and remembers the batch sizes it was called with."""

    def __init__(self, fail_on: float | None = None):
        self.calls: list[int] = []
        self.fail_on = fail_on
        self.lock = threading.Lock()

    def __call__(self, payloads):
        x = np.concatenate([p["x"] for p in payloads])
        with self.lock:
            self.calls.append(len(x))
        if self.fail_on is not None and (x == self.fail_on).any():
            raise ValueError("bad row")
        return x[:, 0] * 2


def feeds(*values):
    return {"x": np.array([[v] for v in values], dtype=np.float32)}


async def _many(engine, requests):
    await engine.start()
    try:
        return await asyncio.gather(*(engine(f, len(f["x"])) for f in requests), return_exceptions=True)
    finally:
        await engine.stop()


def test_concurrent_requests_share_model_calls_and_keep_their_rows():
    model = Model()
    batcher = MicroBatcher(model, max_batch=64, max_wait_ms=20)
    requests = [feeds(i, i + 0.5) for i in range(40)]
    outs = asyncio.run(_many(batcher, requests))
    for i, out in enumerate(outs):
        np.testing.assert_array_equal(out, [2 * i, 2 * i + 1])
    assert sum(model.calls) == 80
    assert len(model.calls) < 10  # 40 requests, far fewer model calls


def test_a_batch_closes_at_max_batch_rows():
    model = Model()
    batcher = MicroBatcher(model, max_batch=8, max_wait_ms=50)
    asyncio.run(_many(batcher, [feeds(i) for i in range(20)]))
    assert max(model.calls) <= 8 and sum(model.calls) == 20


def test_a_failing_batch_fails_its_callers_and_the_batcher_keeps_serving():
    model = Model(fail_on=3.0)
    batcher = MicroBatcher(model, max_batch=2, max_wait_ms=0)

    async def scenario():
        await batcher.start()
        bad = await asyncio.gather(batcher(feeds(3.0), 1), return_exceptions=True)
        good = await batcher(feeds(5.0), 1)
        await batcher.stop()
        return bad[0], good

    bad, good = asyncio.run(scenario())
    assert isinstance(bad, ValueError)
    np.testing.assert_array_equal(good, [10.0])


def test_batch_sizes_are_reported():
    seen = []
    batcher = MicroBatcher(Model(), max_batch=64, max_wait_ms=20, on_batch=lambda rows, s: seen.append(rows))
    asyncio.run(_many(batcher, [feeds(i) for i in range(10)]))
    assert sum(seen) == 10


def test_direct_calls_the_model_once_per_request():
    model = Model()
    outs = asyncio.run(_many(Direct(model), [feeds(i) for i in range(12)]))
    assert sorted(model.calls) == [1] * 12
    assert [float(o[0]) for o in outs] == [2.0 * i for i in range(12)]


@pytest.mark.parametrize("wait", [0.0, 5.0])
def test_a_lone_request_is_answered(wait):
    outs = asyncio.run(_many(MicroBatcher(Model(), max_wait_ms=wait), [feeds(7)]))
    np.testing.assert_array_equal(outs[0], [14.0])


def test_a_lone_client_never_waits_for_company():
    """max_wait is a minute: a lone request answered at all within the 5 s guard did not wait for it."""
    batcher = MicroBatcher(Model(), max_batch=64, max_wait_ms=60_000)

    async def lone():
        await batcher.start()
        outs = [await asyncio.wait_for(batcher(feeds(i), 1), timeout=5) for i in range(3)]
        await batcher.stop()
        return outs

    assert [float(o[0]) for o in asyncio.run(lone())] == [0.0, 2.0, 4.0]
