"""The package's import structure: every module imports without cycles and only from its own
layer or the layers below (docs/architecture.md draws these layers).

Import-time imports (module level) are checked; a function may import a higher layer
lazily, which is how ``fit``'s ``live=`` hook reaches the live view.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import autograd_lite

ROOT = Path(autograd_lite.__file__).parent

# Lowest first. A module belongs to the layer of the longest name prefix listed here.
LAYERS: dict[str, int] = {
    "autograd_lite._checks": 0,
    "autograd_lite._fileio": 0,
    "autograd_lite._jupyter": 0,
    "autograd_lite.ops": 1,  # the package: core, arithmetic, functions, activations, nary
    "autograd_lite.engine": 2,
    "autograd_lite.walk": 2,
    "autograd_lite.methods": 2,
    "autograd_lite.autograd": 3,
    "autograd_lite.gradcheck": 3,
    "autograd_lite.expr": 3,
    "autograd_lite.symbolic": 3,
    "autograd_lite._text": 3,
    "autograd_lite.testing": 3,
    "autograd_lite.jit": 3,
    "autograd_lite.nn": 4,
    "autograd_lite.module": 4,
    "autograd_lite.init": 4,
    "autograd_lite.interop": 4,
    "autograd_lite.serialization": 4,
    "autograd_lite._shapes": 4,
    "autograd_lite.losses": 4,
    "autograd_lite.loss_registry": 4,
    "autograd_lite.metrics": 4,
    "autograd_lite.optim": 4,
    "autograd_lite.data": 4,
    "autograd_lite._fit_args": 5,
    "autograd_lite.history": 5,
    "autograd_lite.train": 5,
    "autograd_lite.viz": 6,
    "autograd_lite.player": 6,
    "autograd_lite.stepper": 6,
    "autograd_lite.render": 6,
    "autograd_lite.plots": 6,
    "autograd_lite.live": 6,
    "autograd_lite.widget": 6,
    "autograd_lite.cli": 6,
    "autograd_lite._tasks": 6,
    "autograd_lite.__main__": 6,
}
NAMES = ["base", "ops", "engine", "calculus", "learning", "train", "apps"]

MODULES = sorted(
    ["autograd_lite"]
    + [info.name for info in pkgutil.walk_packages(autograd_lite.__path__, "autograd_lite.")]
)


def _layer(module: str) -> int | None:
    matches = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return LAYERS[max(matches, key=len)] if matches else None


def _path(module: str) -> Path:
    parts = module.split(".")[1:]
    package = ROOT.joinpath(*parts, "__init__.py")
    return package if package.exists() else ROOT.joinpath(*parts[:-1], parts[-1] + ".py")


def _is_module(name: str) -> bool:
    return name in MODULES


def _imports(module: str) -> set[str]:
    """The package modules ``module`` imports at import time (module level, not in functions
    or ``if TYPE_CHECKING``). ``from autograd_lite import x`` counts as ``autograd_lite.x``
    when x is a module."""
    tree = ast.parse(_path(module).read_text(encoding="utf-8"))
    statements = []
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.Try):
            statements.extend(node.body)
        else:
            statements.append(node)
    found: set[str] = set()
    for node in statements:
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("autograd_lite")}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("autograd_lite"):
                continue
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _is_module(sub) else node.module)
    found.discard(module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports(module):
    importlib.import_module(module)


@pytest.mark.parametrize("module", [m for m in MODULES if m != "autograd_lite"])
def test_every_module_has_a_layer(module):
    assert _layer(module) is not None, f"add {module} to LAYERS (and to docs/architecture.md)"


@pytest.mark.parametrize("module", [m for m in MODULES if m != "autograd_lite"])
def test_imports_go_only_down_the_layers(module):
    own = _layer(module)
    upward = [
        f"{target} ({NAMES[_layer(target)]})"
        for target in sorted(GRAPH[module])
        if target != "autograd_lite" and (_layer(target) or 0) > (own or 0)
    ]
    assert not upward, f"{module} ({NAMES[own or 0]}) imports a higher layer: {upward}"


def test_the_heart_imports_nothing_above_it():
    assert GRAPH["autograd_lite.walk"] == set()
    ops = {m for m in MODULES if _layer(m) == LAYERS["autograd_lite.ops"]}
    assert ops >= {"autograd_lite.ops", "autograd_lite.ops.core", "autograd_lite.ops.nary"}
    for module in ops:  # the registry package: its core and one module per family of ops
        assert GRAPH[module] <= {"autograd_lite._checks", *ops}, module
    assert GRAPH["autograd_lite.methods"] <= {"autograd_lite._checks", *ops}
    allowed = {"autograd_lite._checks", "autograd_lite.walk", "autograd_lite.methods", *ops}
    assert GRAPH["autograd_lite.engine"] <= allowed


def test_no_module_imports_the_package_itself():
    # ``from autograd_lite import Value`` inside the package would import everything
    assert [m for m in MODULES if m != "autograd_lite" and "autograd_lite" in GRAPH[m]] == []


def test_there_is_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH.get(module, ())):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target in GRAPH and state.get(target) is None:
                visit(target, [*path, target])
        state[module] = 2

    for module in MODULES:
        if module != "autograd_lite" and state.get(module) is None:
            visit(module, [module])


def test_the_heart_stays_readable_in_size():
    """The registry, the engine and the calculus on top keep to about 400 lines a module."""
    named = {"engine", "methods", "walk", "autograd", "gradcheck"}
    heart = [m for m in MODULES if _layer(m) == 1 or m.removeprefix("autograd_lite.") in named]
    assert len(heart) == len(named) + 6  # ops, its core and four families
    sizes = {m: len(_path(m).read_text(encoding="utf-8").splitlines()) for m in heart}
    assert {m: n for m, n in sizes.items() if n > 400} == {}
