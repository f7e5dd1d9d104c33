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
uses only operators and the helpers of ``core`` (``div``, ``power``, ``exp``, ...), which
dispatch on the type, never ``math.*`` on an operand; comparisons (``x > 0``) work on
every kind.

The ops live by family, each op's kernel, rule and ``register`` call side by side:
``arithmetic`` (``+ - * / **``, ``neg``, ``abs``), ``functions`` (``exp log sqrt sin cos
atan log1p erf``), ``activations`` (``tanh sigmoid relu leaky_relu softplus gelu silu
elu``) and ``nary`` (``sum dot``); ``core`` holds ``Op``, ``OPS`` and the helpers. To add
an op: write its kernel, rule and entry in its family's module and add one row to the
table in ``tests/test_ops.py``.

>>> from autograd_lite import Value
>>> OPS["tanh"].formula, "tanh" in ACTIVATIONS
('tanh({0})', True)
>>> Value(0.0).tanh().data
0.0
"""

from __future__ import annotations

# The families register their ops when imported, so this order is OPS's (and so the order
# of ACTIVATIONS, the CLI's choices and error messages): family by family.
# isort: off
from autograd_lite.ops.arithmetic import fdiv, fpow
from autograd_lite.ops.functions import fcos, fexp, flog, flog1p, fsin, fsqrt
from autograd_lite.ops.activations import (
    felu,
    fgelu,
    fleaky_relu,
    frelu,
    fsigmoid,
    fsilu,
    fsoftplus,
)
from autograd_lite.ops.nary import fdot

# isort: on
from autograd_lite.ops.core import (
    OPS,
    Derivative,
    Domain,
    Op,
    Syntax,
    cos,
    div,
    erf,
    exp,
    is_number,
    log,
    power,
    register,
    sigmoid,
    sin,
    unary_op,
    value_of,
)

ACTIVATIONS: tuple[str, ...] = tuple(name for name, op in OPS.items() if op.activation)
"""The ops that serve as a network's activation (``MLP(activation=...)``, folded graphs)."""

__all__ = [
    "ACTIVATIONS",
    "OPS",
    "Derivative",
    "Domain",
    "Op",
    "Syntax",
    "cos",
    "div",
    "erf",
    "exp",
    "fcos",
    "fdiv",
    "fdot",
    "felu",
    "fexp",
    "fgelu",
    "fleaky_relu",
    "flog",
    "flog1p",
    "fpow",
    "frelu",
    "fsigmoid",
    "fsilu",
    "fsin",
    "fsoftplus",
    "fsqrt",
    "is_number",
    "log",
    "power",
    "register",
    "sigmoid",
    "sin",
    "unary_op",
    "value_of",
]
