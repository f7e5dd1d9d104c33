"""Float kernels that behave as torch's tensor ops do on one element.

Python raises on ``0.0 / 0.0`` and ``math.sqrt(-1.0)`` where torch returns NaN or inf; the
optimizers use these so that, as in torch, eps=0 meeting a zero gradient gives NaN rather
than an exception half-way through a step.
"""

from __future__ import annotations

import math

__all__ = ["div", "lerp", "maximum", "sqrt"]


def div(a: float, b: float) -> float:
    """``a / b`` with IEEE semantics: x/0 is +-inf, 0/0 and nan/0 are NaN, like torch.

    >>> div(0.0, 0.0), div(-1.0, 0.0), div(1.0, -0.0)
    (nan, -inf, -inf)
    """
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def sqrt(x: float) -> float:
    """Square root that returns NaN for negative input, like torch.sqrt.

    >>> sqrt(4.0), sqrt(-1.0)
    (2.0, nan)
    """
    return math.sqrt(x) if x >= 0.0 else math.nan


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
