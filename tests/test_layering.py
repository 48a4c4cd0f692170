"""The layering ARCHITECTURE.md states, read from the source (ast): a module never imports a higher layer at
module level; an import of a higher layer inside a function is one of the few listed below, each with its
reason; and the parts' module-level imports form no cycle."""
from __future__ import annotations

import ast
from pathlib import Path

import tuneup

PACKAGE = Path(tuneup.__file__).parent

# low to high; a module belongs to its longest matching prefix (ARCHITECTURE.md, "Layers")
LAYERS: list[tuple[str, list[str]]] = [
    ("base", ["tuneup", "tuneup._io", "tuneup._lazy", "tuneup._progress", "tuneup._threads", "tuneup._memory",
              "tuneup.exceptions", "tuneup.config", "tuneup.errors.metrics", "tuneup.intervals",
              "tuneup.data.transforms", "tuneup.diagnose.ladder"]),
    ("data", ["tuneup.data"]),
    ("models", ["tuneup.models", "tuneup.train"]),
    ("pipeline", ["tuneup.pipeline", "tuneup.runs", "tuneup.models.families.artifact"]),
    ("steps", ["tuneup.workflow", "tuneup.checks", "tuneup.diagnose", "tuneup.errors", "tuneup.improve", "tuneup.sweep", "tuneup.ship",
               "tuneup.watch", "tuneup.project"]),
    ("report", ["tuneup.report"]),
    ("cli", ["tuneup.cli", "tuneup.__main__"]),
]

# imports of a higher layer inside a function: (importer, imported), each for the reason given
LAZY_UPWARD = {
    # a result's notebook HTML is drawn by the report's renderer (`_repr_html_`)
    ("tuneup.errors.result", "tuneup.report.notebook"),
    ("tuneup.diagnose.render", "tuneup.report.notebook"),
    ("tuneup.runs", "tuneup.diagnose.render"),  # Run's rich table and notebook HTML
    # a binary run keeps the threshold its metric wants, chosen and saved as `tuneup errors` does it
    ("tuneup.pipeline.folder", "tuneup.errors.threshold"),
    # encoding decides an image network's input size; importance weights fit the baselines' classifier
    ("tuneup.data.encode", "tuneup.models.nets"),
    ("tuneup.data.importance", "tuneup.models.baselines"),
    # a scikit-learn family's ONNX graph keeps the networks' inputs and output (ship's export contract);
    # the artifact is checked on a split's raw inputs as ship feeds them
    ("tuneup.models.families.artifact", "tuneup.ship.inputs"),
    ("tuneup.models.families.graph", "tuneup.ship.graph"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> tuple[int, str]:
    """(layer index, the part: the longest matching prefix)."""
    best = max(((i, prefix) for i, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), key=lambda ip: len(ip[1]))
    return best


def _targets(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    elif node.level or not node.module:
        return []
    elif node.module == "tuneup":  # `from tuneup import runs` is the module; `__version__` the package's own
        names = [f"tuneup.{a.name}" if f"tuneup.{a.name}" in MODULES else "tuneup" for a in node.names]
    else:
        names = [node.module]
    return [n for n in names if n == "tuneup" or n.startswith("tuneup.")]


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of tuneup's modules."""
    tree = ast.parse(path.read_text())
    top: set[str] = set()
    for stmt in tree.body:  # module level, including under `if TYPE_CHECKING:` and `try:`
        for node in ast.walk(stmt) if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                top.update(_targets(node))
    every = {t for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)) for t in _targets(node)}
    return top, every - top


def _edges() -> list[tuple[str, str, bool]]:
    """(importer, imported, at module level) for every import between tuneup's modules."""
    out = []
    for module, path in MODULES.items():
        top, inside = _imports(path)
        out += [(module, t, True) for t in top] + [(module, t, False) for t in inside]
    return out


def _upward() -> list[tuple[str, str, bool]]:
    return [(a, b, top) for a, b, top in _edges() if _layer(b)[0] > _layer(a)[0]]


def test_every_module_has_a_layer():
    assert all(_layer(m) for m in MODULES)


def test_no_module_imports_a_higher_layer_at_module_level():
    found = sorted(f"{a} -> {b}" for a, b, top in _upward() if top)
    assert found == [], "a lower layer imports a higher one at module level (ARCHITECTURE.md, Layers)"


def test_imports_of_a_higher_layer_inside_functions_are_the_listed_ones():
    found = {(a, b) for a, b, top in _upward() if not top}
    assert sorted(found - LAZY_UPWARD) == [], "a new upward import: call it from above, or list it with its reason"
    assert sorted(LAZY_UPWARD - found) == [], "a listed exception is gone: take it off the list"


def test_the_parts_module_level_imports_form_no_cycle():
    graph: dict[str, set[str]] = {}
    for a, b, top in _edges():
        pa, pb = _layer(a)[1], _layer(b)[1]
        if top and pa != pb and pb != "tuneup":
            graph.setdefault(pa, set()).add(pb)
    cycle = _find_cycle(graph)
    assert cycle is None, f"the parts import each other: {' -> '.join(cycle)}"


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_rules_catch_a_breach(tmp_path, monkeypatch):
    """The checks above can fail: a data module importing the pipeline at module level is reported."""
    bad = {**MODULES, "tuneup.data.bad": tmp_path / "bad.py"}
    (tmp_path / "bad.py").write_text("from tuneup.workflow import run\n")
    monkeypatch.setitem(globals(), "MODULES", bad)
    assert ("tuneup.data.bad", "tuneup.workflow", True) in _upward()
    assert _find_cycle({"a": {"b"}, "b": {"a"}}) == ["a", "b", "a"]
