"""The elementary functions: ``exp log sqrt sin cos atan log1p erf``; each op's float
kernel (IEEE: inf or nan, never an exception), chain rule and registry entry side by side.

>>> from autograd_lite.ops import OPS
>>> OPS["log"].forward(0.0), OPS["sqrt"].derivative((4.0,), 2.0)
(-inf, (0.25,))
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autograd_lite.ops.core import cos, div, exp, register, sin, unary_op

_INF = math.inf
_NAN = math.nan


def fexp(x: float) -> float:
    """e^x; overflow is inf.

    >>> fexp(0.0), fexp(1000.0)
    (1.0, inf)
    """
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _d_exp(xs, out):
    return (out,)


register("exp", unary_op(fexp, _d_exp, torch="exp", domain=("bounded",)))


def flog(x: float) -> float:
    """log x: -inf at 0, nan below.

    >>> flog(1.0), flog(0.0), flog(-1.0)
    (0.0, -inf, nan)
    """
    if x > 0:
        return math.log(x)
    if x == 0:
        return -_INF
    return _NAN  # negative or nan


def _d_log(xs, out):
    return (div(1.0, xs[0]),)


register("log", unary_op(flog, _d_log, torch="log", domain=("positive",)))


def fsqrt(x: float) -> float:
    """The square root; nan for a negative number.

    >>> fsqrt(4.0), fsqrt(-1.0)
    (2.0, nan)
    """
    return math.sqrt(x) if x >= 0 else _NAN


def _d_sqrt(xs, out):
    return (div(0.5, out),)


register("sqrt", unary_op(fsqrt, _d_sqrt, torch="sqrt", domain=("positive",)))


def _trig(f: Callable[[float], float]) -> Callable[[float], float]:
    def kernel(x: float) -> float:
        return f(x) if math.isfinite(x) else _NAN

    kernel.__name__ = kernel.__qualname__ = f"f{f.__name__}"
    kernel.__doc__ = (
        f"{f.__name__} x; nan at +-inf instead of a ValueError.\n\n"
        f">>> f{f.__name__}(0.0), f{f.__name__}(math.inf)\n({f(0.0)!r}, nan)"
    )
    return kernel


fsin = _trig(math.sin)


def _d_sin(xs, out):
    return (cos(xs[0]),)


register("sin", unary_op(fsin, _d_sin, torch="sin"))

fcos = _trig(math.cos)


def _d_cos(xs, out):
    return (-sin(xs[0]),)


register("cos", unary_op(fcos, _d_cos, torch="cos"))


def _d_atan(xs, out):
    x = xs[0]
    return (div(1.0, 1.0 + x * x),)


register("atan", unary_op(math.atan, _d_atan, torch="atan"))


def flog1p(x: float) -> float:
    """log(1 + x), exact for tiny x (no 1 + x rounding): -inf at -1, nan below.

    >>> flog1p(1e-20), flog1p(-1.0), flog1p(-2.0)
    (1e-20, -inf, nan)
    """
    if x > -1:
        return math.log1p(x)
    return -_INF if x == -1 else _NAN  # below -1 or nan


def _d_log1p(xs, out):
    return (div(1.0, 1.0 + xs[0]),)


register("log1p", unary_op(flog1p, _d_log1p, torch="log1p", domain=("above_minus_one",)))

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _d_erf(xs, out):
    x = xs[0]
    return (_TWO_OVER_SQRT_PI * exp(-(x * x)),)


register("erf", unary_op(math.erf, _d_erf, torch="erf"))
