"""The arithmetic ops: ``+ - * / **``, unary ``-`` and ``abs``; each op's float kernel,
chain rule and registry entry side by side.

>>> from autograd_lite.ops import OPS
>>> OPS["/"].forward(1.0, 0.0), OPS["**"].derivative((2.0, 3.0), 8.0)
(inf, (12.0, 5.545177444479562))
"""

from __future__ import annotations

import math
import operator

from autograd_lite.ops.core import Op, div, log, power, register, unary_op, value_of

_INF = math.inf
_NAN = math.nan


def _d_add(xs, out):
    return (1.0, 1.0)


register("+", Op(operator.add, _d_add, 2, "+", "{0} + {1}", "infix", "__add__", torch="add"))


def _d_sub(xs, out):
    return (1.0, -1.0)


register("-", Op(operator.sub, _d_sub, 2, "-", "{0} - {1}", "infix", "__sub__", torch="sub"))


def _d_mul(xs, out):
    a, b = xs
    return (b, a)


register("*", Op(
    operator.mul, _d_mul, 2, "*", "{0} * {1}", "infix", "__mul__", torch="mul",
    domain=("real", "bounded"),
))  # fmt: skip


def fdiv(a: float, b: float) -> float:
    """a / b with IEEE semantics: x/0 is +-inf, 0/0 is nan.

    >>> fdiv(1.0, 4.0), fdiv(-1.0, 0.0), fdiv(0.0, 0.0)
    (0.25, -inf, nan)
    """
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _d_div(xs, out):
    _, b = xs
    return (div(1.0, b), -div(out, b))


register("/", Op(
    fdiv, _d_div, 2, "/", "{0} / {1}", "infix", "__truediv__", torch="div",
    domain=("real", "nonzero"),
))  # fmt: skip


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def fpow(x: float, y: float) -> float:
    """x ** y like C's pow: overflow is inf, a negative base with a fractional exponent is nan.

    >>> fpow(2.0, 10.0), fpow(10.0, 400.0), fpow(-8.0, 1 / 3)
    (1024.0, inf, nan)
    """
    try:
        return math.pow(x, y)
    except OverflowError:
        return -_INF if x < 0 and _is_odd_integer(y) else _INF
    except ValueError:
        if x == 0:  # 0 ** negative
            return math.copysign(_INF, x) if _is_odd_integer(y) else _INF
        return _NAN


def _d_pow(xs, out):
    x, y = xs
    d_base = 0.0 if value_of(y) == 0 else y * power(x, y - 1)  # d/dx x**0 = 0, even at 0
    d_exponent = 0.0 if value_of(x) == 0 else out * log(x)  # PyTorch's convention
    return (d_base, d_exponent)


register("**", Op(
    fpow, _d_pow, 2, "**", "{0} ** {1}", "infix", "__pow__", torch="pow",
    domain=("positive", "nonzero"),  # at exponent 0 the rule's d/d base is 0, as in torch
))  # fmt: skip


def _d_neg(xs, out):
    return (-1.0,)


register("neg", Op(operator.neg, _d_neg, 1, "-", "-{0}", "prefix", "__neg__", torch="neg"))


def _d_abs(xs, out):
    x = xs[0]
    return (1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)  # abs'(0) = 0


register("abs", unary_op(abs, _d_abs, torch="abs", dunder="__abs__", domain=("nonzero",)))
