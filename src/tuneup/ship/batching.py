"""Micro-batching: concurrent requests gathered into one model call.

A batch takes whatever is queued; when the previous batch held more than one request (there is
concurrency to gather), the first request also waits up to `max_wait_ms` for company. A lone client
therefore never waits. A batch closes early at `max_batch` rows. While the model runs, new requests
queue up and form the next batch, so under load batches fill without waiting. A batch is prepared (encoded) and run on one worker thread, off the event loop, so
per-call costs (building a frame, encoding columns, calling ONNX Runtime) are paid once per batch.

`run(payloads)` takes the requests' payloads in order and returns one output row per example, in the
same order (or a tuple of such arrays: the image server's statistics ride along); each request gets its
own rows back.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

Output = np.ndarray | tuple[np.ndarray, ...]  # one row per example; a tuple: several row-aligned arrays
Run = Callable[[list[Any]], Output]


def _first(out: Output) -> np.ndarray:
    return out[0] if isinstance(out, tuple) else out


def _rows(out: Output, start: int, stop: int) -> Output:
    return tuple(o[start:stop] for o in out) if isinstance(out, tuple) else out[start:stop]


@dataclass
class _Item:
    payload: Any
    rows: int
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, run: Run, max_batch: int = 64, max_wait_ms: float = 2.0,
                 on_batch: Callable[[int, float], None] | None = None):
        self.run, self.max_batch, self.max_wait = run, max_batch, max_wait_ms / 1000.0
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Item] | None = None
        self._worker: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last = 1  # requests in the previous batch
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

    async def __call__(self, payload: Any, rows: int) -> Output:
        if self._loop is not asyncio.get_running_loop():  # driven without its lifespan (httpx's ASGI transport)
            await self.start()
        future = self._loop.create_future()
        self._queue.put_nowait(_Item(payload, rows, future))
        return await future

    async def _gather(self) -> list[_Item]:
        batch = [await self._queue.get()]
        rows = batch[0].rows
        deadline = time.monotonic() + (self.max_wait if self._last > 1 else 0.0)
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
        self._last = len(batch)
        return batch

    def _timed(self, payloads: list[Any]) -> Output:
        start = time.perf_counter()
        out = self.run(payloads)
        if self.on_batch is not None:
            self.on_batch(len(_first(out)), time.perf_counter() - start)
        return out

    async def _serve(self) -> None:
        while True:
            batch = await self._gather()
            try:
                out = await self._loop.run_in_executor(self._pool, self._timed, [b.payload for b in batch])
            except Exception as e:  # the callers get the error; the loop keeps serving
                for b in batch:
                    if not b.future.done():
                        b.future.set_exception(e)
                continue
            offset = 0
            for b in batch:
                if not b.future.done():  # a caller that went away
                    b.future.set_result(_rows(out, offset, offset + b.rows))
                offset += b.rows


class Direct:
    """No batching: every request is its own model call, on a thread pool (the reference to beat)."""

    def __init__(self, run: Run, on_batch: Callable[[int, float], None] | None = None, threads: int = 8):
        self.run, self.on_batch = run, on_batch
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tuneup-model")

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        self._pool.shutdown(wait=False)

    def _timed(self, payload: Any) -> Output:
        start = time.perf_counter()
        out = self.run([payload])
        if self.on_batch is not None:
            self.on_batch(len(_first(out)), time.perf_counter() - start)
        return out

    async def __call__(self, payload: Any, rows: int) -> Output:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._timed, payload)
