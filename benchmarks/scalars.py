"""The scalar ``Value`` classes under test: autograd_lite's and (when installed) micrograd's."""

from __future__ import annotations

import importlib.util

from benchmarks import micrograd_tanh


def value_classes() -> dict[str, type]:
    """Engine name -> its ``Value`` class; micrograd's gets its closure-style ``tanh``."""
    from autograd_lite import Value

    classes: dict[str, type] = {"autograd_lite": Value}
    if importlib.util.find_spec("micrograd") is not None:
        from micrograd.engine import Value as MicrogradValue

        micrograd_tanh.install()
        classes["micrograd"] = MicrogradValue
    return classes
