"""Micro-batching: concurrent requests gathered into one model call.

The first request waits at most `max_wait_ms` for company; a batch closes early at `max_batch` rows.
While the model runs, new requests queue up and form the next batch, so under load batches fill
without waiting. One model call runs at a time, on its own thread, so the event loop keeps serving.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from tuneup.ship.inputs import concat, n_rows


@dataclass
class _Item:
    feeds: dict[str, np.ndarray]
    rows: int
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, run: Callable[[dict[str, np.ndarray]], np.ndarray], max_batch: int = 64,
                 max_wait_ms: float = 2.0, on_batch: Callable[[int, float], None] | None = None):
        self.run, self.max_batch, self.max_wait = run, max_batch, max_wait_ms / 1000.0
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Item] | None = None
        self._worker: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tuneup-model")

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._worker = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        self._pool.shutdown(wait=False)

    async def __call__(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        if self._loop is not asyncio.get_running_loop():  # driven without its lifespan (httpx's ASGI transport)
            await self.start()
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Item(feeds, n_rows(feeds), future))
        return await future

    async def _gather(self) -> list[_Item]:
        batch = [await self._queue.get()]
        rows = batch[0].rows
        deadline = time.monotonic() + self.max_wait
        while rows < self.max_batch:
            if self._queue.empty():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self._queue.get(), left)
                except TimeoutError:
                    break
            else:
                item = self._queue.get_nowait()
            batch.append(item)
            rows += item.rows
        return batch

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._gather()
            feeds = batch[0].feeds if len(batch) == 1 else concat([b.feeds for b in batch])
            start = time.perf_counter()
            try:
                out = await loop.run_in_executor(self._pool, self.run, feeds)
            except Exception as e:  # the callers get the error; the loop keeps serving
                for b in batch:
                    if not b.future.done():
                        b.future.set_exception(e)
                continue
            if self.on_batch is not None:
                self.on_batch(n_rows(feeds), time.perf_counter() - start)
            offset = 0
            for b in batch:
                if not b.future.done():  # a caller that went away
                    b.future.set_result(out[offset : offset + b.rows])
                offset += b.rows


class Direct:
    """No batching: every request is its own model call, on a thread pool (the reference to beat)."""

    def __init__(self, run: Callable[[dict[str, np.ndarray]], np.ndarray],
                 on_batch: Callable[[int, float], None] | None = None, threads: int = 8):
        self.run, self.on_batch = run, on_batch
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tuneup-model")

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._pool.shutdown(wait=False)

    def _timed(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        start = time.perf_counter()
        out = self.run(feeds)
        if self.on_batch is not None:
            self.on_batch(n_rows(feeds), time.perf_counter() - start)
        return out

    async def __call__(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._timed, feeds)
