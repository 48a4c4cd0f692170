"""`tuneup/__init__.py` and how packages present themselves: every public name resolves, heavy packages load
only where used (the CLI starts without torch), and the callable packages stay importable as packages."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import tuneup

SRC = Path(tuneup.__file__).parent.parent
HEAVY = ("torch", "scipy", "sklearn", "pandas", "pyarrow", "optuna", "onnxruntime", "fastapi")


def _imported_after(code: str) -> list[str]:
    """The heavy packages a fresh interpreter holds after running `code`."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_public_name_resolves():
    for name in tuneup.__all__:
        assert getattr(tuneup, name) is not None, name
    assert set(tuneup.__all__) <= set(dir(tuneup))
    assert isinstance(tuneup.STARTED, float)


def test_public_names_are_the_objects_their_modules_define():
    from tuneup.diagnose.bootstrap import error_interval
    from tuneup.runs import Run
    from tuneup.workflow import run

    assert (tuneup.Run, tuneup.run, tuneup.error_interval) == (Run, run, error_interval)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        tuneup.nothing_here  # noqa: B018


@pytest.mark.parametrize("code", [
    "import tuneup",
    "import tuneup.cli",
    "from tuneup.cli import app",
    # a config with a metric and augmentation validates without the libraries that compute them
    "import tuneup; tuneup.load_config({'data': {'train': {'path': 'x.csv', 'target': 'y'}}, 'metric': 'roc_auc',"
    " 'train': {'augment': ['hflip', {'name': 'blur', 'sigma': 2}]}})",
])
def test_starting_imports_no_heavy_package(code):
    assert _imported_after(code) == []


@pytest.mark.parametrize("args", [["--help"], ["init", "--help"], ["run", "--help"]])
def test_help_imports_no_heavy_package(args):
    code = f"from tuneup.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"
    assert _imported_after(code) == []


@pytest.mark.parametrize("package, step", [("diagnose", "diagnosis"), ("improve", "loop"), ("sweep", "runner"),
                                           ("errors", "analysis"), ("report", "page")])
def test_a_step_package_is_callable_and_stays_a_package(package, step):
    import importlib

    pkg = getattr(tuneup, package)
    assert callable(pkg) and pkg.__name__ == f"tuneup.{package}"
    module = importlib.import_module(f"tuneup.{package}.{step}")
    assert getattr(tuneup, package) is pkg  # importing a module of it never replaces the callable
    assert module.__name__ == f"tuneup.{package}.{step}"


def _module_names() -> list[str]:
    names = []
    for path in sorted((SRC / "tuneup").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] != "__main__":  # running it is `python -m tuneup`
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_by_its_dotted_name():
    """`import tuneup.diagnose.ladder as x` works for every module: no package binds one of its modules'
    names to something else (a function shadowing its package broke exactly this)."""
    names = _module_names()
    code = "\n".join(f"import {name} as m\nassert m.__name__ == {name!r}, ({name!r}, m)" for name in names)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(names) > 150


def test_a_package_exports_lazily_and_never_a_module_s_name():
    """The one convention (ARCHITECTURE.md): a package's public names load on first use, and none of them
    is the name of one of its modules (the module would stand where the name should once imported)."""
    import importlib

    for name in _module_names():
        module = importlib.import_module(name) if (SRC / name.replace(".", "/") / "__init__.py").exists() else None
        exports = getattr(module, "_EXPORTS", {})
        clashes = [k for k, v in exports.items() if k != v and (SRC / name.replace(".", "/") / f"{k}.py").exists()]
        assert clashes == [], f"{name} exports {clashes}, which are also its modules"


PACKAGE = Path(tuneup.__file__).parent
# drawn in a terminal but not a step's result: the run folder's handle, and the report package's comparison
# (everything in report/ is presentation)
NOT_RESULTS = {"runs.py", "report/compare.py"}


def test_results_live_in_result_py_and_renderers_in_render_py():
    """One name for one role (ARCHITECTURE.md, "Names"): what a step returns (`to_dict`, drawn in a terminal by
    `__rich__`) is in its package's result.py; no module but the report package's and the `tuneup report`
    command's is called report.py."""
    import ast

    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if path.name == "report.py":
            assert rel == "cli/report.py", f"{rel}: a result goes in result.py, a renderer in render.py"
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                    isinstance(f, ast.FunctionDef) and f.name == "__rich__" for f in node.body):
                assert path.name == "result.py" or rel in NOT_RESULTS, f"{rel}: {node.name} is a result"
