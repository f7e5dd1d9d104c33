"""The scalar autodiff engine: ``Value`` nodes, topological order, ``backward``.

A ``Value`` records the operation that made it, its parent Values and the local
derivative d self / d parent for each of them (computed once, in the forward pass,
by the rules in ``ops.py``). Nodes hold no closures, so a graph has no reference
cycles and is freed by reference counting alone (micrograd's closures make every node
a cycle, and most of its time goes to the garbage collector).
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from autograd_lite.ops import OPS

_state = {"grad": True, "anomaly": False}


class no_grad(contextlib.ContextDecorator):
    """Context manager and decorator: ops inside record no parents (results are leaves)."""

    def __enter__(self) -> no_grad:
        self._previous = _state["grad"]
        _state["grad"] = False
        return self

    def __exit__(self, *exc: object) -> None:
        _state["grad"] = self._previous


class detect_anomaly(contextlib.ContextDecorator):
    """Raise ``FloatingPointError`` at the first op whose forward value or backward gradient
    is not finite, naming the op and its inputs. Outside it, inf and nan just propagate."""

    def __enter__(self) -> detect_anomaly:
        self._previous = _state["anomaly"]
        _state["anomaly"] = True
        return self

    def __exit__(self, *exc: object) -> None:
        _state["anomaly"] = self._previous


def is_grad_enabled() -> bool:
    """False inside ``no_grad()``."""
    return _state["grad"]


def _to_float(data: Any) -> float:
    if isinstance(data, (float, int)) or isinstance(data, (np.bool_, np.integer, np.floating)):
        return float(data)
    if isinstance(data, np.ndarray) and data.ndim == 0 and data.dtype.kind in "biuf":
        return float(data)
    raise TypeError(
        f"Value data must be a real number (int, float, bool, a numpy real scalar or a 0-d "
        f"numpy real array), got {type(data).__name__}: {data!r:.60}"
    )


def _operand(other: Any) -> Any:
    """A Value or number usable in arithmetic with a Value, else NotImplemented."""
    if isinstance(other, (Value, float, int)):
        return other
    if isinstance(other, numbers.Real) or isinstance(other, (np.bool_, np.ndarray)):
        try:
            return _to_float(other)
        except TypeError:
            return NotImplemented
    return NotImplemented


def _describe(operands: Iterable[Any]) -> str:
    parts = []
    for o in operands:
        if isinstance(o, Value):
            parts.append(f"{o.data!r} (label {o.label or '<unlabeled>'!r})")
        else:
            parts.append(f"{o!r} (constant)")
    return ", ".join(parts)


def _apply(op: str, operands: tuple) -> Value:
    """Create the node ``op(*operands)``: forward value, parents and local derivatives."""
    rule = OPS[op]
    xs = tuple([o.data if isinstance(o, Value) else o for o in operands])
    out = Value.__new__(Value)
    out.data = data = rule.forward(*xs)
    out.grad = 0.0
    out.label = ""
    if _state["anomaly"] and not math.isfinite(data):
        raise FloatingPointError(
            f"detect_anomaly: forward of {op!r} gave {data!r} from inputs {_describe(operands)}"
        )
    parents = tuple([o for o in operands if isinstance(o, Value)])
    if not parents or not _state["grad"]:
        out.op, out.parents, out._local, out._ctx = "", (), (), None
        return out
    local = rule.derivative(xs, data)
    out.op = op
    if len(parents) == len(operands):
        out.parents, out._local, out._ctx = operands, local, None
    else:
        out.parents = parents
        out._local = tuple([d for o, d in zip(operands, local) if isinstance(o, Value)])
        out._ctx = operands
    return out


def topological_order(roots: Value | Sequence[Value]) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its parents.

    Iterative depth-first search: a chain of a million nodes needs no recursion.
    """
    roots = [roots] if isinstance(roots, Value) else list(roots)
    order: list[Value] = []
    seen: set[int] = set()
    stack: list[tuple[Value, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend([(p, False) for p in node.parents if id(p) not in seen])
    return order


def _check_backward(node: Value, g: float) -> None:
    for i, (p, d) in enumerate(zip(node.parents, node._local)):
        if not math.isfinite(g * d):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} gave a non-finite gradient "
                f"{g * d!r} for its input {i} (upstream {g!r} x local {d!r}); "
                f"the node's inputs: {_describe(node.operands)}"
            )


class Value:
    """A scalar in a computation graph.

    ``data`` is the value, ``grad`` d(root)/d(self) after ``root.backward()``, ``op`` the
    operation that made it ("" for a leaf), ``parents`` its input Values.
    """

    __slots__ = ("_ctx", "_local", "data", "grad", "label", "op", "parents")
    __array_ufunc__ = None  # numpy defers to Value's reflected operators

    def __init__(self, data: Any, label: str = "") -> None:
        self.data = data if type(data) is float else _to_float(data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self._local: tuple = ()
        self._ctx: tuple | None = None

    # -------------------------------------------------------------- introspection
    @property
    def is_leaf(self) -> bool:
        """True for Values made by the user (or under ``no_grad``), not by an op."""
        return not self.parents

    @property
    def operands(self) -> tuple:
        """The op's inputs in order, constants included (``parents`` holds only the Values)."""
        return self.parents if self._ctx is None else self._ctx

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, computed in the forward pass."""
        return self._local

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    def __float__(self) -> float:
        return self.data

    # -------------------------------------------------------------------- arithmetic
    def __add__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("+", (self, other))

    def __radd__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("+", (other, self))

    def __sub__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("-", (self, other))

    def __rsub__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("-", (other, self))

    def __mul__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("*", (self, other))

    def __rmul__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("*", (other, self))

    def __truediv__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("/", (self, other))

    def __rtruediv__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("/", (other, self))

    def __pow__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("**", (self, other))

    def __rpow__(self, other: Any) -> Value:
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _apply("**", (other, self))

    def __neg__(self) -> Value:
        return _apply("neg", (self,))

    def __abs__(self) -> Value:
        return _apply("abs", (self,))

    # ------------------------------------------------------------------ functions
    def exp(self) -> Value:
        return _apply("exp", (self,))

    def log(self) -> Value:
        return _apply("log", (self,))

    def sqrt(self) -> Value:
        return _apply("sqrt", (self,))

    def tanh(self) -> Value:
        return _apply("tanh", (self,))

    def sigmoid(self) -> Value:
        return _apply("sigmoid", (self,))

    def relu(self) -> Value:
        return _apply("relu", (self,))

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return _apply("leaky_relu", (self, float(slope)))

    def softplus(self) -> Value:
        return _apply("softplus", (self,))

    def sin(self) -> Value:
        return _apply("sin", (self,))

    def cos(self) -> Value:
        return _apply("cos", (self,))

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from the graph."""
        return Value(self.data, self.label)

    # --------------------------------------------------------------- n-ary nodes
    @staticmethod
    def sum(values: Iterable[Value | float]) -> Value:
        """One node for the sum of many terms (instead of a chain of ``+`` nodes)."""
        operands = tuple([_checked(v) for v in values])
        return _apply("sum", operands) if operands else Value(0.0)

    @staticmethod
    def dot(
        weights: Sequence[Value | float],
        inputs: Sequence[Value | float],
        bias: Value | float | None = None,
    ) -> Value:
        """One node for ``sum(w_i * x_i) + bias``: a neuron's weighted sum."""
        if len(weights) != len(inputs):
            raise ValueError(
                f"Value.dot needs as many weights as inputs, got {len(weights)} weights "
                f"and {len(inputs)} inputs"
            )
        operands = [_checked(v) for v in weights]
        operands += [_checked(v) for v in inputs]
        if bias is not None:
            operands.append(_checked(bias))
        return _apply("dot", tuple(operands))

    # ------------------------------------------------------------------- backward
    def backward(self, gradient: float = 1.0) -> None:
        """Compute d self / d node for every node reachable from ``self``.

        Leaves accumulate into ``.grad`` (call ``zero_grad`` between steps, as in PyTorch);
        non-leaf nodes are reset first, so they hold the gradient of the latest call.
        """
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += float(gradient)
        check = _state["anomaly"]
        for node in reversed(order):
            g = node.grad
            if check:
                _check_backward(node, g)
            for p, d in zip(node.parents, node._local):
                p.grad += g * d


def _checked(v: Any) -> Value | float:
    operand = _operand(v)
    if operand is NotImplemented:
        raise TypeError(f"expected a Value or a real number, got {type(v).__name__}: {v!r:.60}")
    return operand
