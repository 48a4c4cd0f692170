"""A throwaway PostgreSQL server on loopback for the storage tests.

The server binaries come from Debian's postgresql package (/usr/lib/postgresql/<version>/bin, or on
PATH). PostgreSQL refuses to run as root, so under root the server runs as the `postgres` system user
(which that package creates), in a temporary folder it owns. Without the binaries the tests are skipped
with the reason, except in CI (CI=true), where they fail: CI must run them.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    found = shutil.which("initdb") and shutil.which("pg_ctl")
    if found:
        return Path(shutil.which("pg_ctl")).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests must run in CI: {why}")
    pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url():
    """`postgresql+psycopg://tuneup:***@127.0.0.1:<port>/sweeps` on a fresh server, stopped afterwards."""
    pytest.importorskip("psycopg", reason="PostgreSQL storage needs psycopg 3: pip install 'tuneup[postgres]'")
    bindir = _pg_bin()
    if bindir is None:
        _unavailable("no PostgreSQL server binaries (initdb, pg_ctl); apt-get install postgresql")
    as_user: list[str] = []
    owner = None
    if os.geteuid() == 0:  # postgres will not run as root
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("running as root and there is no 'postgres' user to run the server as")
        as_user = ["runuser", "-u", "postgres", "--"]
    root = Path(tempfile.mkdtemp(prefix="tuneup-pg-"))  # not under pytest's root-only tmp folder
    data, log = root / "data", root / "server.log"
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def run(*cmd: str | Path) -> None:
        r = subprocess.run([*as_user, *map(str, cmd)], capture_output=True, text=True, timeout=120, check=False)
        if r.returncode != 0:
            extra = log.read_text() if log.exists() else ""
            raise RuntimeError(f"{cmd[0]} failed: {r.stderr or r.stdout}\n{extra}")

    try:
        run(bindir / "initdb", "-D", data, "-U", "tuneup", "--auth=trust", "-E", "UTF8", "--no-sync")
        run(bindir / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "start",
            "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off")
        run(bindir / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "tuneup", "sweeps")
        # trust authentication: the password is ignored, and here to show that it is masked everywhere
        yield f"postgresql+psycopg://tuneup:s3cret-pw@127.0.0.1:{port}/sweeps"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60, check=False)
        shutil.rmtree(root, ignore_errors=True)
