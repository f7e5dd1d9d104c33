"""Float kernels that behave as torch's tensor ops do on one element.

Python raises on ``0.0 / 0.0`` and ``math.sqrt(-1.0)`` where torch returns NaN or inf; the
optimizers use the op registry's IEEE kernels for those (``div``, ``sqrt``), so that, as in
torch, eps=0 meeting a zero gradient gives NaN rather than an exception half-way through a
step; ``maximum`` and ``lerp`` are torch's elementwise ops, which no op of the registry is.
"""

from __future__ import annotations

import math

from autograd_lite.ops import fdiv as div
from autograd_lite.ops import fsqrt as sqrt

__all__ = ["div", "lerp", "maximum", "sqrt"]


def maximum(a: float, b: float) -> float:
    """Larger of two floats, NaN if either is NaN, like torch.maximum.

    >>> maximum(1.0, 2.0), maximum(float("nan"), 2.0)
    (2.0, nan)
    """
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a >= b else b


def lerp(start: float, end: float, weight: float) -> float:
    """``start + weight * (end - start)`` computed exactly as ATen's lerp kernel does.

    >>> lerp(0.0, 10.0, 0.25), lerp(0.0, 10.0, 0.75)
    (2.5, 7.5)
    """
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)
