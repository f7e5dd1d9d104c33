"""The n-ary ops ``sum`` and ``dot``: one node for many operands (``Value.sum``,
``Value.dot``), whose kernels take the operands as one sequence.

>>> from autograd_lite.ops import OPS
>>> OPS["sum"].forward([1.0, 2.0]), OPS["dot"].derivative((1.0, 2.0, 3.0, 4.0), 11.0)
(3.0, (3.0, 4.0, 1.0, 2.0))
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from autograd_lite.ops.core import Op, register


def _d_sum(xs, out):
    return (1.0,) * len(xs)


register("sum", Op(sum, _d_sum, 0, "sum", "sum({0})", "nary", torch="sum"))


def fdot(xs: Sequence[float]) -> float:
    """w . x (+ b): operands are w1..wn, x1..xn and an optional bias.

    >>> fdot([1.0, 2.0, 3.0, 4.0, 0.5])  # 1*3 + 2*4 + 0.5
    11.5
    """
    n = len(xs) // 2
    total = sum(map(operator.mul, xs, xs[n : 2 * n]))  # map stops after the n inputs
    return total + xs[-1] if len(xs) % 2 else total


def _d_dot(xs, out):
    n = len(xs) // 2
    if len(xs) % 2:
        return (*xs[n : 2 * n], *xs[:n], 1.0)
    return (*xs[n:], *xs[:n])


register("dot", Op(fdot, _d_dot, 0, "dot", "dot({0})", "nary", torch="dot", domain=("bounded",)))
