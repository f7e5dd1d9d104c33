"""The ``>>>`` examples in the docstrings of nn, losses, metrics, train, data, the command
line and their helper modules run and print what they show (torch examples are marked
``+SKIP``: PyTorch is optional)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "autograd_lite._shapes",
    "autograd_lite._tasks",
    "autograd_lite.cli",
    "autograd_lite.data",
    "autograd_lite.init",
    "autograd_lite.interop",
    "autograd_lite.loss_registry",
    "autograd_lite.losses",
    "autograd_lite.metrics",
    "autograd_lite.module",
    "autograd_lite.nn",
    "autograd_lite.serialization",
    "autograd_lite.train",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
