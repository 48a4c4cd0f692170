"""Packages that are also functions (`tuneup.errors(run)`, `tuneup.report(run)`) while their modules stay
importable (`tuneup.errors.slices`), with names exported from their modules loaded on first use."""
from __future__ import annotations

import importlib
import sys
import types


def lazy_exports(package: str, exports: dict[str, str]):
    """A module `__getattr__` that imports `package.<exports[name]>` when `name` is first asked for."""
    def __getattr__(name: str):
        if name in exports:
            return getattr(importlib.import_module(f"{package}.{exports[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def make_callable(package: str, module: str, function: str) -> None:
    """Calling the package calls `package.module.function` (imported on the first call)."""
    class Callable(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(importlib.import_module(f"{package}.{module}"), function)(*args, **kwargs)

    sys.modules[package].__class__ = Callable
