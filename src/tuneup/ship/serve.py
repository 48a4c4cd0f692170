"""`tuneup serve`: a REST API (FastAPI + uvicorn) and an upload page over an exported model.

    POST /predict    JSON rows (tables) or multipart image upload(s) -> label, probabilities, request id
    POST /feedback   {request_id, label}: ground truth, appended to the prediction log
    GET  /health     liveness;  GET /metadata: schema, labels, metric, version;  GET /metrics: Prometheus
    GET  /           the upload page;  /docs: OpenAPI docs

Inference runs in ONNX Runtime, micro-batched; uploads are decoded on worker threads, never on the event
loop. Every answer is logged (predlog.py). Bad input gets a 4xx with `{"error": ...}`; the server keeps
serving. With an API key, everything but /health needs it (X-API-Key, or HTTP Basic's password for a browser).
"""
# no `from __future__ import annotations`: FastAPI reads the request models from the annotations at runtime
import asyncio
import logging
import os
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Optional

import numpy as np

from tuneup.exceptions import UserError, shown
from tuneup.ship.ab import CANDIDATE, PRIMARY, Router
from tuneup.ship.bundle import Bundle
from tuneup.ship.http import RequestError
from tuneup.ship.uploads import MAX_PIXELS, MAX_REQUEST_PIXELS
from tuneup.runs import SERVE_LOGS

log = logging.getLogger("tuneup.serve")
PAGE = "page"
# the upload page runs its own scripts and styles and talks to this server only; a photo's preview is a blob:
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
MB = 1024 * 1024


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    api_key: Optional[str] = None
    share: float = 0.1  # the candidate's share of requests (A/B)
    batching: bool = True
    max_batch: int = 64
    max_wait_ms: float = 2.0
    log_dir: Optional[Path] = None  # default: <runs>/serve-logs/<model version>/
    log_max_mb: float = 50.0
    max_body_mb: float = 20.0
    max_files: int = 16
    max_rows: int = 1000
    max_pixels: int = MAX_PIXELS
    max_request_pixels: int = MAX_REQUEST_PIXELS  # all the images of one request together
    decode_threads: int = 0  # images are decoded on these, off the event loop; 0: min(4, CPUs)
    open_docs: bool = False  # with an API key: /docs and /openapi.json answer without it


def api_key_from_env(var: Optional[str]) -> Optional[str]:
    if var is None:
        return None
    key = os.environ.get(var, "")
    if not key:
        raise UserError(f"--api-key-env {var}: the environment variable {var} is not set or empty; "
                        f"export {var}=<a long random secret> first")
    return key


def log_folder(primary: Bundle, options: ServeOptions) -> Path:
    return Path(options.log_dir) if options.log_dir else primary.runs_dir / SERVE_LOGS / primary.version


def create_app(primary: Bundle, candidate: Optional[Bundle] = None, options: Optional[ServeOptions] = None):
    """The FastAPI app serving `primary` (and `candidate` for a share of requests)."""
    from fastapi import FastAPI

    from tuneup.ship.http import BodyLimit, KeyGate
    from tuneup.ship.predlog import PredictionLog
    from tuneup.ship.prom import RequestMetrics, ServerMetrics

    options = options or ServeOptions()
    if candidate is not None and candidate.signature() != primary.signature():
        raise UserError(f"the candidate {candidate.version} takes different inputs or answers a different task than "
                        f"{primary.version}; an A/B test needs two models of the same task and input schema")
    bundles = {PRIMARY: primary, **({CANDIDATE: candidate} if candidate is not None else {})}
    metrics = ServerMetrics()
    engines = {name: _engine(b, options, metrics.on_batch(name)) for name, b in bundles.items()}
    router = Router(options.share if candidate is not None else 0.0, salt=candidate.version if candidate else "")
    predlog = PredictionLog(log_folder(primary, options), int(options.log_max_mb * MB))
    decoder = _decoder(options) if primary.kind == "image" else None

    @asynccontextmanager
    async def lifespan(app):
        for e in engines.values():
            await e.start()
        yield
        for e in engines.values():
            await e.stop()
        if decoder is not None:
            decoder.shutdown(wait=False, cancel_futures=True)
        predlog.close()

    app = FastAPI(title=f"tuneup: {primary.version}", version=primary.version, lifespan=lifespan,
                  description=f"Predictions from {primary.version} ({primary.task}, {primary.kind}). "
                              "Upload page at /, Prometheus metrics at /metrics.")
    ctx = _Context(bundles, engines, router, predlog, metrics, options, decoder)
    _errors(app)
    _routes(app, ctx)
    app.add_middleware(BodyLimit, max_bytes=int(options.max_body_mb * MB))
    if options.api_key is not None:  # before the body is read: a stranger's upload costs nothing
        docs = {app.docs_url, app.openapi_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
        app.add_middleware(KeyGate, key=options.api_key,
                           open=frozenset({"/health"} | (docs - {None} if options.open_docs else set())))
    app.add_middleware(RequestMetrics, metrics=metrics)  # outermost: counts the 401s and 413s too
    app.state.tuneup = ctx
    return app


def _decoder(options: ServeOptions):
    """The threads uploads are decoded on: a 6000x6000 PNG takes about half a second, which on the event loop
    would hold up every other request, /health included (Pillow lets go of the GIL while it decodes)."""
    from concurrent.futures import ThreadPoolExecutor

    threads = options.decode_threads or min(4, os.cpu_count() or 1)
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="tuneup-decode")


def _engine(bundle: Bundle, options: ServeOptions, on_batch):
    from tuneup.ship.batching import Direct, MicroBatcher

    work = _batch_work(bundle)
    if options.batching:
        return MicroBatcher(work, options.max_batch, options.max_wait_ms, on_batch)
    return Direct(work, on_batch)


def _batch_work(bundle: Bundle):
    """What a batch does on the model thread, off the event loop: the model call; for images also the
    statistics the log keeps for monitoring, once for the whole batch -> (outputs, (N, 4) statistics)."""
    if bundle.kind != "image":
        return bundle.predict_batch
    from tuneup.data.shift import IMAGE_STATS, image_stats

    def work(payloads: list) -> tuple[np.ndarray, np.ndarray]:
        stats = image_stats(np.concatenate(payloads))[list(IMAGE_STATS)].to_numpy()
        return bundle.predict_batch(payloads), stats

    return work


@dataclass
class _Context:
    bundles: dict
    engines: dict
    router: Router
    predlog: Any
    metrics: Any
    options: ServeOptions
    decoder: Any = None  # concurrent.futures.Executor for image uploads

    @property
    def primary(self) -> Bundle:
        return self.bundles[PRIMARY]

    async def decode(self, uploads: list) -> list:
        """Decode inspected uploads on the decoder threads; the event loop stays free meanwhile."""
        from tuneup.ship.uploads import decode_upload

        schema, loop = self.primary.schema, asyncio.get_running_loop()
        jobs = [loop.run_in_executor(self.decoder, decode_upload, u, schema["height"], schema["channels"])
                for u in uploads]
        return list(await asyncio.gather(*jobs))

    async def answer(self, client: Optional[str], payload: Any, inputs: list, notes: list, started: float) -> dict:
        """Run the chosen model on the payload (rows or images), log every example, build the response."""
        variant = self.router.choose(client)
        bundle = self.bundles[variant]
        output = await self.engines[variant](payload, len(inputs))
        extras = [None] * len(inputs)
        if isinstance(output, tuple):  # images: (outputs, statistics per image) from the same batch
            output, extras = output
        if not np.isfinite(output).all():  # extreme inputs can overflow float32 inside the model
            bad = sorted({int(i) for i in np.argwhere(~np.isfinite(output))[:, 0]})
            raise RequestError(422, f"examples {bad} could not be scored: their values overflow the model's "
                                    "float32 arithmetic; check them for extreme numbers")
        results = bundle.describe(output)
        latency_ms = (time.perf_counter() - started) * 1000.0
        predictions = []
        for result, make_input, note, extra in zip(results, inputs, notes, extras):
            rid = uuid.uuid4().hex
            self.predlog.prediction(rid, bundle.version, variant, client, make_input(rid, extra), result, latency_ms)
            predictions.append({"request_id": rid, **result, "notes": note})
        self.metrics.predictions.labels(bundle.version, variant).inc(len(results))
        return {"model": bundle.version, "variant": variant, "predictions": predictions}

    def metadata(self) -> dict:
        b = self.primary
        m = b.metadata
        cand = self.bundles.get(CANDIDATE)
        o = self.options
        return {
            "model": b.version, "file": b.variant_file, "task": b.task, "kind": b.kind, "target": m.get("target"),
            "classes": b.classes, "positive_class": m.get("positive_class"), "threshold": b.threshold,
            "threshold_is": m.get("threshold_is"),
            "metric": m.get("metric"), "dev_metric": m.get("dev_metric"), "input": b.schema,
            "candidate": None if cand is None else {"model": cand.version, "file": cand.variant_file,
                                                    "share": self.router.share, "threshold": cand.threshold,
                                                    "threshold_is": cand.metadata.get("threshold_is")},
            "api_key_required": o.api_key is not None,
            "limits": {"max_body_mb": o.max_body_mb, "max_files": o.max_files, "max_rows": o.max_rows,
                       "max_pixels": o.max_pixels, "max_request_pixels": o.max_request_pixels},
            "batching": {"on": o.batching, "max_batch": o.max_batch, "max_wait_ms": o.max_wait_ms},
        }


def _errors(app) -> None:
    """Every refusal is JSON with one readable `error` line; nothing a client sends becomes a 500."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    @app.exception_handler(RequestError)
    async def refused(request, exc: RequestError):
        return JSONResponse({"error": str(exc)}, status_code=exc.status)

    @app.exception_handler(UserError)
    async def user_error(request, exc: UserError):
        return JSONResponse({"error": str(exc)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request, exc: RequestValidationError):
        errors = exc.errors()
        bad_json = any(e.get("type") == "json_invalid" for e in errors)
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in errors[:20]]
        ctx = request.app.state.tuneup
        return JSONResponse({"error": _explain(errors[0], ctx.primary, request.url.path), "detail": detail},
                            status_code=400 if bad_json else 422)

    @app.exception_handler(HTTPException)
    async def http_error(request, exc: HTTPException):
        message = str(exc.detail)
        if exc.status_code == 400 and message.startswith("There was an error parsing the body"):
            ctx = request.app.state.tuneup
            message = f"the body is not valid JSON (or not UTF-8 text); send {_body_of(request.url.path, ctx.primary)}"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crashed(request, exc: Exception):
        log.exception("internal error on %s", request.url.path)
        return JSONResponse({"error": "internal error (a bug in the server; it was logged)"}, status_code=500)


def _body_of(path: str, bundle: Bundle) -> str:
    """What `path` takes, for an error about a body it could not read."""
    if path == "/feedback":
        return '{"request_id": "<from the prediction>", "label": <the true label>}'
    if bundle.kind == "image":
        return "one or more images as multipart/form-data field 'files'"
    return '{"rows": [{column: value, ...}]}'


def _explain(error: dict, bundle: Bundle, path: str = "/predict") -> str:
    """A validation error as one line naming the field, e.g. `rows[0].age: Input should be a valid number`."""
    loc = [p for p in error.get("loc", ()) if p != "body"]
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{shown(p)[1:-1]}" for p in loc).lstrip(".") or "body"
    kind = error.get("type", "")
    if kind == "json_invalid":
        return f"the body is not valid JSON ({error.get('msg', '')}); send {_body_of(path, bundle)}"
    if kind == "extra_forbidden" and len(loc) >= 3 and loc[0] == "rows":
        names = ", ".join(c["name"] for c in bundle.schema.get("columns", []))
        return f"{where}: {shown(loc[-1])} is not a feature column of {bundle.version}; its columns are: {names}"
    if kind == "missing" and len(loc) >= 3 and loc[0] == "rows":
        return f"{where}: required (training had no missing values in this column)"
    if kind == "missing" and loc == ["files"]:
        return "no image: send one or more files as multipart/form-data field 'files'"
    return f"{where}: {error.get('msg', 'invalid')}"


def _secured(options: ServeOptions) -> list:
    """What the OpenAPI document says a route needs: the key, in either form `KeyGate` takes, when the server
    has one, else nothing. (The gate enforces it, for every route.)"""
    if options.api_key is None:
        return []
    from fastapi import Security
    from fastapi.security import APIKeyHeader
    from fastapi.security.http import HTTPBase

    header = APIKeyHeader(name="X-API-Key", auto_error=False, description="The server's API key.")
    # HTTPBase, not HTTPBasic: only declared here; HTTPBasic would refuse a malformed header the gate let by
    basic = HTTPBase(scheme="basic", auto_error=False, description="The API key as the password, any user name.")
    return [Security(header), Security(basic)]


def _routes(app, ctx: _Context) -> None:
    from fastapi import Header
    from fastapi.responses import HTMLResponse, Response
    from fastapi.staticfiles import StaticFiles

    from tuneup.ship.bodies import Feedback, PredictResponse

    secured = _secured(ctx.options)
    page_dir = resources.files("tuneup.ship") / PAGE
    app.mount("/page", StaticFiles(directory=str(page_dir)), name="page")
    started_at = time.time()

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse((page_dir / "index.html").read_text(encoding="utf-8"),
                            headers={"Content-Security-Policy": PAGE_POLICY})

    @app.get("/health", summary="Liveness: the model is loaded and answering")
    async def health() -> dict:
        cand = ctx.bundles.get(CANDIDATE)
        return {"status": "ok", "model": ctx.primary.version, "candidate": cand.version if cand else None,
                "uptime_s": round(time.time() - started_at, 3)}

    @app.get("/metadata", summary="Input schema, labels, metric and version", dependencies=secured)
    async def metadata() -> dict:
        return ctx.metadata()

    @app.get("/metrics", summary="Prometheus metrics", dependencies=secured, response_class=Response)
    async def metrics() -> Response:
        from tuneup.ship.prom import CONTENT_TYPE

        return Response(ctx.metrics.text(), media_type=CONTENT_TYPE)

    @app.post("/feedback", summary="Record the true label of an earlier prediction", dependencies=secured)
    async def feedback(body: Feedback) -> dict:
        label = _check_label(body.label, ctx.primary)
        ctx.predlog.feedback(body.request_id, label)
        return {"recorded": True, "request_id": body.request_id, "label": label}

    Client = Annotated[Optional[str], Header(alias="X-Client-Id", max_length=200,
                                             description="Sticky A/B routing: the same id always meets the same model.")]
    if ctx.primary.kind == "image":
        _image_route(app, ctx, Client, secured, PredictResponse)
    else:
        _table_route(app, ctx, Client, secured, PredictResponse)


def _table_route(app, ctx: _Context, Client, secured, PredictResponse) -> None:
    from tuneup.ship.bodies import predict_model

    Request = predict_model(ctx.primary.schema, ctx.options.max_rows)

    async def predict(body: Request, client: Client = None) -> PredictResponse:
        started = time.perf_counter()
        rows = [r.model_dump(by_alias=True) for r in body.rows]
        inputs = [(lambda rid, extra, r=r: r) for r in rows]
        # both models share the schema (checked at start); encoding happens per batch, off the event loop
        return await ctx.answer(client, rows, inputs, ctx.primary.unseen(rows), started)

    app.post("/predict", summary="Predict table rows", dependencies=secured, response_model=PredictResponse)(predict)


def _image_route(app, ctx: _Context, Client, secured, PredictResponse) -> None:
    from fastapi import File, UploadFile

    from tuneup.data.shift import IMAGE_STATS
    from tuneup.ship.uploads import check_total, inspect_image

    opts = ctx.options
    Files = Annotated[list[UploadFile], File(description="One or more images (PNG, JPEG, GIF, BMP, WEBP, TIFF).")]

    async def predict(files: Files, client: Client = None) -> PredictResponse:
        started = time.perf_counter()
        if len(files) > opts.max_files:
            raise RequestError(413, f"{len(files)} files in one request; send at most {opts.max_files}")
        uploads = [inspect_image(await f.read(), f.filename or f"files[{i}]", opts.max_pixels)
                   for i, f in enumerate(files)]
        check_total(uploads, opts.max_request_pixels)  # before any decoding: what the request may cost
        uploads = await ctx.decode(uploads)
        pixels = np.stack([u.pixels for u in uploads])  # (N, C, H, W) uint8

        def logged(u):
            def make(rid: str, stats: np.ndarray) -> dict:  # the statistics come with the model's batch
                path = ctx.predlog.save_image(rid, u.ext, u.data)
                return {"image": path, "width": u.width, "height": u.height,
                        "stats": dict(zip(IMAGE_STATS, map(float, stats)))}
            return make

        inputs = [logged(u) for u in uploads]
        return await ctx.answer(client, pixels, inputs, [[] for _ in uploads], started)

    app.post("/predict", summary="Predict uploaded images", dependencies=secured,
             response_model=PredictResponse)(predict)


def _check_label(label: Any, bundle: Bundle) -> Any:
    """The label as the model knows it, or a 422 naming the valid ones."""
    import math

    task, classes = bundle.task, bundle.classes
    if task == "regression":
        if isinstance(label, bool) or not isinstance(label, (int, float)) or not math.isfinite(label):
            raise RequestError(422, f"label: {bundle.version} predicts a number; send a finite number")
        return label
    by_text = {str(c): c for c in classes}
    given = label if isinstance(label, list) else [label]
    if task != "multilabel" and isinstance(label, list):
        raise RequestError(422, f"label: send one class, one of: {', '.join(by_text)}")
    unknown = [g for g in given if str(g) not in by_text]
    if unknown:
        raise RequestError(422, f"label: {shown(unknown[0])} is not a class of {bundle.version}; classes: {', '.join(by_text)}")
    known = [by_text[str(g)] for g in given]
    return known if task == "multilabel" else known[0]


def _freeze_startup_objects() -> None:
    """Everything loaded by now (libraries, models, the app) lives as long as the server. Moved out of the
    garbage collector's view, a full collection scans only what requests create: at 32 concurrent clients
    the table server's p99 fell from about 205 ms to about 55 ms (BENCHMARKS.md, Ship)."""
    import gc

    gc.collect()
    gc.freeze()


def serve(ref, candidate=None, variant: str = "fp32", candidate_variant: str = "fp32",
          options: Optional[ServeOptions] = None, runs_dir=None) -> None:
    """Load the model(s) and serve until interrupted."""
    import uvicorn

    from tuneup import _progress

    options = options or ServeOptions()
    primary = Bundle.load(ref, variant, runs_dir=runs_dir)
    second = Bundle.load(candidate, candidate_variant, runs_dir=runs_dir) if candidate is not None else None
    app = create_app(primary, second, options)
    if options.host not in ("127.0.0.1", "localhost", "::1") and options.api_key is None:
        _progress.warn(f"serving on {options.host} without an API key: anyone who can reach it can use it "
                       "(add --api-key-env VAR)")
    url = f"http://{options.host}:{options.port}"
    _progress.info(f"serving {primary.version} ({primary.variant_file}) on {url}: upload page {url}/, API docs "
                   f"{url}/docs; prediction log {log_folder(primary, options)}")
    if second is not None:
        _progress.info(f"A/B: {options.share:.0%} of clients go to {second.version} ({second.variant_file})")
    _freeze_startup_objects()
    uvicorn.run(app, host=options.host, port=options.port, log_level="warning", access_log=False)
