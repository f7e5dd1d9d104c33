"""Every operation's forward formula and chain rule, in one place.

Each op is a pair of functions:

* ``forward(*xs)`` computes the result on plain floats, with IEEE-754 semantics
  (``inf`` and ``nan`` instead of Python exceptions, like PyTorch); the n-ary ops
  ``sum`` and ``dot`` take the operands as one sequence, ``forward(xs)``;
* ``derivative(xs, out)`` returns d out / d x for every operand in ``xs``.

``derivative`` is written once and serves both modes of differentiation: called with
floats it gives the numbers that ``backward()`` stores in each node; called with
``Value`` operands (and the node itself as ``out``) it builds a graph, which is how
``grad(..., create_graph=True)`` gets second and higher derivatives. The helpers
below (``div``, ``power``, ``log``, ...) dispatch on the type so a rule reads like
the formula from a textbook; comparisons (``x > 0``) work on Values as on floats.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

_INF = math.inf
_NAN = math.nan


def is_number(x: Any) -> bool:
    """True for plain Python numbers (not Values)."""
    return isinstance(x, (int, float))


def value_of(x: Any) -> float:
    """The float data of a Value, or the number itself."""
    return x if is_number(x) else x.data


# ---------------------------------------------------------------- float kernels
def fdiv(a: float, b: float) -> float:
    """a / b with IEEE semantics: x/0 is +-inf, 0/0 is nan."""
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


def fpow(x: float, y: float) -> float:
    """x ** y like C's pow: overflow is inf, a negative base with a fractional exponent is nan."""
    try:
        return math.pow(x, y)
    except OverflowError:
        return -_INF if x < 0 and _is_odd_integer(y) else _INF
    except ValueError:
        if x == 0:  # 0 ** negative
            return math.copysign(_INF, x) if _is_odd_integer(y) else _INF
        return _NAN


def fexp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def flog(x: float) -> float:
    if x > 0:
        return math.log(x)
    if x == 0:
        return -_INF
    return _NAN  # negative or nan


def fsqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else _NAN


def fsigmoid(x: float) -> float:
    """Overflow-free logistic function: exp is only ever taken of a non-positive number."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 or nan
    return e / (1.0 + e)


def fsoftplus(x: float) -> float:
    """log(1 + e^x) computed as max(x, 0) + log1p(exp(-|x|)), exact for any x."""
    if x != x:
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _trig(f: Callable[[float], float]) -> Callable[[float], float]:
    def kernel(x: float) -> float:
        return f(x) if math.isfinite(x) else _NAN

    return kernel


fsin = _trig(math.sin)
fcos = _trig(math.cos)


def frelu(x: float) -> float:
    return 0.0 if x <= 0 else x  # nan stays nan


def fleaky_relu(x: float, slope: float) -> float:
    return x if x > 0 else slope * x


def fdot(xs: Sequence[float]) -> float:
    """w . x (+ b): operands are w1..wn, x1..xn and an optional bias."""
    n = len(xs) // 2
    total = sum(map(operator.mul, xs, xs[n : 2 * n]))  # map stops after the n inputs
    return total + xs[-1] if len(xs) % 2 else total


# ------------------------------------------------- helpers that work on both types
def div(a: Any, b: Any) -> Any:
    return fdiv(a, b) if is_number(a) and is_number(b) else a / b


def power(a: Any, b: Any) -> Any:
    return fpow(a, b) if is_number(a) and is_number(b) else a**b


def log(x: Any) -> Any:
    return flog(x) if is_number(x) else x.log()


def sin(x: Any) -> Any:
    return fsin(x) if is_number(x) else x.sin()


def cos(x: Any) -> Any:
    return fcos(x) if is_number(x) else x.cos()


def sigmoid(x: Any) -> Any:
    return fsigmoid(x) if is_number(x) else x.sigmoid()


# ------------------------------------------------------------ the chain rules
Derivative = Callable[[tuple, Any], tuple]


def d_add(xs, out):
    return (1.0, 1.0)


def d_sub(xs, out):
    return (1.0, -1.0)


def d_mul(xs, out):
    a, b = xs
    return (b, a)


def d_div(xs, out):
    _, b = xs
    return (div(1.0, b), -div(out, b))


def d_pow(xs, out):
    x, y = xs
    d_base = 0.0 if value_of(y) == 0 else y * power(x, y - 1)  # d/dx x**0 = 0, even at 0
    d_exponent = 0.0 if value_of(x) == 0 else out * log(x)  # PyTorch's convention
    return (d_base, d_exponent)


def d_neg(xs, out):
    return (-1.0,)


def d_abs(xs, out):
    x = xs[0]
    return (1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)  # abs'(0) = 0


def d_exp(xs, out):
    return (out,)


def d_log(xs, out):
    return (div(1.0, xs[0]),)


def d_sqrt(xs, out):
    return (div(0.5, out),)


def d_tanh(xs, out):
    return (1.0 - out * out,)


def d_sigmoid(xs, out):
    return (out * (1.0 - out),)


def d_relu(xs, out):
    return (0.0 if xs[0] <= 0 else 1.0,)  # relu'(0) = 0; at nan 1, as in PyTorch


def d_leaky_relu(xs, out):
    x, slope = xs
    return (1.0 if x > 0 else slope, 0.0)  # the slope is a constant


def d_softplus(xs, out):
    return (sigmoid(xs[0]),)


def d_sin(xs, out):
    return (cos(xs[0]),)


def d_cos(xs, out):
    return (-sin(xs[0]),)


def d_sum(xs, out):
    return (1.0,) * len(xs)


def d_dot(xs, out):
    n = len(xs) // 2
    if len(xs) % 2:
        return (*xs[n : 2 * n], *xs[:n], 1.0)
    return (*xs[n:], *xs[:n])


class Op(NamedTuple):
    """An operation: how to compute it and how to differentiate it."""

    forward: Callable[..., float]
    derivative: Derivative


OPS: dict[str, Op] = {
    "+": Op(operator.add, d_add),
    "-": Op(operator.sub, d_sub),
    "*": Op(operator.mul, d_mul),
    "/": Op(fdiv, d_div),
    "**": Op(fpow, d_pow),
    "neg": Op(operator.neg, d_neg),
    "abs": Op(abs, d_abs),
    "exp": Op(fexp, d_exp),
    "log": Op(flog, d_log),
    "sqrt": Op(fsqrt, d_sqrt),
    "tanh": Op(math.tanh, d_tanh),
    "sigmoid": Op(fsigmoid, d_sigmoid),
    "relu": Op(frelu, d_relu),
    "leaky_relu": Op(fleaky_relu, d_leaky_relu),
    "softplus": Op(fsoftplus, d_softplus),
    "sin": Op(fsin, d_sin),
    "cos": Op(fcos, d_cos),
    "sum": Op(sum, d_sum),
    "dot": Op(fdot, d_dot),
}

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid", "leaky_relu", "softplus")
"""The ops that serve as a network's activation (``MLP(activation=...)``, folded graphs)."""
