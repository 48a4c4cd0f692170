"""Where a sweep's study lives: a SQLite file in the runs folder by default, or any SQLAlchemy URL.

The embedded default, `<runs_dir>/sweeps.db`, needs no server; several worker processes on one machine
share it safely (WAL journal, a 60 s busy timeout, and trial numbers that Optuna assigns inside one
write transaction). PostgreSQL (`postgresql+psycopg://user:password@host/db`, psycopg 3) serves workers
on many machines. Every storage has Optuna's heartbeat on, so a trial whose process died is failed and
its parameters retried, instead of sitting RUNNING for ever (`study.recover_dead_trials` does it at once
for processes of this machine).

SQLite rather than Optuna's JournalStorage: only the RDB storage has the heartbeat, and one code path
then serves the embedded file and a database server alike.
"""
from __future__ import annotations

import sqlite3
import warnings
from dataclasses import dataclass
from pathlib import Path

from tuneup.exceptions import UserError
from tuneup.runs import SWEEPS_DB

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
SQLITE_TIMEOUT_S = 60  # a worker waits this long for another's write before "database is locked"
CONNECT_TIMEOUT_S = 10  # an unreachable server fails within this, instead of hanging
HEARTBEAT_S = 20  # a running trial writes a heartbeat this often...
GRACE_S = 90  # ...and is declared dead (failed, then retried) after this long without one
MAX_RETRY = 2  # a trial whose process died is retried at most this often


@dataclass(frozen=True)
class StorageURL:
    url: str  # what SQLAlchemy connects to (may hold a password)
    shown: str  # for messages, files and JSON: the password masked
    embedded: bool  # the default SQLite file

    @property
    def sqlite_path(self) -> Path | None:
        from sqlalchemy.engine import make_url

        u = make_url(self.url)
        if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:"):
            return None
        return Path(u.database)


def resolve(url: str | None, runs_dir: Path) -> StorageURL:
    """The storage to use: `url`, a path to a SQLite file, or the embedded `<runs_dir>/sweeps.db`."""
    if not url:
        path = (Path(runs_dir) / SWEEPS_DB).resolve()
        return StorageURL(f"sqlite:///{path}", f"sqlite:///{path}", True)
    if "://" not in url:  # a plain path to a SQLite file
        if Path(url).suffix not in SQLITE_SUFFIXES:
            raise UserError(_bad_url(url))
        path = Path(url).expanduser().resolve()
        return StorageURL(f"sqlite:///{path}", f"sqlite:///{path}", False)
    return StorageURL(url, mask(url), False)


def mask(url: str) -> str:
    """The URL with its password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL SQLAlchemy can parse: hide everything between ':' and '@'
        head, at, tail = url.rpartition("@")
        if not at:
            return url
        scheme, sep, rest = head.partition("://")
        user = rest.split(":", 1)[0]
        return f"{scheme}{sep}{user}:***@{tail}"


def open_storage(storage: StorageURL):
    """An Optuna RDBStorage with heartbeats and retries; UserError naming the URL when it cannot be used."""
    import optuna
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    try:
        backend = make_url(storage.url).get_backend_name()
    except sqlalchemy.exc.ArgumentError:
        raise UserError(_bad_url(storage.shown)) from None
    kwargs = _engine_kwargs(backend)
    if storage.sqlite_path is not None:
        _prepare_sqlite(storage.sqlite_path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeat, retry callback
            return optuna.storages.RDBStorage(
                storage.url, engine_kwargs=kwargs, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRY),
            )
    except (ImportError, sqlalchemy.exc.NoSuchModuleError):
        raise UserError(_no_driver(storage, backend)) from None
    except sqlalchemy.exc.ArgumentError:
        raise UserError(_bad_url(storage.shown)) from None
    except sqlalchemy.exc.SQLAlchemyError as e:
        raise UserError(unreachable(storage, e)) from None


def unreachable(storage: StorageURL, error: BaseException) -> str:
    reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    password = _password(storage.url)
    if password:
        reason = reason.replace(password, "***")
    fix = ("check that the database server is running and the host, port, user, password and database name; "
           "the embedded default (leave --storage out) is a SQLite file in the runs folder and needs no server")
    if storage.sqlite_path is not None:
        fix = "check that the folder is writable and the file is a SQLite database (or delete it to start afresh)"
    return f"cannot use the study storage {storage.shown}: {reason}; {fix}"


def _engine_kwargs(backend: str) -> dict:
    if backend == "sqlite":
        return {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
    if backend in ("postgresql", "mysql", "mariadb"):
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_S}, "pool_pre_ping": True}
    return {}


def _prepare_sqlite(path: Path) -> None:
    """Create the folder; WAL lets readers (progress, other workers) proceed while one worker writes.
    The journal mode is stored in the file, so it is set once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S) as con:
            con.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as e:
        shown = f"sqlite:///{path}"
        raise UserError(unreachable(StorageURL(shown, shown, False), e)) from None


def _password(url: str) -> str | None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password
    except (ArgumentError, ValueError):
        return None


def _bad_url(shown: str) -> str:
    return (f"--storage {shown!r} is not a database URL; use sqlite:///path/to/sweeps.db (or a path ending in "
            f"{', '.join(SQLITE_SUFFIXES)}), postgresql+psycopg://user:password@host:5432/db, or leave --storage "
            "out for the embedded SQLite file in the runs folder")


def _no_driver(storage: StorageURL, backend: str) -> str:
    if backend == "postgresql":
        return (f"--storage {storage.shown}: no PostgreSQL driver for this URL; install psycopg 3 with "
                "pip install 'tuneup[postgres]' and write the URL as postgresql+psycopg://user:password@host/db")
    return (f"--storage {storage.shown}: SQLAlchemy has no driver for '{backend}' installed; install the driver, "
            "use PostgreSQL (postgresql+psycopg://...), or leave --storage out for the embedded SQLite file")
