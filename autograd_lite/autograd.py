"""``grad``: derivatives as new Values, without touching any ``.grad``.

``grad`` follows the same walk as ``backward`` (``walk.backward_order``, the anomaly
check ``walk.check_backward``) but keeps the gradients in a dictionary of its own. With
``create_graph=True`` each local derivative is rebuilt as a Value graph from the same rule
in ``ops.OPS`` that ``backward`` uses as a number, so the result can be differentiated
again: second and third derivatives, Hessians, Newton's method.

>>> x = Value(3.0)
>>> (dy,) = grad(x**3, x, create_graph=True)
>>> dy.data, grad(dy, x)[0].data
(27.0, 18.0)
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from autograd_lite import _checks
from autograd_lite.engine import Value, enable_grad, is_anomaly_enabled
from autograd_lite.ops import OPS
from autograd_lite.walk import backward_order, check_backward


def _values(x: Value | Sequence[Value], name: str) -> list[Value]:
    """``x`` as a list of Values: one Value or a sequence of them, else a TypeError."""
    if isinstance(x, Value):
        return [x]
    if not isinstance(x, Sequence) or isinstance(x, str):
        raise TypeError(
            f"grad: {name} must be a Value or a sequence of Values, got {_checks.describe(x)}"
        )
    for i, item in enumerate(x):
        if not isinstance(item, Value):
            raise TypeError(f"grad: {name}[{i}] must be a Value, got {_checks.describe(item)}")
    return list(x)


def _weights(grad_outputs: Any, n: int, create_graph: bool) -> list[Any]:
    """One weight per output: numbers as floats, Values kept when recording the graph."""
    if grad_outputs is None:
        return [1.0] * n
    if (
        isinstance(grad_outputs, Value)
        or not isinstance(grad_outputs, Sequence)
        or isinstance(grad_outputs, str)
    ):
        raise TypeError(
            "grad: grad_outputs must be a sequence with one number or Value per output, "
            f"got {_checks.describe(grad_outputs)}"
        )
    if len(grad_outputs) != n:
        raise ValueError(
            f"grad: got {len(grad_outputs)} grad_outputs for {n} outputs; give one per output"
        )
    weights = []
    for i, g in enumerate(grad_outputs):
        if isinstance(g, Value):
            weights.append(g if create_graph else g.data)
        else:
            weights.append(_checks.real(f"grad_outputs[{i}]", g, finite=False))
    return weights


def _local_derivatives(node: Value, create_graph: bool) -> Sequence[Any]:
    """d node / d parent for each parent: the stored numbers, or Values rebuilt from the rule."""
    if not create_graph:
        return node.local_grads
    try:
        derivatives = OPS[node.op].derivative(node.operands, node)
    except FloatingPointError as error:  # detect_anomaly saw the rule's graph go non-finite
        raise FloatingPointError(f"detect_anomaly: backward of {node.op!r}: {error}") from None
    return [d for o, d in zip(node.operands, derivatives) if isinstance(o, Value)]


def _backpropagate(outputs: list[Value], weights: list[Any], create_graph: bool) -> dict:
    """id(node) -> d outputs / d node, weighted, for every node reached: ``backward``'s walk
    (the same order and anomaly check) with the gradients kept in this dictionary."""
    grads: dict[int, Any] = {}
    for out, g in zip(outputs, weights):
        grads[id(out)] = grads[id(out)] + g if id(out) in grads else g
    check = is_anomaly_enabled()
    for node in backward_order(outputs):
        g = grads.get(id(node))
        if g is None:
            continue
        local = _local_derivatives(node, create_graph)
        if check:
            check_backward(node, g, local)
        for parent, d in zip(node.parents, local):
            contribution = g * d
            key = id(parent)
            grads[key] = grads[key] + contribution if key in grads else contribution
    return grads


def grad(
    outputs: Value | Sequence[Value],
    inputs: Value | Sequence[Value],
    grad_outputs: Sequence[float | Value] | None = None,
    create_graph: bool = False,
) -> list[Value]:
    """d outputs / d inputs, one Value per input (``Value(0.0)`` where there is no path).

    ``grad_outputs`` weighs each output (default 1.0): the result is the vector-Jacobian
    product sum_k grad_outputs[k] * d outputs[k] / d input. With ``create_graph=True``
    the graph of the derivatives is recorded even inside ``no_grad``, as in PyTorch.
    Under ``detect_anomaly`` a non-finite gradient raises ``FloatingPointError``.

    >>> a, b = Value(2.0), Value(5.0)
    >>> [g.data for g in grad(a * b, [a, b])]
    [5.0, 2.0]
    """
    outputs = _values(outputs, "outputs")
    inputs = _values(inputs, "inputs")
    create_graph = _checks.flag("create_graph", create_graph)
    weights = _weights(grad_outputs, len(outputs), create_graph)
    with enable_grad() if create_graph else contextlib.nullcontext():
        grads = _backpropagate(outputs, weights, create_graph)
    result = []
    for x in inputs:
        g = grads.get(id(x), 0.0)
        result.append(g if isinstance(g, Value) else Value(g))
    return result
