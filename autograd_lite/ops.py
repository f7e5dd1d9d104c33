"""Every operation in one place: the op registry ``OPS``.

An op is one ``Op`` entry holding its float kernel, its chain rule and what the rest of
the package needs to know about it (arity, display name and formula, whether it is an
activation, its torch counterpart). ``Value``'s methods, the formula parser's functions,
the hypothesis strategies and the activation tables are all derived from ``OPS``:

* ``forward(*xs)`` computes the result on plain floats, with IEEE-754 semantics
  (``inf`` and ``nan`` instead of Python exceptions, like PyTorch); the n-ary ops
  ``sum`` and ``dot`` take the operands as one sequence, ``forward(xs)``;
* ``derivative(xs, out)`` returns d out / d x for every operand in ``xs``.

``derivative`` is written once and serves every kind of operand: called with floats it
gives the numbers that ``backward()`` stores in each node; called with ``Value``
operands (and the node itself as ``out``) it builds a graph, which is how
``grad(..., create_graph=True)`` gets second and higher derivatives; called with
symbolic operands (``autograd_lite.symbolic``) it writes the formula as text. So a rule
uses only operators and the helpers below (``div``, ``power``, ``exp``, ...), which
dispatch on the type, never ``math.*`` on an operand; comparisons (``x > 0``) work on
every kind. To add an op: write its kernel and rule here, add its ``OPS`` entry and one
row to the table in ``tests/test_ops.py``.

>>> from autograd_lite import Value
>>> OPS["tanh"].formula, "tanh" in ACTIVATIONS
('tanh({0})', True)
>>> Value(0.0).tanh().data
0.0
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

_INF = math.inf
_NAN = math.nan


def is_number(x: Any) -> bool:
    """True for plain Python numbers (not Values).

    >>> is_number(2.0), is_number("2")
    (True, False)
    """
    return isinstance(x, (int, float))


def value_of(x: Any) -> float:
    """The float data of a Value, or the number itself.

    >>> value_of(3.0)
    3.0
    """
    return x if is_number(x) else x.data


# ---------------------------------------------------------------- float kernels
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


def fexp(x: float) -> float:
    """e^x; overflow is inf.

    >>> fexp(0.0), fexp(1000.0)
    (1.0, inf)
    """
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


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


def flog1p(x: float) -> float:
    """log(1 + x), exact for tiny x (no 1 + x rounding): -inf at -1, nan below.

    >>> flog1p(1e-20), flog1p(-1.0), flog1p(-2.0)
    (1e-20, -inf, nan)
    """
    if x > -1:
        return math.log1p(x)
    return -_INF if x == -1 else _NAN  # below -1 or nan


def fsqrt(x: float) -> float:
    """The square root; nan for a negative number.

    >>> fsqrt(4.0), fsqrt(-1.0)
    (2.0, nan)
    """
    return math.sqrt(x) if x >= 0 else _NAN


def fsigmoid(x: float) -> float:
    """Overflow-free logistic function: exp is only ever taken of a non-positive number.

    >>> fsigmoid(0.0), fsigmoid(-1000.0), fsigmoid(1000.0)
    (0.5, 0.0, 1.0)
    """
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # x < 0 or nan
    return e / (1.0 + e)


def fsilu(x: float) -> float:
    """x * sigmoid(x), overflow-free through ``fsigmoid``.

    >>> fsilu(0.0), fsilu(-1000.0)
    (0.0, -0.0)
    """
    return x * fsigmoid(x)


def fsoftplus(x: float) -> float:
    """log(1 + e^x) computed as max(x, 0) + log1p(exp(-|x|)), exact for any x.

    >>> fsoftplus(0.0) == math.log(2.0), fsoftplus(1000.0)
    (True, 1000.0)
    """
    if x != x:
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def fgelu(x: float) -> float:
    """x * Phi(x) with the exact Gaussian CDF, as erfc: no 1 + erf(x) cancellation for x < 0.

    >>> fgelu(0.0), round(fgelu(1.0), 6)
    (0.0, 0.841345)
    """
    return 0.5 * x * math.erfc(-x * _SQRT1_2)


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
fcos = _trig(math.cos)


def frelu(x: float) -> float:
    """max(x, 0); nan stays nan.

    >>> frelu(-2.0), frelu(3.0)
    (0.0, 3.0)
    """
    return 0.0 if x <= 0 else x  # nan stays nan


def fleaky_relu(x: float, slope: float) -> float:
    """x for x > 0, else slope * x.

    >>> fleaky_relu(-2.0, 0.1), fleaky_relu(3.0, 0.1)
    (-0.2, 3.0)
    """
    return x if x > 0 else slope * x


def felu(x: float, alpha: float) -> float:
    """x for x > 0, else alpha (e^x - 1) through expm1: exact near 0, never overflows.

    >>> felu(2.0, 1.0), felu(-math.inf, 0.5)
    (2.0, -0.5)
    """
    return x if x > 0 else alpha * math.expm1(x)


def fdot(xs: Sequence[float]) -> float:
    """w . x (+ b): operands are w1..wn, x1..xn and an optional bias.

    >>> fdot([1.0, 2.0, 3.0, 4.0, 0.5])  # 1*3 + 2*4 + 0.5
    11.5
    """
    n = len(xs) // 2
    total = sum(map(operator.mul, xs, xs[n : 2 * n]))  # map stops after the n inputs
    return total + xs[-1] if len(xs) % 2 else total


# ------------------------------------------------- helpers that work on both types
def div(a: Any, b: Any) -> Any:
    """a / b on numbers (IEEE, ``fdiv``) or Values (a node).

    >>> div(1.0, 0.0)
    inf
    """
    return fdiv(a, b) if is_number(a) and is_number(b) else a / b


def power(a: Any, b: Any) -> Any:
    """a ** b on numbers (IEEE, ``fpow``) or Values (a node).

    >>> power(2.0, 3.0)
    8.0
    """
    return fpow(a, b) if is_number(a) and is_number(b) else a**b


def exp(x: Any) -> Any:
    """e^x on a number or a Value.

    >>> exp(0.0)
    1.0
    """
    return fexp(x) if is_number(x) else x.exp()


def erf(x: Any) -> Any:
    """The error function on a number or a Value.

    >>> erf(0.0)
    0.0
    """
    return math.erf(x) if is_number(x) else x.erf()


def log(x: Any) -> Any:
    """log x on a number or a Value.

    >>> log(1.0)
    0.0
    """
    return flog(x) if is_number(x) else x.log()


def sin(x: Any) -> Any:
    """sin x on a number or a Value.

    >>> sin(0.0)
    0.0
    """
    return fsin(x) if is_number(x) else x.sin()


def cos(x: Any) -> Any:
    """cos x on a number or a Value.

    >>> cos(0.0)
    1.0
    """
    return fcos(x) if is_number(x) else x.cos()


def sigmoid(x: Any) -> Any:
    """The logistic function on a number or a Value.

    >>> sigmoid(0.0)
    0.5
    """
    return fsigmoid(x) if is_number(x) else x.sigmoid()


# ------------------------------------------------------------ the chain rules
Derivative = Callable[[tuple, Any], tuple]


def _d_add(xs, out):
    return (1.0, 1.0)


def _d_sub(xs, out):
    return (1.0, -1.0)


def _d_mul(xs, out):
    a, b = xs
    return (b, a)


def _d_div(xs, out):
    _, b = xs
    return (div(1.0, b), -div(out, b))


def _d_pow(xs, out):
    x, y = xs
    d_base = 0.0 if value_of(y) == 0 else y * power(x, y - 1)  # d/dx x**0 = 0, even at 0
    d_exponent = 0.0 if value_of(x) == 0 else out * log(x)  # PyTorch's convention
    return (d_base, d_exponent)


def _d_neg(xs, out):
    return (-1.0,)


def _d_abs(xs, out):
    x = xs[0]
    return (1.0 if x > 0 else (-1.0 if x < 0 else 0.0),)  # abs'(0) = 0


def _d_exp(xs, out):
    return (out,)


def _d_log(xs, out):
    return (div(1.0, xs[0]),)


def _d_sqrt(xs, out):
    return (div(0.5, out),)


def _d_tanh(xs, out):
    return (1.0 - out * out,)


def _d_sigmoid(xs, out):
    return (out * (1.0 - out),)


def _d_relu(xs, out):
    return (0.0 if xs[0] <= 0 else 1.0,)  # relu'(0) = 0; at nan 1, as in PyTorch


def _d_leaky_relu(xs, out):
    x, slope = xs
    return (1.0 if x > 0 else slope, 0.0)  # the slope is a constant


def _d_softplus(xs, out):
    return (sigmoid(xs[0]),)


def _d_sin(xs, out):
    return (cos(xs[0]),)


def _d_cos(xs, out):
    return (-sin(xs[0]),)


def _d_atan(xs, out):
    x = xs[0]
    return (div(1.0, 1.0 + x * x),)


def _d_log1p(xs, out):
    return (div(1.0, 1.0 + xs[0]),)


_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _d_erf(xs, out):
    x = xs[0]
    return (_TWO_OVER_SQRT_PI * exp(-(x * x)),)


def _d_gelu(xs, out):
    x = xs[0]
    return (0.5 * (1.0 + erf(x * _SQRT1_2)) + x * exp(-0.5 * x * x) * _INV_SQRT_2PI,)


def _d_silu(xs, out):
    s = sigmoid(xs[0])
    return (s + out * (1.0 - s),)  # s + x s (1 - s)


def _d_elu(xs, out):
    x, alpha = xs
    return (alpha * exp(x) if x <= 0 else 1.0, 0.0)  # at nan 1, as in PyTorch; alpha constant


def _d_sum(xs, out):
    return (1.0,) * len(xs)


def _d_dot(xs, out):
    n = len(xs) // 2
    if len(xs) % 2:
        return (*xs[n : 2 * n], *xs[:n], 1.0)
    return (*xs[n:], *xs[:n])


# ------------------------------------------------------------------ the registry
Syntax = Literal["infix", "prefix", "call", "nary"]
Domain = Literal["real", "bounded", "positive", "above_minus_one", "nonzero"]


class Op(NamedTuple):
    """One operation: everything the library knows about it, in one place.

    ``forward`` and ``derivative`` are the kernel and the chain rule. The other fields
    are read by the rest of the package, which keeps no list of ops of its own:

    * ``arity``: how many operands ``forward`` takes, constant parameters included;
      0 for the n-ary ops, whose ``forward`` takes one sequence;
    * ``display`` and ``formula``: the op's name in graphs and ledgers, and its text with
      ``{0}``, ``{1}`` standing for the operands (see ``Op.text``);
    * ``syntax``: how a formula writes it, and so which ``Value`` method it becomes:
      ``"infix"`` (``a + b``: ``Value.__add__`` and ``__radd__``), ``"prefix"`` (``-a``),
      ``"call"`` (``tanh(a)``: ``Value.tanh``), ``"nary"`` (``Value.sum``, ``Value.dot``);
    * ``dunder``: the Python operator method it also is (``"__abs__"``), if any;
    * ``params``: constant operands after the input, as ``(name, default)`` pairs
      (``leaky_relu``'s slope): the method's keyword arguments, never differentiated;
    * ``activation``: whether a network may use it as an activation (``ACTIVATIONS``);
    * ``torch``: the oracle, a path under ``torch`` (``"nn.functional.gelu"``), and for
      activations ``torch_module``, the class in ``torch.nn`` (``"GELU"``);
    * ``domain``: for each operand (one for all operands of an n-ary op), where the op is
      finite and smooth, which is where tests draw inputs: ``"real"``, ``"bounded"``
      (moderate inputs: ``exp`` overflows, a product grows), ``"positive"``,
      ``"above_minus_one"``, ``"nonzero"`` (a kink or a pole at 0).

    >>> OPS["tanh"].forward(0.0), OPS["tanh"].derivative((0.0,), 0.0)
    (0.0, (1.0,))
    >>> OPS["*"].text("a", "b"), OPS["sum"].text("a", "b", "c")
    ('a * b', 'sum(a, b, c)')
    """

    forward: Callable[..., float]
    derivative: Derivative
    arity: int
    display: str
    formula: str
    syntax: Syntax = "call"
    dunder: str = ""
    params: tuple[tuple[str, float], ...] = ()
    activation: bool = False
    torch: str = ""
    torch_module: str = ""
    domain: tuple[Domain, ...] = ("real",)

    @property
    def inputs(self) -> int:
        """How many operands may be Values (0 for n-ary: any number).

        >>> OPS["leaky_relu"].arity, OPS["leaky_relu"].inputs
        (2, 1)
        """
        return self.arity - len(self.params)

    def text(self, *operands: str) -> str:
        """The formula with ``operands`` written in; an n-ary op lists them all.

        >>> OPS["**"].text("x", "2")
        'x ** 2'
        """
        if self.syntax == "nary":
            return self.formula.format(", ".join(operands))
        return self.formula.format(*operands)


def _unary_op(forward, derivative, *, torch: str, **fields: Any) -> Op:
    """An op of one operand, called as ``name(x)``, whose display name is its torch name's tail."""
    display = fields.pop("display", torch.rsplit(".", 1)[-1])
    return Op(forward, derivative, 1, display, f"{display}({{0}})", torch=torch, **fields)


OPS: dict[str, Op] = {
    "+": Op(operator.add, _d_add, 2, "+", "{0} + {1}", "infix", "__add__", torch="add"),
    "-": Op(operator.sub, _d_sub, 2, "-", "{0} - {1}", "infix", "__sub__", torch="sub"),
    "*": Op(
        operator.mul, _d_mul, 2, "*", "{0} * {1}", "infix", "__mul__", torch="mul",
        domain=("real", "bounded"),
    ),
    "/": Op(
        fdiv, _d_div, 2, "/", "{0} / {1}", "infix", "__truediv__", torch="div",
        domain=("real", "nonzero"),
    ),
    "**": Op(
        fpow, _d_pow, 2, "**", "{0} ** {1}", "infix", "__pow__", torch="pow",
        domain=("positive", "nonzero"),  # at exponent 0 the rule's d/d base is 0, as in torch
    ),
    "neg": Op(operator.neg, _d_neg, 1, "-", "-{0}", "prefix", "__neg__", torch="neg"),
    "abs": _unary_op(abs, _d_abs, torch="abs", dunder="__abs__", domain=("nonzero",)),
    "exp": _unary_op(fexp, _d_exp, torch="exp", domain=("bounded",)),
    "log": _unary_op(flog, _d_log, torch="log", domain=("positive",)),
    "sqrt": _unary_op(fsqrt, _d_sqrt, torch="sqrt", domain=("positive",)),
    "tanh": _unary_op(math.tanh, _d_tanh, torch="tanh", activation=True, torch_module="Tanh"),
    "sigmoid": _unary_op(
        fsigmoid, _d_sigmoid, torch="sigmoid", activation=True, torch_module="Sigmoid"
    ),
    "relu": _unary_op(
        frelu, _d_relu, torch="relu", activation=True, torch_module="ReLU", domain=("nonzero",)
    ),
    "leaky_relu": Op(
        fleaky_relu, _d_leaky_relu, 2, "leaky_relu", "leaky_relu({0}, {1})",
        params=(("slope", 0.01),), activation=True, torch="nn.functional.leaky_relu",
        torch_module="LeakyReLU", domain=("nonzero",),
    ),
    "softplus": _unary_op(
        fsoftplus, _d_softplus, torch="nn.functional.softplus", activation=True,
        torch_module="Softplus",
    ),
    "sin": _unary_op(fsin, _d_sin, torch="sin"),
    "cos": _unary_op(fcos, _d_cos, torch="cos"),
    "atan": _unary_op(math.atan, _d_atan, torch="atan"),
    "log1p": _unary_op(flog1p, _d_log1p, torch="log1p", domain=("above_minus_one",)),
    "erf": _unary_op(math.erf, _d_erf, torch="erf"),
    "gelu": _unary_op(
        fgelu, _d_gelu, torch="nn.functional.gelu", activation=True, torch_module="GELU"
    ),
    "silu": _unary_op(
        fsilu, _d_silu, torch="nn.functional.silu", activation=True, torch_module="SiLU"
    ),
    "elu": Op(
        felu, _d_elu, 2, "elu", "elu({0}, {1})", params=(("alpha", 1.0),), activation=True,
        torch="nn.functional.elu", torch_module="ELU", domain=("nonzero",),
    ),
    "sum": Op(sum, _d_sum, 0, "sum", "sum({0})", "nary", torch="sum"),
    "dot": Op(fdot, _d_dot, 0, "dot", "dot({0})", "nary", torch="dot", domain=("bounded",)),
}  # fmt: skip
"""Every op by name: the one place an op is defined (see ``Op``)."""

ACTIVATIONS: tuple[str, ...] = tuple(name for name, op in OPS.items() if op.activation)
"""The ops that serve as a network's activation (``MLP(activation=...)``, folded graphs)."""
