"""The registry's machinery: the ``Op`` entry type, ``OPS``, ``register``, and the helpers
that a chain rule calls on its operands.

A rule runs on floats, on ``Value``s (``create_graph``) and on symbols (``symbolic``), so
it uses only operators and the helpers here (``div``, ``power``, ``exp``, ...): each one
applies a registry op, through the op's float kernel when every operand is a number and
through the operand's own method otherwise. Going through ``OPS`` keeps this module free
of the family modules that define the kernels, so the rules of one family may use the
ops of another.

>>> div(1.0, 0.0), exp(0.0)
(inf, 1.0)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

Derivative = Callable[[tuple, Any], tuple]
Syntax = Literal["infix", "prefix", "call", "nary"]
Domain = Literal["real", "bounded", "positive", "above_minus_one", "nonzero"]


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


OPS: dict[str, Op] = {}
"""Every op by name, in the order the family modules register them (see ``Op``)."""


def register(name: str, op: Op) -> Op:
    """Add ``op`` to ``OPS`` under ``name``; a name is registered once.

    >>> register("+", OPS["+"])
    Traceback (most recent call last):
    ValueError: op '+' is already registered
    """
    if name in OPS:
        raise ValueError(f"op {name!r} is already registered")
    OPS[name] = op
    return op


def unary_op(
    forward: Callable[..., float], derivative: Derivative, *, torch: str, **fields: Any
) -> Op:
    """An op of one operand, called as ``name(x)``, whose display name is its torch name's tail.

    >>> unary_op(abs, None, torch="nn.functional.relu").formula
    'relu({0})'
    """
    display = fields.pop("display", torch.rsplit(".", 1)[-1])
    return Op(forward, derivative, 1, display, f"{display}({{0}})", torch=torch, **fields)


# ------------------------------------------------- helpers that work on both types
def div(a: Any, b: Any) -> Any:
    """a / b on numbers (IEEE: ``OPS["/"]``'s kernel ``fdiv``) or Values (a node).

    >>> div(1.0, 0.0)
    inf
    """
    return OPS["/"].forward(a, b) if is_number(a) and is_number(b) else a / b


def power(a: Any, b: Any) -> Any:
    """a ** b on numbers (IEEE: ``OPS["**"]``'s kernel ``fpow``) or Values (a node).

    >>> power(2.0, 3.0)
    8.0
    """
    return OPS["**"].forward(a, b) if is_number(a) and is_number(b) else a**b


def exp(x: Any) -> Any:
    """e^x on a number or a Value.

    >>> exp(0.0)
    1.0
    """
    return OPS["exp"].forward(x) if is_number(x) else x.exp()


def erf(x: Any) -> Any:
    """The error function on a number or a Value.

    >>> erf(0.0)
    0.0
    """
    return OPS["erf"].forward(x) if is_number(x) else x.erf()


def log(x: Any) -> Any:
    """log x on a number or a Value.

    >>> log(1.0)
    0.0
    """
    return OPS["log"].forward(x) if is_number(x) else x.log()


def sin(x: Any) -> Any:
    """sin x on a number or a Value.

    >>> sin(0.0)
    0.0
    """
    return OPS["sin"].forward(x) if is_number(x) else x.sin()


def cos(x: Any) -> Any:
    """cos x on a number or a Value.

    >>> cos(0.0)
    1.0
    """
    return OPS["cos"].forward(x) if is_number(x) else x.cos()


def sigmoid(x: Any) -> Any:
    """The logistic function on a number or a Value.

    >>> sigmoid(0.0)
    0.5
    """
    return OPS["sigmoid"].forward(x) if is_number(x) else x.sigmoid()
