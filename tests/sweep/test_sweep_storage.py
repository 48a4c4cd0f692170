import json
import socket
from pathlib import Path

import optuna
import pytest
from sweep_helpers import LR_SPACE, wine_config, write_yaml

import tuneup
from tuneup.exceptions import UserError
from tuneup.sweep.storage import mask, resolve
from tuneup.runs import Run


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when this returns: nothing listens there


def test_passwords_are_masked_and_the_default_is_a_file_in_the_runs_folder(tmp_path):
    assert mask("postgresql+psycopg://ann:pa55@db.example:5432/sweeps") == "postgresql+psycopg://ann:***@db.example:5432/sweeps"
    embedded = resolve(None, tmp_path / "runs")
    assert embedded.embedded and embedded.url == f"sqlite:///{(tmp_path / 'runs' / 'sweeps.db').resolve()}"
    assert resolve("my.db", tmp_path).url.endswith("/my.db")
    with pytest.raises(UserError, match="not a database URL"):
        resolve("postgres@somewhere", tmp_path)


def test_an_unreachable_storage_is_named_with_its_password_masked(cli):
    write_yaml("wine.yaml", wine_config())
    url = f"postgresql+psycopg://tuneup:s3cret-pw@127.0.0.1:{closed_port()}/sweeps"
    r = cli("sweep", "wine.yaml", "--trials", "2", "--storage", url)
    assert r.code == 2, r.stderr
    line = next(x for x in r.stderr.splitlines() if x.startswith("error: "))
    assert "cannot use the study storage postgresql+psycopg://tuneup:***@127.0.0.1:" in line
    assert "the embedded default (leave --storage out) is a SQLite file in the runs folder and needs no server" in line
    assert "s3cret-pw" not in r.stderr and "Traceback" not in r.stderr
    assert not Path("tuneup-runs").exists()


def test_a_storage_without_a_driver_says_what_to_install(cli):
    write_yaml("wine.yaml", wine_config())
    r = cli("sweep", "wine.yaml", "--trials", "2", "--storage", "nosuchdb://u:pw@host/db")
    assert r.code == 2 and "SQLAlchemy has no driver for 'nosuchdb'" in r.stderr and "pw@" not in r.stderr


@pytest.mark.slow
@pytest.mark.postgres
def test_a_sweep_on_postgresql_with_two_workers(postgres_url):
    result = tuneup.sweep(wine_config(), trials=4, space=LR_SPACE, storage=postgres_url, workers=2,
                          pruner="none", progress=False)
    assert result.storage == postgres_url.replace("s3cret-pw", "***")
    study = optuna.load_study(study_name="wine", storage=postgres_url)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    assert all(t.state.name == "COMPLETE" for t in study.trials)
    assert len({t.user_attrs["pid"] for t in study.trials}) == 2
    for t in result.trials:
        assert Run(t.run).complete
    saved = Path("tuneup-runs/wine.sweep.json").read_text()
    assert "s3cret-pw" not in saved and json.loads(saved)["storage"].startswith("postgresql+psycopg://tuneup:***@")
    # a second process continuing the study adds only what is missing
    more = tuneup.sweep(wine_config(), trials=5, space=LR_SPACE, storage=postgres_url, progress=False)
    assert [t.number for t in more.trials] == [0, 1, 2, 3, 4]
    assert not Path("tuneup-runs/sweeps.db").exists()  # the embedded file was not used
