"""/health while the image server decodes large uploads: is the event loop free?

    python bench/serve_decode.py                        # trains a small digits CNN first (about a minute)
    python bench/serve_decode.py --run tuneup-runs/digits-001 --uploads 16 --size 6000 --rounds 3

A real `tuneup serve` (an image model) runs in its own process. The load: `--uploads` clients at once, each
posting one all-zero `--size` x `--size` PNG (a few kB on the wire, 36 megapixels to decode at 6000) again as
soon as it is answered. Meanwhile another client asks GET /health every 20 ms. Reported: /health latency
(median, p90, max) with the server idle (the reference, measured in the same run) and under the decoding
load, their ratio, and how many uploads were decoded per second. Target (issue 16): /health within 100 ms
under 16 concurrent 6000x6000 uploads.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve import start_server, train_small  # bench/serve.py, beside this file


def blank_png(size: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (size, size)).save(buf, "PNG")
    return buf.getvalue()


def health_latencies(url: str, seconds: float, every: float = 0.02) -> list[float]:
    import httpx

    out = []
    with httpx.Client(timeout=30) as client:
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            start = time.perf_counter()
            client.get(f"{url}/health").raise_for_status()
            out.append(time.perf_counter() - start)
            time.sleep(every)
    return out


def uploads_meanwhile(url: str, png: bytes, clients: int, stop: threading.Event, done: list, bad: list) -> list:
    import httpx

    def client() -> None:
        with httpx.Client(timeout=120) as c:
            while not stop.is_set():
                r = c.post(f"{url}/predict", files=[("files", ("big.png", png, "image/png"))])
                (done if r.status_code == 200 else bad).append(r.status_code)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    return threads


def summary(lat: list[float]) -> dict:
    ms = np.array(lat) * 1000
    return {"n": len(ms), "median_ms": float(np.median(ms)), "p90_ms": float(np.percentile(ms, 90)),
            "max_ms": float(ms.max())}


def measure(url: str, png: bytes, clients: int, seconds: float) -> dict:
    idle = summary(health_latencies(url, seconds / 2))
    stop, done, bad = threading.Event(), [], []
    threads = uploads_meanwhile(url, png, clients, stop, done, bad)
    time.sleep(1.0)  # every client has an upload in flight
    start, before = time.perf_counter(), len(done)
    loaded = summary(health_latencies(url, seconds))
    rate = (len(done) - before) / (time.perf_counter() - start)
    stop.set()
    for t in threads:
        t.join(180)
    return {"idle": idle, "loaded": loaded, "uploads_per_s": rate, "errors": len(bad),
            "ratio_median": loaded["median_ms"] / idle["median_ms"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", help="a finished image run (default: train a small digits CNN)")
    p.add_argument("--uploads", type=int, default=16, help="concurrent uploading clients")
    p.add_argument("--size", type=int, default=6000, help="the PNGs' width and height")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rounds", type=int, default=3, help="rounds; medians are reported")
    p.add_argument("--no-batching", action="store_true", help="serve with micro-batching off")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    from tuneup import _progress
    from tuneup.runs import Run
    from tuneup.ship.export import export

    _progress.set_quiet(True)
    png = blank_png(a.size)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        run = Run.open(a.run) if a.run else train_small(folder)
        export_dir = export(run, folder / "export").path
        load_before = os.getloadavg()[0]
        proc, port = start_server(export_dir, not a.no_batching, folder / "logs")
        url = f"http://127.0.0.1:{port}"
        try:
            rounds = [measure(url, png, a.uploads, a.seconds) for _ in range(a.rounds)]
        finally:
            proc.terminate()
            proc.wait(15)
    report = {"run": run.name, "cpus": os.cpu_count(), "load_average": [load_before, os.getloadavg()[0]],
              "uploads": a.uploads, "size": a.size, "png_bytes": len(png), "rounds": rounds}
    if a.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{a.uploads} clients posting one {a.size}x{a.size} all-zero PNG ({len(png):,} bytes) each, again and "
          f"again; {report['cpus']} CPUs, load average {load_before:.1f} before, "
          f"{report['load_average'][1]:.1f} after\n")
    print(f"{'round':>5} {'idle median':>12} {'loaded median':>14} {'loaded p90':>11} {'loaded max':>11} "
          f"{'x idle':>7} {'uploads/s':>10} {'errors':>7}")
    for i, r in enumerate(rounds):
        print(f"{i + 1:5d} {r['idle']['median_ms']:10.1f}ms {r['loaded']['median_ms']:12.1f}ms "
              f"{r['loaded']['p90_ms']:9.1f}ms {r['loaded']['max_ms']:9.1f}ms {r['ratio_median']:6.2f}x "
              f"{r['uploads_per_s']:10.2f} {r['errors']:7d}")
    med = {k: float(np.median([r["loaded"][k] for r in rounds])) for k in ("median_ms", "p90_ms", "max_ms")}
    print(f"\nmedians over rounds, /health under load: median {med['median_ms']:.1f} ms, p90 {med['p90_ms']:.1f} ms, "
          f"max {med['max_ms']:.1f} ms (target: within 100 ms)")


if __name__ == "__main__":
    main()
