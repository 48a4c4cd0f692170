"""`tuneup serve` on a table model, against a real uvicorn on a free loopback port: predictions equal
training's, the run's threshold applies, A/B routing is sticky, every answer is logged, bad input gets
a 4xx and the server keeps serving; fuzzing from the OpenAPI schema finds no 5xx; the form page works."""
from __future__ import annotations

import json
import shutil

import httpx
import numpy as np
import pytest
from ._ship import browser_page, fuzz, json_rows, server, web_site

from tuneup.ship.ab import Router
from tuneup.ship.export import export

pytestmark = pytest.mark.slow
KEY = "s3cret-key-for-tests"
HEADERS = {"X-API-Key": KEY}
CONTRACT = ["type", "time", "request_id", "model", "variant", "client", "input", "prediction", "probabilities",
            "score", "threshold", "latency_ms"]


@pytest.fixture(scope="module")
def setup(trained_table_run, tmp_path_factory):
    """Primary: a copy of the run with a chosen threshold of 0.3; candidate: the run itself (0.5)."""
    root = tmp_path_factory.mktemp("serve_tables")
    primary = root / "runs" / "churn-t03"
    shutil.copytree(trained_table_run.path, primary, ignore=shutil.ignore_patterns("export"))
    (primary / "threshold.json").write_text(json.dumps({"threshold": 0.3}))
    candidate = export(trained_table_run, root / "candidate").path
    logs = root / "logs"
    args = [str(primary), "--candidate", str(candidate), "--share", "0.3", "--api-key-env", "TUNEUP_TEST_KEY",
            "--log-dir", str(logs), "--max-body-mb", "0.05"]
    with server(args, root, env={"TUNEUP_TEST_KEY": KEY}) as url:
        yield {"url": url, "logs": logs, "run": trained_table_run}


def post(setup, rows, client=None, **kw):
    headers = {**HEADERS, **({"X-Client-Id": client} if client else {})}
    return httpx.post(f"{setup['url']}/predict", json={"rows": rows}, headers=headers, timeout=30, **kw)


def log_lines(setup) -> list[dict]:
    return [json.loads(line) for p in sorted(setup["logs"].glob("log-*.jsonl")) for line in p.read_text().splitlines()]


def client_for(variant: str) -> str:
    router = Router(0.3, salt="table")  # the candidate's version is the salt
    return next(f"c{i}" for i in range(1000) if router.choose(f"c{i}") == variant)


def dev_rows(run):
    ds = run.data()
    rows = np.flatnonzero(run.splits.aligned_to(ds.ids).mask("dev"))
    return ds.ids[rows], json_rows(ds.features.iloc[rows])


def test_only_health_answers_without_the_key(setup):
    url = setup["url"]
    health = httpx.get(f"{url}/health").json()
    assert health["status"] == "ok" and health["model"] == "churn-t03" and health["candidate"] == "table"
    for path in ("/metadata", "/docs", "/openapi.json", "/", "/page/app.js", "/metrics", "/nope"):
        for headers in ({}, {"X-API-Key": "wrong"}, {"Authorization": "Basic !!not base64"}):
            r = httpx.get(f"{url}{path}", headers=headers)
            assert r.status_code == 401 and "API key" in r.json()["error"], (path, headers, r.text)
            assert r.headers["www-authenticate"].startswith("Basic ")  # a browser asks for the key
    ids, rows = dev_rows(setup["run"])
    for headers in ({}, {"X-API-Key": "wrong"}):
        r = httpx.post(f"{url}/predict", json={"rows": rows[:1]}, headers=headers)
        assert r.status_code == 401 and "X-API-Key" in r.json()["error"]
        r = httpx.post(f"{url}/feedback", json={"request_id": "0" * 32, "label": "yes"}, headers=headers)
        assert r.status_code == 401


def test_with_the_key_everything_answers(setup):
    url = setup["url"]
    meta = httpx.get(f"{url}/metadata", headers=HEADERS).json()
    assert meta["threshold"] == 0.3 and meta["classes"] == ["no", "yes"] and meta["api_key_required"]
    assert [c["name"] for c in meta["input"]["columns"]] == ["age", "income", "city", "plan", "signup"]
    assert "swagger" in httpx.get(f"{url}/docs", headers=HEADERS).text.lower()
    assert httpx.get(f"{url}/page/app.js", headers=HEADERS).status_code == 200
    # a browser sends the key as HTTP Basic's password (any user name): the upload page, then its calls
    page = httpx.get(f"{url}/", auth=("anyone", KEY))
    assert page.status_code == 200 and "page/app.js" in page.text
    assert httpx.get(f"{url}/metadata", auth=("", KEY)).json()["model"] == "churn-t03"
    # the OpenAPI document says what is true: this server needs the key, in either form, everywhere but /health
    doc = httpx.get(f"{url}/openapi.json", headers=HEADERS).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key",
                                       "description": "The server's API key."}
    assert schemes["HTTPBase"]["scheme"] == "basic"
    for path, ops in doc["paths"].items():
        for op in ops.values():
            assert (op.get("security") == [{"APIKeyHeader": []}, {"HTTPBase": []}]) == (path != "/health"), path


def test_dev_rows_score_as_in_training_and_the_threshold_applies(setup):
    ids, rows = dev_rows(setup["run"])
    answers = []
    for start in range(0, len(rows), 50):
        r = post(setup, rows[start : start + 50], client=client_for("primary"))
        assert r.status_code == 200, r.text
        assert r.json()["model"] == "churn-t03" and r.json()["variant"] == "primary"
        answers += r.json()["predictions"]
    scores = np.array([a["score"] for a in answers])
    saved = setup["run"].predictions("dev").set_index("id").loc[ids, "score"].to_numpy()
    np.testing.assert_allclose(scores, saved, atol=1e-5)  # the trainer's own PyTorch scores
    assert all(a["threshold"] == 0.3 for a in answers)
    assert [a["prediction"] for a in answers] == ["yes" if s >= 0.3 else "no" for s in scores]
    assert any(0.3 <= s < 0.5 for s in scores)  # the threshold made a difference somewhere
    for a in answers:
        assert a["probabilities"]["yes"] == pytest.approx(a["score"]) and len(a["request_id"]) == 32


def test_ab_share_is_sticky_per_client_and_logged(setup):
    _, rows = dev_rows(setup["run"])
    router = Router(0.3, salt="table")
    seen = {}
    for i in range(120):
        client = f"user-{i}"
        body = post(setup, rows[i % len(rows) : i % len(rows) + 1], client=client).json()
        assert body["variant"] == router.choose(client)
        assert body["model"] == ("table" if body["variant"] == "candidate" else "churn-t03")
        seen[body["predictions"][0]["request_id"]] = (client, body["variant"], body["model"])
    share = sum(v == "candidate" for _, v, _ in seen.values()) / len(seen)
    assert 0.15 < share < 0.45  # 0.3 of clients, binomial sd 0.042 at n=120
    again = {post(setup, rows[:1], client="user-7").json()["variant"] for _ in range(5)}
    assert again == {router.choose("user-7")}
    logged = {r["request_id"]: r for r in log_lines(setup) if r["type"] == "prediction"}
    for rid, (client, variant, model) in seen.items():
        assert (logged[rid]["client"], logged[rid]["variant"], logged[rid]["model"]) == (client, variant, model)


def test_log_lines_are_complete(setup):
    _, rows = dev_rows(setup["run"])
    rid = post(setup, rows[:1], client="log-check").json()["predictions"][0]["request_id"]
    line = next(r for r in log_lines(setup) if r.get("request_id") == rid)
    assert list(line) == CONTRACT
    assert line["input"] == rows[0] | {k: float(v) for k, v in rows[0].items() if isinstance(v, int)}
    assert line["latency_ms"] > 0 and line["time"].endswith("+00:00")


def test_feedback_is_recorded_and_checked(setup):
    _, rows = dev_rows(setup["run"])
    rid = post(setup, rows[:1]).json()["predictions"][0]["request_id"]
    r = httpx.post(f"{setup['url']}/feedback", json={"request_id": rid, "label": "yes"}, headers=HEADERS)
    assert r.status_code == 200 and r.json()["recorded"]
    fb = [x for x in log_lines(setup) if x["type"] == "feedback" and x["request_id"] == rid]
    assert fb == [{"type": "feedback", "time": fb[0]["time"], "request_id": rid, "label": "yes"}]
    bad = httpx.post(f"{setup['url']}/feedback", json={"request_id": rid, "label": "maybe"}, headers=HEADERS)
    assert bad.status_code == 422 and "no, yes" in bad.json()["error"]
    bad_id = httpx.post(f"{setup['url']}/feedback", json={"request_id": "nope", "label": "yes"}, headers=HEADERS)
    assert bad_id.status_code == 422
    cut = httpx.post(f"{setup['url']}/feedback", content=b'{"request_id": "', headers={**HEADERS,
                                                                                     "Content-Type": "application/json"})
    assert cut.status_code == 400 and "not valid JSON" in cut.json()["error"]
    assert '{"request_id"' in cut.json()["error"] and '"rows"' not in cut.json()["error"]  # what /feedback takes


@pytest.mark.parametrize("body, status, words", [
    (b'{"rows": [{"age": ', 400, "not valid JSON"),
    ({"rows": [{"age": 30, "income": "lots", "city": "oslo", "plan": "pro", "signup": "2021-01-01"}]}, 422,
     "rows[0].income"),
    ({"rows": [{"age": 30, "city": "oslo", "plan": "pro", "signup": "2021-01-01"}]}, 422, "rows[0].income: required"),
    ({"rows": [{"income": 1.0, "city": "oslo", "plan": "pro", "signup": "2021-01-01", "tenure": 3}]}, 422,
     "'tenure' is not a feature column"),
    ({"rows": [{"income": 1.0, "city": "oslo", "plan": "pro", "signup": "someday"}]}, 422, "not a date"),
    ({"rows": []}, 422, "rows"),
    ({"rows": [{"income": 1.0, "city": "oslo", "plan": "pro", "signup": "2021-01-01"}] * 2000}, 413, "larger than"),
    (b"\x00\xff binary", 400, "not valid JSON"),
])
def test_bad_input_gets_a_clear_4xx(setup, body, status, words):
    kw = {"content": body} if isinstance(body, bytes) else {"json": body}
    r = httpx.post(f"{setup['url']}/predict", headers={**HEADERS, "Content-Type": "application/json"}, **kw)
    assert r.status_code == status, r.text
    assert words in r.json()["error"]
    assert httpx.get(f"{setup['url']}/health").status_code == 200


def test_unknown_paths_and_methods_answer_json(setup):
    assert httpx.get(f"{setup['url']}/nope", headers=HEADERS).json()["error"] == "Not Found"
    assert httpx.get(f"{setup['url']}/predict", headers=HEADERS).status_code == 405


def test_metrics_count_requests_latency_and_errors(setup):
    # its own good request: under xdist this test may be the first on its worker's server
    assert post(setup, [{"income": 1.0, "city": "oslo", "plan": "pro", "signup": "2021-01-01"}]).status_code == 200
    post(setup, [{"income": "x"}])
    text = httpx.get(f"{setup['url']}/metrics", headers=HEADERS).text
    assert 'tuneup_requests_total{method="POST",path="/predict",status="200"}' in text
    assert 'tuneup_errors_total{path="/predict",status="422"}' in text
    assert 'tuneup_request_seconds_bucket{le="0.1",path="/predict"}' in text
    # a request without X-Client-Id goes to either model: count predictions of whichever answered
    assert "tuneup_model_batch_rows_bucket" in text and 'tuneup_predictions_total{model="' in text


def test_fuzzing_from_the_openapi_schema_finds_no_server_error(setup):
    assert fuzz(setup["url"], HEADERS) > 100
    assert httpx.get(f"{setup['url']}/health").status_code == 200


def fill_row(page, row) -> None:
    """The form as a person fills it: numbers and the date typed, categories chosen from the training ones
    (a value training never saw through "another value…")."""
    page.fill("#field-age", "" if row["age"] is None else str(row["age"]))
    page.fill("#field-income", str(row["income"]))
    for name in ("city", "plan"):
        known = page.eval_on_selector(f"#field-{name}", "s => [...s.options].map(o => o.value)")
        if row[name] is None or row[name] in known:
            page.select_option(f"#field-{name}", row[name] or "")
        else:
            page.select_option(f"#field-{name}", "<another value>")
            page.fill(f"#field-{name}-other", row[name])
    page.fill("#field-signup", row["signup"][:10] + "T00:00")


@pytest.mark.browser
def test_the_form_page_predicts_a_row(setup, tmp_path):
    """Issue 17: categories are chosen from training's, numbers show the training range, and the page says
    which model version and decision threshold answer; served with a strict CSP, behind the API key."""
    _, rows = dev_rows(setup["run"])
    row = next(r for r in rows if r["age"] is not None and r["city"] is not None)
    expected = post(setup, [row], client=client_for("candidate")).json()
    columns = {c["name"]: c for c in setup["run"].encoder.spec["columns"]}
    with browser_page(http_credentials={"username": "tester", "password": KEY}) as page:
        console, failed = [], []  # console errors (a CSP violation is one); answers >= 400 but the favicon's
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
        # the page keeps one client id per browser; this one is routed to the candidate
        page.add_init_script(f"localStorage.setItem('tuneup-client-id', '{client_for('candidate')}')")
        response = page.goto(setup["url"] + "/")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_selector("body[data-ready='1']")
        serving = page.inner_text("#serving")
        primary, candidate = serving.split("For 30% of browsers")  # each model with its own threshold
        assert "model version churn-t03 (model.onnx)" in primary and "P(yes)" in primary
        assert "decision threshold 0.3 (from the run's threshold.json)" in primary
        assert "model version table" in candidate and "decision threshold 0.5 (the default" in candidate
        options = page.eval_on_selector("#field-city", "s => [...s.options].map(o => o.value)")
        assert options == ["", *[c for c in columns["city"]["categories"] if c != "<missing>"], "<another value>"]
        age = columns["age"]
        assert page.inner_text("#hint-age") == f"training range {age['min']:.6g} to {age['max']:.6g}"
        page.fill("#field-age", str(age["max"] + 50))
        assert "outside it" in page.inner_text("#hint-age")
        page.fill("#api-key", KEY)
        page.dispatch_event("#api-key", "change")
        fill_row(page, row)
        page.click("#predict")
        page.wait_for_selector("#result[data-ready='1']")
        answer = page.evaluate("window.tuneupLastAnswer")
        shown = page.inner_text("#label")
        page.screenshot(path=str(tmp_path / "upload-page.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'upload-page.png'}")
        assert page.errors == [] and failed == []
        assert [m for m in console if not m.startswith("Failed to load resource")] == []
    assert answer["variant"] == "candidate" and answer["model"] == "table"
    got, want = answer["predictions"][0], expected["predictions"][0]
    assert got["score"] == pytest.approx(want["score"], abs=1e-6)
    assert shown == got["prediction"] == want["prediction"]


@pytest.fixture(scope="module")
def web(setup, tmp_path_factory):
    with web_site(setup["run"], tmp_path_factory.mktemp("web")) as url:
        yield url


@pytest.mark.browser
def test_the_web_form_predicts_in_the_browser_what_the_server_predicts(setup, web):
    """Rows with a missing age and an unseen city: the browser's encoding must match Encoder.raw_numeric."""
    _, rows = dev_rows(setup["run"])
    cases = [next(r for r in rows if r["age"] is None), {**rows[0], "city": "tokyo"}, rows[1]]
    with browser_page() as page:
        page.goto(web + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        for row in cases:
            want = post(setup, [row], client=client_for("candidate")).json()["predictions"][0]  # the same run
            fill_row(page, row)
            page.evaluate("document.getElementById('result').dataset.ready = ''")
            page.click("#predict")
            page.wait_for_selector("#result[data-ready='1']", timeout=30_000)
            got = page.evaluate("window.tuneupLastAnswer")["predictions"][0]
            assert got["score"] == pytest.approx(want["score"], abs=1e-5), row
            assert got["prediction"] == want["prediction"] == page.inner_text("#label")
        assert page.errors == []
