import json
import socket
import sys
import time
from pathlib import Path

import pytest
from sweep_helpers import trial_json, wine_config, write_yaml

import tuneup
from tuneup.runs import Run


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_ray_address_that_does_not_answer_fails_fast(cli):
    write_yaml("wine.yaml", wine_config())
    port = closed_port()
    started = time.monotonic()
    r = cli("sweep", "wine.yaml", "--trials", "2", "--backend", "ray", "--address", f"127.0.0.1:{port}")
    assert r.code == 2, r.stderr
    assert f"--address 127.0.0.1:{port}: no Ray cluster answers at 127.0.0.1:{port}" in r.stderr
    assert f"ray start --head --port {port}" in r.stderr and "leave --address out" in r.stderr
    assert time.monotonic() - started < 60  # bounded: no waiting for a cluster that is not there
    assert not Path("tuneup-runs").exists()
    r = cli("sweep", "wine.yaml", "--backend", "ray", "--address", "nohost:port")
    assert r.code == 2 and "is not a Ray address; write host:port" in r.stderr


def test_without_ray_installed_the_message_says_how_to_get_it(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if it were not installed
    monkeypatch.delitem(sys.modules, "tuneup.sweep.ray", raising=False)  # imported afresh, without Ray
    try:
        write_yaml("wine.yaml", wine_config())
        r = cli("sweep", "wine.yaml", "--backend", "ray")
        assert r.code == 2 and "sweeps on a Ray cluster need Ray: pip install 'tuneup[ray]'" in r.stderr
    finally:  # the module imported without Ray must not serve the next test in this process
        sys.modules.pop("tuneup.sweep.ray", None)


@pytest.fixture
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             object_store_memory=100 * 1024 * 1024)
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_four_trials_on_a_local_ray_cluster_with_asha(local_ray):
    cfg = wine_config(train={"epochs": 6, "batch_size": 32, "early_stopping": False})
    space = {"train.lr": {"log_uniform": [1e-6, 1e-1]}, "train.optimizer": {"choice": ["adam", "sgd"]}}
    good = [{"train.lr": 0.03, "train.optimizer": "adam"}, {"train.lr": 0.02, "train.optimizer": "adam"}]
    bad = [{"train.lr": 1e-6, "train.optimizer": "sgd"}, {"train.lr": 2e-6, "train.optimizer": "sgd"}]
    result = tuneup.sweep(cfg, trials=4, space=space, backend="ray", enqueue=good + bad, progress=False)
    assert local_ray.is_initialized()  # the test's cluster: the sweep used it and left it running
    assert result.backend == "ray" and [t.number for t in result.trials] == [0, 1, 2, 3]
    states = [(t.state, t.epochs, t.dev_error) for t in result.trials]
    # the good pair starts together and ASHA may cut the slower of them; the bad pair starts only when a
    # CPU frees up, by when the first rung holds the good ones' epoch-1 errors: both are stopped there
    assert "complete" in [t.state for t in result.trials[:2]], states
    assert [t.state for t in result.trials[2:]] == ["pruned", "pruned"], states
    pruned = [t for t in result.trials if t.state == "pruned"]
    for t in result.trials:  # normal run folders in the runs folder, pruned ones evaluated where they stopped
        run = Run(t.run)
        assert run.complete and run.path.parent == Path("tuneup-runs").resolve()
        assert trial_json(run.path)["state"] == t.state and len(run.history) == t.epochs
    assert all(t.epochs < 6 for t in pruned) and result.best.number in (0, 1)
    assert not list(Path("tuneup-runs").rglob("*.pkl"))  # Tune's pickled state stayed out of the runs folder


@pytest.mark.slow
def test_the_command_line_starts_and_stops_its_own_local_cluster(cli):
    ray = pytest.importorskip("ray")
    assert not ray.is_initialized()
    write_yaml("wine.yaml", wine_config())
    write_yaml("space.yaml", {"train.lr": {"log_uniform": [1e-3, 1e-1]}})
    r = cli("sweep", "wine.yaml", "--trials", "2", "--space", "space.yaml", "--backend", "ray", "--json")
    assert r.code == 0, r.stderr
    doc = json.loads(r.stdout)  # Tune's tables went to stderr
    assert doc["backend"] == "ray" and len(doc["trials"]) == 2
    assert not ray.is_initialized()  # shut down again
