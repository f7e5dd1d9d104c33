"""micrograd 0.1.0 has no ``tanh``; add one written in its own closure style.

The method is the one from micrograd's lecture: the backward rule is a closure that
captures ``out``, exactly like micrograd's other ops, so its nodes cost what its other
nodes cost (a reference cycle each). ``math.tanh`` gives the forward value so large
inputs do not overflow.
"""

from __future__ import annotations

import math


def install() -> None:
    """Give ``micrograd.engine.Value`` a ``tanh`` method if it has none (idempotent)."""
    from micrograd.engine import Value

    if hasattr(Value, "tanh"):
        return

    def tanh(self: Value) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    Value.tanh = tanh
