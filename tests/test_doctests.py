"""Every module's docstring examples run, so an example that no longer holds fails here.

The modules are enumerated with ``pkgutil``: a new module is covered because it exists.
Examples that need an optional tool (PyTorch, the system ``dot``, Chromium) skip the module
with an install hint when the tool is missing, never under ``CI=true`` (see conftest.py).
"""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
from collections.abc import Callable

import pytest

import autograd_lite
from autograd_lite.viz.render import RendererNotFound, find_renderer

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(autograd_lite.__path__, "autograd_lite.")
)


def _no_renderer() -> bool:
    try:
        find_renderer()
    except RendererNotFound:
        return True
    return False


_RENDERER = (
    _no_renderer,
    "a Graphviz renderer: apt install graphviz, or pip install graphviz-pure",
)
# Modules whose examples need an optional tool: (is it missing?, what to install).
NEEDS: dict[str, tuple[Callable[[], bool], str]] = {
    "autograd_lite.viz.render": _RENDERER,
    "autograd_lite.viz.player": _RENDERER,
}


def test_the_package_has_modules_to_check():
    assert {"autograd_lite.ops", "autograd_lite.engine", "autograd_lite.expr"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, capsys):
    if name in NEEDS and NEEDS[name][0]() and not os.environ.get("CI"):
        pytest.skip(f"{name}'s examples need {NEEDS[name][1]}")
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, capsys.readouterr().out
