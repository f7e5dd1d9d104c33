"""The backward walk, written once: the order of a backward pass and the pass itself.

``engine.Value.backward`` runs ``walk`` to its end, the stepper (``viz``) advances it one
node per step, and ``autograd.grad`` follows the same ``backward_order`` with the same
``check_backward``, keeping its gradients in a dictionary. Nothing here depends on how a
node is made: a node is anything with ``parents``, ``grad``, ``op``, ``operands`` and its
local derivatives (``local_grads``; ``_local`` on the fast path).

>>> from autograd_lite import Value
>>> x = Value(2.0, label="x")
>>> [node.op for node in backward_order((x * x).exp())]
['exp', '*']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

Node = Any  # an engine.Value; typed loosely so that this module imports nothing from engine
_isfinite = math.isfinite


def _number(x: Any) -> float:
    """The data of a node, or the number itself."""
    return x.data if hasattr(x, "parents") else x


def describe(operands: Iterable[Any]) -> str:
    """Operands as error messages show them: a node's data and label, or a constant.

    >>> describe([2.0])
    '2.0 (constant)'
    """
    parts = []
    for o in operands:
        if hasattr(o, "parents"):
            parts.append(f"{o.data!r} (label {o.label or '<unlabeled>'!r})")
        else:
            parts.append(f"{o!r} (constant)")
    return ", ".join(parts)


def topological_order(roots: Node | Iterable[Node], leaves: bool = True) -> list[Node]:
    """Every node reachable from ``roots``, each after all of its parents.

    Iterative depth-first search: a chain of a million nodes needs no recursion. With
    ``leaves=False`` only the nodes made by ops are listed (all that ``backward`` needs).
    The path being searched is kept in two parallel lists (nodes, and iterators over their
    parents still to visit) rather than a list of pairs: one object fewer per node for
    the garbage collector to count and walk, which halves the sort's time on deep graphs.

    >>> from autograd_lite import Value
    >>> x = Value(1.0, label="x")
    >>> [v.label or v.op for v in topological_order(x.exp() * x)]
    ['x', 'exp', '*']
    """
    roots = [roots] if hasattr(roots, "parents") else list(roots)
    order: list[Node] = []
    seen: set[Node] = set()  # nodes hash by identity
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        if not root.parents:
            if leaves:
                order.append(root)
            continue
        path, pending = [root], [iter(root.parents)]
        while path:
            for parent in pending[-1]:
                if parent.parents:
                    if parent not in seen:
                        seen.add(parent)
                        path.append(parent)
                        pending.append(iter(parent.parents))
                        break
                elif leaves and parent not in seen:
                    seen.add(parent)
                    order.append(parent)
            else:
                pending.pop()
                order.append(path.pop())
    return order


def backward_order(roots: Node | Iterable[Node]) -> list[Node]:
    """The nodes a backward pass visits, in its order: every node made by an op that is
    reachable from ``roots``, each before its parents (reverse topological order).

    The one schedule of every backward walk: ``backward_steps`` and ``grad`` both follow it.

    >>> from autograd_lite import Value
    >>> x = Value(2.0, label="x")
    >>> [node.op for node in backward_order((x * x).exp())]
    ['exp', '*']
    """
    order = topological_order(roots, leaves=False)
    order.reverse()
    return order


def check_forward(op: str, data: float, operands: Sequence[Any]) -> None:
    """Under ``detect_anomaly``: raise ``FloatingPointError`` if an op's result ``data`` is
    not finite (the engine calls it on every new node then), naming the op and its inputs.

    >>> check_forward("log", float("-inf"), [0.0])
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: forward of 'log' gave -inf from inputs 0.0 (constant)
    """
    if not _isfinite(data):
        raise FloatingPointError(
            f"detect_anomaly: forward of {op!r} gave {data!r} from inputs {describe(operands)}"
        )


def check_backward(node: Node, g: Any, local: Sequence[Any] | None = None) -> None:
    """Under ``detect_anomaly``: raise ``FloatingPointError`` if ``node`` would send a
    non-finite gradient to a parent, naming the op, the parent and the numbers.

    ``local`` defaults to the node's stored local derivatives; ``g`` and ``local`` may be
    Values (``grad(create_graph=True)``), whose data is checked. ``backward_steps`` and
    ``grad`` call it on every node under ``detect_anomaly``.

    >>> from autograd_lite import Value
    >>> check_backward(Value(0.0).sqrt(), 1.0)
    Traceback (most recent call last):
    FloatingPointError: detect_anomaly: backward of 'sqrt' gave a non-finite gradient inf ...
    """
    g = _number(g)
    for i, d in enumerate(node.local_grads if local is None else map(_number, local)):
        if not math.isfinite(g * d):
            raise FloatingPointError(
                f"detect_anomaly: backward of {node.op!r} gave a non-finite gradient "
                f"{g * d!r} for its input {i} (upstream {g!r} x local {d!r}); "
                f"the node's inputs: {describe(node.operands)}"
            )


def start(root: Node, gradient: float) -> list[Node]:
    """Begin the backward pass of ``root``: every node of ``backward_order(root)`` has its grad
    reset to 0 and ``gradient`` is added to the root's; returns that order.

    >>> from autograd_lite import Value
    >>> y = Value(3.0) * 2
    >>> [node.op for node in start(y, 1.0)], y.grad
    (['*'], 1.0)
    """
    order = backward_order(root)
    for node in order:
        node.grad = 0.0
    root.grad += gradient
    return order


def propagate(
    order: list[Node], first: int = 0, stop: int | None = None, check: bool = False
) -> None:
    """The chain rule for the nodes ``order[first:stop]`` of a pass begun by ``start``: each
    adds ``node.grad * local`` to its parents' grads. The one loop of every backward walk:
    ``backward()`` runs it over the whole order at once, ``walk`` one node at a time.

    >>> from autograd_lite import Value
    >>> x = Value(3.0)
    >>> propagate(start(x * x, 1.0)); x.grad
    6.0
    """
    for node in order[first:stop]:
        g = node.grad
        if check:
            check_backward(node, g)
        parents = node.parents
        if len(parents) == 1:
            parents[0].grad += g * node._local
        # A zero gradient times finite local derivatives adds exactly zero (a dead relu's
        # neuron): its many inputs are skipped. With an inf or nan among the local
        # derivatives the products are nan, and they are propagated, as in PyTorch.
        elif g or not _isfinite(sum(node._local)):
            for p, d in zip(parents, node._local):
                p.grad += g * d


def walk(root: Node, gradient: float, check: bool = False) -> Iterator[Node]:
    """The backward pass of ``root`` as a generator (``engine.backward_steps`` checks the
    arguments and hands over ``check``, whether ``detect_anomaly`` is on): ``start``, then
    ``propagate`` one node at a time, each node yielded right after it propagated.

    >>> from autograd_lite import Value
    >>> x = Value(3.0)
    >>> [node.op for node in walk(x * x, 1.0)], x.grad
    (['*'], 6.0)
    """
    order = start(root, gradient)
    for i, node in enumerate(order):
        propagate(order, i, i + 1, check)
        yield node
