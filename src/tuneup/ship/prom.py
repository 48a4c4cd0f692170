"""`GET /metrics`: Prometheus text for requests, latency, errors, predictions and batch sizes.

Each app has its own registry, so several servers (or tests) in one process never share counters.
"""
from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServerMetrics:
    def __init__(self):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("tuneup_requests", "HTTP requests answered", ["path", "method", "status"], registry=r)
        self.errors = Counter("tuneup_errors", "HTTP requests answered with a 4xx or 5xx status", ["path", "status"],
                              registry=r)
        self.latency = Histogram("tuneup_request_seconds", "Time to answer a request", ["path"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.predictions = Counter("tuneup_predictions", "Examples predicted", ["model", "variant"], registry=r)
        self.batch_rows = Histogram("tuneup_model_batch_rows", "Rows per model call (micro-batching)", ["variant"],
                                    buckets=BATCH_BUCKETS, registry=r)
        self.model_seconds = Histogram("tuneup_model_seconds", "Time of one model call", ["variant"],
                                       buckets=LATENCY_BUCKETS, registry=r)

    def on_batch(self, variant: str):
        def record(rows: int, seconds: float) -> None:
            self.batch_rows.labels(variant).observe(rows)
            self.model_seconds.labels(variant).observe(seconds)

        return record

    def text(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request by its route (unknown paths as 'other')."""

    def __init__(self, app, metrics: ServerMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.perf_counter(), 500

        async def capture(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "other"
            m = self.metrics
            m.requests.labels(path, scope["method"], str(status)).inc()
            m.latency.labels(path).observe(time.perf_counter() - start)
            if status >= 400:
                m.errors.labels(path, str(status)).inc()
