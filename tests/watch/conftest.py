from __future__ import annotations

from pathlib import Path

import pytest
from tests.watch.watchlogs import table_log


@pytest.fixture(scope="module")
def logs(tmp_path_factory, trained_table_run):
    """Named logs shared by a module's tests, made on first use: logs("age", drift={"age": 0.8})."""
    root = tmp_path_factory.mktemp("logs")
    made: dict[str, Path] = {}

    def get(name: str, **plan) -> Path:
        if name not in made:
            made[name] = table_log(trained_table_run, root / name, **plan)
        return made[name]

    return get
