"""The scalar autodiff engine: ``Value`` nodes, topological order, ``backward``.

A ``Value`` records the operation that made it, its parent Values and the local
derivative d self / d parent for each of them (computed once, in the forward pass, by
the rules of the op registry ``ops.OPS``). Nodes hold no closures, so a graph has no
reference cycles and is freed by reference counting alone (micrograd's closures make
every node a cycle, and most of its time goes to the garbage collector).
"""

from __future__ import annotations

import contextlib
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from autograd_lite import _checks, methods
from autograd_lite.ops import OPS
from autograd_lite.walk import (
    backward_order,
    check_backward,
    check_forward,
    propagate,
    start,
    topological_order,
    walk,
)

__all__ = [
    "Value",
    "apply",
    "backward_order",
    "backward_steps",
    "check_backward",
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
]

_grad_enabled = True  # False inside no_grad()
_anomaly = False  # True inside detect_anomaly()
_object_new = object.__new__


class _GradMode(contextlib.ContextDecorator):
    """Sets whether ops record the graph for the block, then restores what was there."""

    _enabled: bool

    def __enter__(self) -> _GradMode:
        global _grad_enabled
        self._previous, _grad_enabled = _grad_enabled, self._enabled
        return self

    def __exit__(self, *exc: object) -> None:
        global _grad_enabled
        _grad_enabled = self._previous


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no parents (results are leaves).

    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.is_leaf
    True
    """

    _enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: ops record the graph again, even inside ``no_grad``
    (PyTorch's name; ``grad(..., create_graph=True)`` and ``Optimizer.step(closure)`` use it).

    >>> with no_grad(), enable_grad():
    ...     y = Value(2.0) * 3
    >>> y.is_leaf
    False
    """

    _enabled = True


class detect_anomaly(contextlib.ContextDecorator):
    """Raise ``FloatingPointError`` at the first op whose forward value or backward gradient
    is not finite, naming the op and its inputs. Outside it, inf and nan just propagate.

    >>> with detect_anomaly():
    ...     Value(-1.0).log()
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: forward of 'log' gave nan from inputs -1.0 ...
    """

    def __enter__(self) -> detect_anomaly:
        global _anomaly
        self._previous, _anomaly = _anomaly, True
        return self

    def __exit__(self, *exc: object) -> None:
        global _anomaly
        _anomaly = self._previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``.

    >>> is_grad_enabled(), is_anomaly_enabled()
    (True, False)
    """
    return _grad_enabled


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``: ``is_anomaly_enabled()`` is False at top level."""
    return _anomaly


def _operand(other: Any) -> Any:
    """A Value or a plain float/int usable in arithmetic with a Value, else NotImplemented.

    numpy scalars (even ``np.float64``, a float subclass) become Python floats, so that a
    node's ``data`` is always a float and never a slow numpy scalar.
    """
    if isinstance(other, Value) or type(other) is float or type(other) is int:
        return other
    if isinstance(other, (numbers.Real, np.bool_, np.ndarray)):
        try:
            return methods.to_float(other)
        except TypeError:
            return NotImplemented
    return NotImplemented


def _data(other: Any) -> Any:
    return other.data if isinstance(other, Value) else other


def _node(data: float, op: str, parents: tuple, local: Any, ctx: Any) -> Value:
    """A new node (no ``__init__``: its fields are set straight from the op's results)."""
    out = _object_new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out.parents = parents
    out._local = local
    out._ctx = ctx
    return out


def _unary(op: str) -> Callable[[Value], Value]:
    """The method behind ``value.op()`` for a one-input op (its rule looked up once)."""
    forward, derivative = OPS[op].forward, OPS[op].derivative

    def method(self: Value) -> Value:
        xd = self.data
        data = forward(xd)
        if _anomaly:
            check_forward(op, data, (self,))
        if not _grad_enabled:
            return _node(data, "", (), (), None)
        return _node(data, op, (self,), derivative((xd,), data)[0], None)

    return method


def _binary(op: str, a: Any, b: Any) -> Value:
    """``a op b`` where at least one side is a Value; a plain number stays unwrapped."""
    entry = OPS[op]
    forward, derivative = entry.forward, entry.derivative
    a_is_value, b_is_value = isinstance(a, Value), isinstance(b, Value)
    ad = a.data if a_is_value else a
    bd = b.data if b_is_value else b
    data = forward(ad, bd)
    if _anomaly:
        check_forward(op, data, (a, b))
    if not _grad_enabled:
        return _node(data, "", (), (), None)
    local = derivative((ad, bd), data)
    if a_is_value and b_is_value:
        return _node(data, op, (a, b), local, None)
    if a_is_value:
        return _node(data, op, (a,), local[0], b)
    return _node(data, op, (b,), local[1], (a, b))


def _nary(op: str, operands: tuple) -> Value:
    """An n-ary node (``sum``, ``dot``): one node, many parents."""
    forward, derivative = OPS[op].forward, OPS[op].derivative
    try:  # the common case, all Values; anything else fails here or gives a non-float
        xs = [o.data for o in operands]
        data = forward(xs)
        all_values = type(data) is float
    except (AttributeError, TypeError):
        all_values = False
    if all_values:
        parents = operands
    else:
        operands, xs, data = methods.with_numbers(_CORE, forward, operands)
        parents = tuple([o for o in operands if isinstance(o, Value)])
    if _anomaly:
        check_forward(op, data, operands)
    if not parents or not _grad_enabled:
        return _node(data, "", (), (), None)
    local = derivative(xs, data)
    if all_values:
        return _node(data, op, parents, local[0] if len(parents) == 1 else local, None)
    kept = [d for o, d in zip(operands, local) if isinstance(o, Value)]
    return _node(data, op, parents, kept[0] if len(kept) == 1 else tuple(kept), operands)


class Value:
    """A scalar in a computation graph.

    ``data`` is the value, ``grad`` d(root)/d(self) after ``root.backward()``, ``op`` the
    operation that made it ("" for a leaf), ``parents`` its input Values.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> y = (a * b).tanh()
    >>> y.backward()
    >>> y.op, a.grad == b.data * (1 - y.data**2)
    ('tanh', True)
    """

    # _local: d self / d parent, a bare float when there is one parent, else a tuple.
    # _ctx: the plain-number operands: None when every operand is a Value, the number
    # itself for ``value op number``, else the whole operand tuple (see ``operands``).
    __slots__ = ("_ctx", "_local", "data", "grad", "label", "op", "parents")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data if type(data) is float else methods.to_float(data)
        self.grad = 0.0
        self.label = label if type(label) is str else _checks.text("label", label)
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._local: float | tuple = ()
        self._ctx: Any = None

    # -------------------------------------------------------------- introspection
    @property
    def is_leaf(self) -> bool:
        """True for Values made by the user (or under ``no_grad``), not by an op.

        >>> Value(1.0).is_leaf, (Value(1.0) + 1).is_leaf
        (True, False)
        """
        return not self.parents

    @property
    def operands(self) -> tuple:
        """The op's inputs in order, constants included (``parents`` holds only the Values).

        >>> (2.0 ** Value(3.0)).operands
        (2.0, Value(data=3, grad=0))
        """
        ctx = self._ctx
        if ctx is None:
            return self.parents
        return ctx if isinstance(ctx, tuple) else (*self.parents, ctx)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, computed in the forward pass.

        >>> (Value(2.0) * Value(5.0)).local_grads
        (5.0, 2.0)
        """
        return (self._local,) if len(self.parents) == 1 else self._local

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # float(v) gives the data, like float(tensor) in PyTorch. A rule that calls math.cos(x)
    # on an operand would get a float through it and silently lose second derivatives;
    # tests/test_ops.py catches such a rule by checking every op's second derivative.
    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        """False for 0.0, as for a 0-d tensor (``nan`` is True)."""
        return self.data != 0

    # Ordering compares data and gives a plain bool, like a 0-d tensor in an ``if``; ``==``
    # stays identity so that Values can live in sets and dicts.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)

    # Arithmetic operators (``+``, ``abs``, ...) and functions (``tanh``, ``leaky_relu``, ...)
    # are installed below from the op registry, one method per ``ops.OPS`` entry (methods.py).

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from the graph.

        >>> (Value(2.0) * 3).detach().is_leaf
        True
        """
        return Value(self.data, self.label)

    # --------------------------------------------------------------- n-ary nodes
    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for the sum of many terms (instead of a chain of ``+`` nodes).

        >>> s = Value.sum([Value(1.0), Value(2.0), 3.0])
        >>> s.data, len(s.parents)
        (6.0, 2)
        """
        operands = tuple(values)
        return _nary("sum", operands) if operands else Value(0.0)

    @staticmethod
    def dot(
        weights: Sequence[Value | float],
        inputs: Sequence[Value | float],
        bias: Value | float | None = None,
    ) -> Value:
        """One node for ``sum(w_i * x_i) + bias``: a neuron's weighted sum.

        >>> Value.dot([Value(1.0), Value(2.0)], [3.0, 4.0], bias=0.5).data
        11.5
        """
        if len(weights) != len(inputs):
            raise ValueError(
                f"Value.dot needs as many weights as inputs, got {len(weights)} weights "
                f"and {len(inputs)} inputs"
            )
        operands = (*weights, *inputs) if bias is None else (*weights, *inputs, bias)
        return _nary("dot", operands)

    # ------------------------------------------------------------------- backward
    def backward(self, gradient: float = 1.0) -> None:
        """Compute d self / d node for every node reachable from ``self``.

        Leaves accumulate into ``.grad`` (call ``zero_grad`` between steps, as in PyTorch);
        non-leaf nodes are reset first, so they hold the gradient of the latest call.
        ``gradient`` (a number or a Value) is checked before any grad changes.

        >>> x = Value(3.0)
        >>> (x * x).backward()
        >>> x.grad
        6.0
        """
        propagate(start(self, _gradient(gradient)), check=_anomaly)  # the walk, all at once


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[Value]:
    """The backward pass of ``root``, one node at a time: the one walk every caller shares.

    First every non-leaf node's grad is reset to 0 and ``gradient`` is added to the root's.
    Then each non-leaf node, in reverse topological order, adds ``node.grad * local`` to its
    parents' grads and is yielded right after (``walk.propagate``, the loop ``backward()``
    runs over all nodes at once). ``gradient`` is checked before any grad is reset.

    >>> x = Value(3.0)
    >>> [node.op for node in backward_steps(x * x + 2 * x)], x.grad
    (['+', '*', '*'], 8.0)
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps: root must be a Value, got {_checks.describe(root)}")
    return walk(root, _gradient(gradient), _anomaly)


def _gradient(gradient: Any) -> float:
    """``backward``'s ``gradient`` (a real number, or a Value's data), checked first."""
    if isinstance(gradient, Value):
        return gradient.data
    return _checks.real("gradient", gradient, finite=False)


def apply(op: str, *operands: Any) -> Value | float:
    """Apply the registry op ``op`` to Values and numbers; plain numbers give a float.

    For code holding an op's name (the formula parser, tests enumerating ``ops.OPS``);
    constant parameters (``leaky_relu``'s slope) come after the input.

    >>> apply("+", Value(1.0), 2.0).data, apply("**", 2.0, 10.0), apply("sum", 1.0, 2.0)
    (3.0, 1024.0, 3.0)
    """
    return methods.apply(_CORE, op, operands)


_CORE = methods.Core(Value, _unary, _binary, _nary, _operand)
methods.install(_CORE)
