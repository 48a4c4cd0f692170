"""`tuneup export` and `tuneup serve`."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tuneup.cli import app
from tuneup.cli._common import JsonOpt, emit_json, out, start


@app.command()
def export(
    run: Annotated[str, typer.Argument(help="A finished run (its folder or name).")],
    format: Annotated[str, typer.Option("--format", help="onnx (default) or torchscript.")] = "onnx",
    int8: Annotated[bool, typer.Option("--int8", help="Also an int8 (dynamically quantized) ONNX model.")] = False,
    prune: Annotated[float | None, typer.Option("--prune", help="Also a pruned model: remove this share of weights "
                                                 "(global magnitude pruning), then fine-tune briefly.")] = None,
    prune_epochs: Annotated[int, typer.Option(help="Fine-tuning epochs after pruning.", min=1)] = 3,
    web: Annotated[bool, typer.Option("--web", help="Also a static folder that runs the model in the browser.")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out", help="The export folder (default <run>/export).")] = None,
    tolerance: Annotated[float, typer.Option(help="The metric a variant may lose, overall and on any slice.")] = 0.01,
    min_slice: Annotated[int, typer.Option(help="Slices smaller than this are shown but not judged.", min=1)] = 30,
    json: JsonOpt = False,
) -> None:
    """Export to ONNX (or TorchScript), verify against PyTorch (linear, hgb: scikit-learn) on dev, compress, measure."""
    from tuneup.ship.export import export as do_export

    start(json)
    result = do_export(run, out_dir, format, int8, prune, web, tolerance, min_slice, prune_epochs)
    if json:
        emit_json(result.to_dict())
        return
    out.print(result)
    if result.metadata.get("web"):
        out.print(f"browser folder: {result.path / 'web'} (serve it statically: python -m http.server -d "
                  f"{result.path / 'web'})")
    out.print(f"export: {result.path}; next: tuneup serve {result.path}")


@app.command()
def serve(
    model: Annotated[str, typer.Argument(help="A run (folder or name) or an export folder.")],
    host: Annotated[str, typer.Option(help="Interface to listen on; 127.0.0.1 keeps it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    variant: Annotated[str, typer.Option(help="Which exported model to serve: fp32, int8 or pruned.")] = "fp32",
    api_key_env: Annotated[str | None, typer.Option("--api-key-env", help="Require the API key held in this "
                                                    "environment variable (X-API-Key header, or a browser's "
                                                    "HTTP Basic password) on every route but /health.")] = None,
    candidate: Annotated[str | None, typer.Option(help="A second model (run or export) for an A/B test.")] = None,
    candidate_variant: Annotated[str, typer.Option(help="The candidate's exported model.")] = "fp32",
    share: Annotated[float, typer.Option(help="The candidate's share of clients (sticky per X-Client-Id).")] = 0.1,
    batching: Annotated[bool, typer.Option(help="Micro-batch concurrent requests into one model call.")] = True,
    max_batch: Annotated[int, typer.Option(help="Micro-batching: most rows per model call.", min=1)] = 64,
    max_wait_ms: Annotated[float, typer.Option(help="Micro-batching: longest wait for company.", min=0)] = 2.0,
    log_dir: Annotated[Path | None, typer.Option(help="The prediction log folder "
                                                 "(default <runs>/serve-logs/<model version>).")] = None,
    log_max_mb: Annotated[float, typer.Option(help="Start a new log file past this size.", min=0.001)] = 50.0,
    max_body_mb: Annotated[float, typer.Option(help="Refuse request bodies larger than this.", min=0.001)] = 20.0,
    max_request_pixels: Annotated[int | None, typer.Option(
        help="Refuse requests whose images hold more pixels than this in all (decoding cost; default: "
             "four 40-megapixel photos).", min=1, show_default=False)] = None,
    open_docs: Annotated[bool, typer.Option("--open-docs", help="With an API key: let /docs and /openapi.json "
                                            "answer without it.")] = False,
) -> None:
    """Serve a model over REST (ONNX Runtime) with an upload page at /, until interrupted. With an API key,
    every route but /health needs it."""
    from tuneup.ship.serve import ServeOptions, api_key_from_env
    from tuneup.ship.serve import serve as do_serve

    options = ServeOptions(host=host, port=port, api_key=api_key_from_env(api_key_env), share=share,
                           batching=batching, max_batch=max_batch, max_wait_ms=max_wait_ms, log_dir=log_dir,
                           log_max_mb=log_max_mb, max_body_mb=max_body_mb, open_docs=open_docs,
                           **({"max_request_pixels": max_request_pixels} if max_request_pixels else {}))
    do_serve(model, candidate, variant, candidate_variant, options)
