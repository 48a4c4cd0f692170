"""`tuneup serve` under what a careful tester throws at it, against a real uvicorn: a run whose export went
stale is served with the variant asked for (every variant kept); 128 concurrent clients and a bounded fuzzing
run from the OpenAPI schema get no 5xx, and every prediction answered is in the prediction log, once."""
from __future__ import annotations

import asyncio
import json
import os
import shutil

import httpx
import pytest

from tuneup.runs import Run
from tuneup.ship.export import export

from ._ship import fuzz, json_rows, server

pytestmark = pytest.mark.slow
KEY = "another-s3cret-for-tests"
HEADERS = {"X-API-Key": KEY}
CLIENTS, REQUESTS = 128, 3


@pytest.fixture(scope="module")
def setup(trained_table_run, tmp_path_factory):
    """A copy of the run exported with --int8, then a threshold chosen: its export is stale when served."""
    root = tmp_path_factory.mktemp("serve_reliability")
    run = Run(shutil.copytree(trained_table_run.path, root / "runs" / "churn", ignore=shutil.ignore_patterns("export")))
    first = export(run, int8=True)
    (run.path / "threshold.json").write_text('{"threshold": 0.4}')
    later = (first.path / "metadata.json").stat().st_mtime + 5
    os.utime(run.path / "threshold.json", (later, later))
    logs = root / "logs"
    args = [str(run.path), "--variant", "int8", "--api-key-env", "TUNEUP_TEST_KEY", "--log-dir", str(logs),
            "--log-max-mb", "0.2"]  # small files: the log rotates under load, and must stay complete
    with server(args, root, env={"TUNEUP_TEST_KEY": KEY}) as url:
        ds = run.data()
        yield {"url": url, "logs": logs, "run": run, "rows": json_rows(ds.features.iloc[:200])}


def logged_ids(setup) -> list[str]:
    lines = [json.loads(line) for p in sorted(setup["logs"].glob("log-*.jsonl")) for line in p.read_text().splitlines()]
    return [x["request_id"] for x in lines if x["type"] == "prediction"]


def test_a_stale_export_is_served_with_the_variant_asked_for(setup):
    meta = httpx.get(f"{setup['url']}/metadata", headers=HEADERS).json()
    assert meta["file"] == "model.int8.onnx" and meta["threshold"] == 0.4  # exported again, int8 kept
    files = json.loads((setup["run"].path / "export" / "metadata.json").read_text())["files"]
    assert files == {"fp32": "model.onnx", "int8": "model.int8.onnx"}


async def _clients(url: str, rows: list[dict]) -> tuple[list[int], list[str]]:
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=url, headers=HEADERS, timeout=120, limits=limits) as client:

        async def one(c: int) -> list[tuple[int, list[str]]]:
            out = []
            for r in range(REQUESTS):
                start = (c * REQUESTS + r) % (len(rows) - 3)
                answer = await client.post("/predict", json={"rows": rows[start:start + 1 + r]},
                                           headers={"X-Client-Id": f"client-{c}"})
                ids = [p["request_id"] for p in answer.json()["predictions"]] if answer.status_code == 200 else []
                out.append((answer.status_code, ids))
            return out

        results = await asyncio.gather(*(one(c) for c in range(CLIENTS)))
    flat = [x for per_client in results for x in per_client]
    return [code for code, _ in flat], [i for _, ids in flat for i in ids]


def test_128_concurrent_clients_get_answers_and_every_one_is_logged(setup):
    codes, answered = asyncio.run(_clients(setup["url"], setup["rows"]))
    assert codes == [200] * (CLIENTS * REQUESTS)
    assert len(answered) == CLIENTS * sum(1 + r for r in range(REQUESTS))
    logged = logged_ids(setup)
    assert len(set(logged)) == len(logged)  # no prediction logged twice
    assert set(answered) <= set(logged)  # none missing
    assert len(list(setup["logs"].glob("log-*.jsonl"))) > 1  # rotated meanwhile


def test_bounded_fuzzing_from_the_openapi_schema_gets_no_5xx_and_a_complete_log(setup):
    answered: list[str] = []
    sent = fuzz(setup["url"], HEADERS, max_examples=20, answered=answered)
    assert sent > 60 and answered  # some generated rows were valid predictions
    logged = logged_ids(setup)
    assert set(answered) <= set(logged) and len(set(logged)) == len(logged)
    assert httpx.get(f"{setup['url']}/health").json()["status"] == "ok"
