"""Heavy parts load where used, and packages present themselves one way.

- `LazyImport("sklearn.metrics")`: a module imported on first attribute access (Optuna's `_LazyImport`), for
  a module-level name whose import would slow every caller down (`tuneup --help` must not import torch).
- `lazy_exports(package, {name: module})`: a package `__getattr__` (PEP 562) that imports a public name's
  module when the name is first asked for.
- `make_callable(package, module, function)`: a package named like the step it performs is callable
  (`tuneup.diagnose(run)`, `tuneup.errors(run)`) while its modules stay importable (`tuneup.diagnose.ladder`).
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any


class LazyImport(types.ModuleType):
    """A stand-in for module `name` that imports it on first attribute access."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._name = name

    def _load(self) -> types.ModuleType:
        module = importlib.import_module(self._name)
        self.__dict__.update(module.__dict__)
        return module

    def __getattr__(self, item: str) -> Any:
        return getattr(self._load(), item)


def lazy_exports(package: str, exports: dict[str, str]):
    """A module `__getattr__` that imports `package.<exports[name]>` when `name` is first asked for.

    A name whose module is `package.<name>` itself is that module (a subpackage, never something inside it)."""
    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{exports[name]}")
        value = module if exports[name] == name else getattr(module, name)
        setattr(sys.modules[package], name, value)  # asked once: later lookups find it without this hook
        return value

    return __getattr__


def make_callable(package: str, module: str, function: str) -> None:
    """Calling the package calls `package.module.function` (imported on the first call)."""
    class Callable(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(importlib.import_module(f"{package}.{module}"), function)(*args, **kwargs)

    sys.modules[package].__class__ = Callable
