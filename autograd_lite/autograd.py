"""``grad``: derivatives as new Values, without touching any ``.grad``.

With ``create_graph=True`` each local derivative is rebuilt as a Value graph from the
same rule in ``ops.py`` that ``backward`` uses as a number, so the result can be
differentiated again: second and third derivatives, Hessians, Newton's method.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from autograd_lite.engine import Value, enable_grad, topological_order
from autograd_lite.ops import OPS


def _as_list(x: Value | Sequence[Value], what: str) -> list[Value]:
    items = [x] if isinstance(x, Value) else list(x)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"grad: {what} must be Values, got {type(item).__name__}")
    return items


def _local_derivatives(node: Value, create_graph: bool) -> list[tuple[Value, Any]]:
    if not create_graph:
        return list(zip(node.parents, node.local_grads))
    operands = node.operands
    derivatives = OPS[node.op].derivative(operands, node)
    return [(o, d) for o, d in zip(operands, derivatives) if isinstance(o, Value)]


def _backpropagate(outputs: list[Value], grad_outputs: Sequence, create_graph: bool) -> dict:
    """id(node) -> d outputs / d node, weighted by ``grad_outputs``, for every node reached."""
    grads: dict[int, Any] = {}
    for out, g in zip(outputs, grad_outputs):
        grads[id(out)] = grads[id(out)] + g if id(out) in grads else g
    for node in reversed(topological_order(outputs)):
        g = grads.get(id(node))
        if g is None or not node.parents:
            continue
        for parent, d in _local_derivatives(node, create_graph):
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
    """
    outputs = _as_list(outputs, "outputs")
    inputs = _as_list(inputs, "inputs")
    if grad_outputs is None:
        grad_outputs = [1.0] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs; "
            "give one per output"
        )
    if not create_graph:
        grad_outputs = [g.data if isinstance(g, Value) else float(g) for g in grad_outputs]

    with enable_grad() if create_graph else contextlib.nullcontext():
        grads = _backpropagate(outputs, grad_outputs, create_graph)
    result = []
    for x in inputs:
        g = grads.get(id(x), 0.0)
        result.append(g if isinstance(g, Value) else Value(g))
    return result
