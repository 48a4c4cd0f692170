"""Serving under load, micro-batching on vs off; and one model call in ONNX Runtime (fp32, int8) vs PyTorch.

    python bench/serve.py                                   # trains a small digits CNN first (about a minute)
    python bench/serve.py --run tuneup-runs/digits-001 --seconds 10 --clients 1,8,32,128

A real `tuneup serve` runs in its own process on a free loopback port; the load comes from another
process: N clients, each on its own keep-alive connection, sending the next request as soon as the last
is answered (closed loop). Reported: throughput (requests/s) and p50/p99 latency per concurrency, and the
batched/unbatched throughput ratio measured in the same run. Target (issue 9): >= 3x at 32 clients with
p99 <= 100 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()


# ---- the load generator (runs in its own process) -------------------------------------------------
async def _client(host: str, port: int, request: bytes, stop: float, lat: list, bad: list) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            await reader.readexactly(length)
            (lat if status == 200 else bad).append(time.perf_counter() - start)
    finally:
        writer.close()


async def _load(host: str, port: int, request: bytes, clients: int, seconds: float, warmup: float) -> dict:
    await asyncio.gather(*(_client(host, port, request, time.perf_counter() + warmup, [], []) for _ in range(clients)))
    lat: list[float] = []
    bad: list[float] = []
    start = time.perf_counter()
    await asyncio.gather(*(_client(host, port, request, start + seconds, lat, bad) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    ms = np.array(lat) * 1000
    return {"clients": clients, "requests": len(lat), "errors": len(bad), "seconds": elapsed,
            "throughput": len(lat) / elapsed, "p50_ms": float(np.percentile(ms, 50)) if len(ms) else None,
            "p99_ms": float(np.percentile(ms, 99)) if len(ms) else None}


def load_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--request", type=Path, required=True)
    p.add_argument("--clients", type=int, required=True)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--warmup", type=float, default=1.0)
    a = p.parse_args(argv)
    result = asyncio.run(_load("127.0.0.1", a.port, a.request.read_bytes(), a.clients, a.seconds, a.warmup))
    print(json.dumps(result))


# ---- requests --------------------------------------------------------------------------------------
def image_request(port: int, png: bytes) -> bytes:
    boundary = "tuneupbench"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"digit.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
    head = (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: multipart/form-data; "
            f"boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return head + body


def table_request(port: int, row: dict) -> bytes:
    body = json.dumps({"rows": [row]}).encode()
    return (f"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def sample(run) -> tuple[str, object]:
    """One dev example as the client would send it."""
    ds = run.data()
    i = int(np.flatnonzero(run.splits.aligned_to(ds.ids).mask("dev"))[0])
    if ds.kind == "image":
        from PIL import Image

        buf = io.BytesIO()
        Image.fromarray(ds.images[i][0] if ds.images.shape[1] == 1 else ds.images[i].transpose(1, 2, 0)).save(buf, "PNG")
        return "image", buf.getvalue()
    row = json.loads(ds.features.iloc[[i]].to_json(orient="records"))[0]
    return "table", row


# ---- the server --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(export_dir: Path, batching: bool, logs: Path) -> tuple[subprocess.Popen, int]:
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "tuneup", "serve", str(export_dir), "--port", str(port), "--log-dir", str(logs),
           "--batching" if batching else "--no-batching"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def load(port: int, request: bytes, clients: int, seconds: float, folder: Path) -> dict:
    path = folder / "request.bin"
    path.write_bytes(request)
    out = subprocess.run([sys.executable, str(HERE), "load", "--port", str(port), "--request", str(path),
                          "--clients", str(clients), "--seconds", str(seconds)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


# ---- one model call: ONNX Runtime vs PyTorch eager -----------------------------------------------------
def engines(run, export_dir: Path) -> list[dict]:
    """Median latency of one call, every engine on one thread: on a shared machine, more threads measure
    the neighbours' load more than the engine."""
    import torch

    from tuneup.ship import graph, latency
    from tuneup.ship.evaluate import eval_set

    data = eval_set(run, "dev")
    module = graph.InferenceModule(run.load_model(), run.encoder).eval()

    def eager(feeds):
        with torch.inference_mode():
            return module(*[torch.from_numpy(v) for v in feeds.values()])

    calls = {"PyTorch eager (fp32)": eager,
             "ONNX Runtime fp32": latency.onnx_call(latency.session(export_dir / "model.onnx", threads=1)),
             "ONNX Runtime int8": latency.onnx_call(latency.session(export_dir / "model.int8.onnx", threads=1))}
    rows = []
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for name, call in calls.items():
            rows.append({"engine": name, **{f"batch_{b}_ms": latency.median_ms(call, data.feeds, b) for b in (1, 64)}})
    finally:
        torch.set_num_threads(previous)
    return rows


def train_small(folder: Path):
    import tuneup

    cfg = tuneup.demo_config(epochs=5, runs_dir=str(folder / "runs"))
    return tuneup.run(cfg, name="bench-digits", progress=False)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", help="a finished run (default: train a small digits CNN)")
    p.add_argument("--clients", default="1,8,32,128")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--repeats", type=int, default=3, help="off/on rounds, interleaved; medians are reported")
    p.add_argument("--json", action="store_true", help="print the results as one JSON document")
    a = p.parse_args()
    from tuneup import _progress
    from tuneup.runs import Run
    from tuneup.ship.export import export

    _progress.set_quiet(True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run = Run.open(a.run) if a.run else train_small(folder)
        export_dir = export(run, folder / "export", int8=True).path
        engine_rows = engines(run, export_dir)
        kind, payload = sample(run)
        rounds = []
        load_before = os.getloadavg()[0]
        for r in range(a.repeats):  # off, on, off, on, ...: drift in the machine's load hits both alike
            for batching in (False, True):
                proc, port = start_server(export_dir, batching, folder / f"logs-{r}-{batching}")
                try:
                    request = image_request(port, payload) if kind == "image" else table_request(port, payload)
                    for clients in map(int, a.clients.split(",")):
                        rounds.append({"batching": batching, **load(port, request, clients, a.seconds, folder)})
                finally:
                    proc.terminate()
                    proc.wait(15)
    report = {"run": run.name, "kind": kind, "cpus": os.cpu_count(), "engines": engine_rows,
              "load_average": [load_before, os.getloadavg()[0]], "repeats": a.repeats,
              "serving": medians(rounds), "rounds": rounds}
    if a.json:
        print(json.dumps(report, indent=2))
        return
    print_report(report)


def medians(rounds: list[dict]) -> list[dict]:
    """Per (batching, clients): the median of each figure over the rounds."""
    keys = sorted({(x["batching"], x["clients"]) for x in rounds})
    out = []
    for batching, clients in keys:
        same = [x for x in rounds if (x["batching"], x["clients"]) == (batching, clients)]
        out.append({"batching": batching, "clients": clients, "errors": sum(x["errors"] for x in same),
                    **{k: float(np.median([x[k] for x in same])) for k in ("throughput", "p50_ms", "p99_ms")}})
    return out


def print_report(r: dict) -> None:
    print(f"model {r['run']} ({r['kind']}), {r['cpus']} CPUs, load average {r['load_average'][0]:.1f} before and "
          f"{r['load_average'][1]:.1f} after; medians of {r['repeats']} interleaved rounds\n")
    print(f"{'one model call (median, 1 thread)':28} {'batch 1':>10} {'batch 64':>10} {'vs eager @1':>12} {'vs eager @64':>13}")
    eager = r["engines"][0]
    for e in r["engines"]:
        print(f"{e['engine']:28} {e['batch_1_ms']:8.3f}ms {e['batch_64_ms']:8.2f}ms "
              f"{eager['batch_1_ms'] / e['batch_1_ms']:11.2f}x {eager['batch_64_ms'] / e['batch_64_ms']:12.2f}x")
    print(f"\n{'clients':>7} {'batching':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'batched/unbatched':>18}")
    off = {s["clients"]: s for s in r["serving"] if not s["batching"]}
    for s in sorted(r["serving"], key=lambda s: (s["clients"], s["batching"])):
        ratio = f"{s['throughput'] / off[s['clients']]['throughput']:.2f}x" if s["batching"] else ""
        print(f"{s['clients']:7d} {'on' if s['batching'] else 'off':>9} {s['throughput']:8.1f} {s['p50_ms']:8.1f} "
              f"{s['p99_ms']:8.1f} {s['errors']:7d} {ratio:>18}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "load":
        load_main(sys.argv[2:])
    else:
        main()
