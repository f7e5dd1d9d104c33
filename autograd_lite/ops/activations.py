"""The activation functions: ``tanh sigmoid relu leaky_relu softplus gelu silu elu``, each
registered with ``activation=True`` (so in ``ACTIVATIONS``) and its ``torch.nn`` module;
each op's float kernel, chain rule and registry entry side by side.

>>> from autograd_lite.ops import OPS
>>> OPS["relu"].forward(-1.0), OPS["sigmoid"].derivative((0.0,), 0.5)
(0.0, (0.25,))
"""

from __future__ import annotations

import math

from autograd_lite.ops.core import Op, erf, exp, register, sigmoid, unary_op


def _d_tanh(xs, out):
    return (1.0 - out * out,)


register("tanh", unary_op(
    math.tanh, _d_tanh, torch="tanh", activation=True, torch_module="Tanh"
))  # fmt: skip


def fsigmoid(x: float) -> float:
    """Overflow-free logistic function: exp is only ever taken of a non-positive number.

    >>> fsigmoid(0.0), fsigmoid(-1000.0), fsigmoid(1000.0)
    (0.5, 0.0, 1.0)
    """
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 or nan
    return e / (1.0 + e)


def _d_sigmoid(xs, out):
    return (out * (1.0 - out),)


register("sigmoid", unary_op(
    fsigmoid, _d_sigmoid, torch="sigmoid", activation=True, torch_module="Sigmoid"
))  # fmt: skip


def frelu(x: float) -> float:
    """max(x, 0); nan stays nan.

    >>> frelu(-2.0), frelu(3.0)
    (0.0, 3.0)
    """
    return 0.0 if x <= 0 else x  # nan stays nan


def _d_relu(xs, out):
    return (0.0 if xs[0] <= 0 else 1.0,)  # relu'(0) = 0; at nan 1, as in PyTorch


register("relu", unary_op(
    frelu, _d_relu, torch="relu", activation=True, torch_module="ReLU", domain=("nonzero",)
))  # fmt: skip


def fleaky_relu(x: float, slope: float) -> float:
    """x for x > 0, else slope * x.

    >>> fleaky_relu(-2.0, 0.1), fleaky_relu(3.0, 0.1)
    (-0.2, 3.0)
    """
    return x if x > 0 else slope * x


def _d_leaky_relu(xs, out):
    x, slope = xs
    return (1.0 if x > 0 else slope, 0.0)  # the slope is a constant


register("leaky_relu", Op(
    fleaky_relu, _d_leaky_relu, 2, "leaky_relu", "leaky_relu({0}, {1})",
    params=(("slope", 0.01),), activation=True, torch="nn.functional.leaky_relu",
    torch_module="LeakyReLU", domain=("nonzero",),
))  # fmt: skip


def fsoftplus(x: float) -> float:
    """log(1 + e^x) computed as max(x, 0) + log1p(exp(-|x|)), exact for any x.

    >>> fsoftplus(0.0) == math.log(2.0), fsoftplus(1000.0)
    (True, 1000.0)
    """
    if x != x:
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _d_softplus(xs, out):
    return (sigmoid(xs[0]),)


register("softplus", unary_op(
    fsoftplus, _d_softplus, torch="nn.functional.softplus", activation=True,
    torch_module="Softplus",
))  # fmt: skip

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def fgelu(x: float) -> float:
    """x * Phi(x) with the exact Gaussian CDF, as erfc: no 1 + erf(x) cancellation for x < 0.

    >>> fgelu(0.0), round(fgelu(1.0), 6)
    (0.0, 0.841345)
    """
    return 0.5 * x * math.erfc(-x * _SQRT1_2)


def _d_gelu(xs, out):
    x = xs[0]
    return (0.5 * (1.0 + erf(x * _SQRT1_2)) + x * exp(-0.5 * x * x) * _INV_SQRT_2PI,)


register("gelu", unary_op(
    fgelu, _d_gelu, torch="nn.functional.gelu", activation=True, torch_module="GELU"
))  # fmt: skip


def fsilu(x: float) -> float:
    """x * sigmoid(x), overflow-free through ``fsigmoid``.

    >>> fsilu(0.0), fsilu(-1000.0)
    (0.0, -0.0)
    """
    return x * fsigmoid(x)


def _d_silu(xs, out):
    s = sigmoid(xs[0])
    return (s + out * (1.0 - s),)  # s + x s (1 - s)


register("silu", unary_op(
    fsilu, _d_silu, torch="nn.functional.silu", activation=True, torch_module="SiLU"
))  # fmt: skip


def felu(x: float, alpha: float) -> float:
    """x for x > 0, else alpha (e^x - 1) through expm1: exact near 0, never overflows.

    >>> felu(2.0, 1.0), felu(-math.inf, 0.5)
    (2.0, -0.5)
    """
    return x if x > 0 else alpha * math.expm1(x)


def _d_elu(xs, out):
    x, alpha = xs
    return (alpha * exp(x) if x <= 0 else 1.0, 0.0)  # at nan 1, as in PyTorch; alpha constant


register("elu", Op(
    felu, _d_elu, 2, "elu", "elu({0}, {1})", params=(("alpha", 1.0),), activation=True,
    torch="nn.functional.elu", torch_module="ELU", domain=("nonzero",),
))  # fmt: skip
