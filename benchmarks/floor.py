"""W1's design floor: the leanest engines that build a graph of autograd_lite's shape.

A scalar graph engine pays for every node and every edge (reading each operand in the
forward pass, visiting it in the topological sort, adding to its gradient in the
backward pass), however it is written. These engines keep only that work: no input
checks, no ``no_grad`` or anomaly switches, no labels, relu wired in. Their times bound
from below what any engine building the same graph can reach, so they tell whether a
target is a matter of tuning or of graph shape:

* ``lean: dot + relu nodes`` builds autograd_lite's graph (a neuron's weighted sum is one
  node with its weights, inputs and bias as parents; its activation is a node of its own);
* ``lean: fused neurons`` makes each hidden neuron ONE node, ``relu(w . x + b)``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from benchmarks.mlp_step import LR, Engine, Problem


class Node:
    """A graph node: data, gradient, parent nodes and d self / d parent for each."""

    __slots__ = ("data", "grad", "local", "parents")

    def __init__(self, data: float, parents: tuple = (), local: tuple | float = ()) -> None:
        self.data, self.grad, self.parents, self.local = data, 0.0, parents, local


def _neuron(w: list[Node], x: list[Node], b: Node, relu: str) -> Node:
    """``relu`` is "" (linear), "node" (a separate relu node) or "fused" (into this one)."""
    wd, xd = [v.data for v in w], [v.data for v in x]
    z = sum(map(operator.mul, wd, xd)) + b.data
    parents = (*w, *x, b)
    if relu == "fused":
        return Node(z, parents, (*xd, *wd, 1.0)) if z > 0 else Node(0.0, parents, ())
    out = Node(z, parents, (*xd, *wd, 1.0))
    return Node(z if z > 0 else 0.0, (out,), 1.0 if z > 0 else 0.0) if relu else out


def _backward(root: Node) -> None:
    order, seen, path, pending = [], {root}, [root], [iter(root.parents)]
    while path:
        for parent in pending[-1]:
            if parent.parents and parent not in seen:
                seen.add(parent)
                path.append(parent)
                pending.append(iter(parent.parents))
                break
        else:
            pending.pop()
            order.append(path.pop())
    for node in order:
        node.grad = 0.0
    root.grad = 1.0
    for node in reversed(order):
        g, parents = node.grad, node.parents
        if len(parents) == 1:
            parents[0].grad += g * node.local
        elif g or not math.isfinite(sum(node.local)):
            for p, d in zip(parents, node.local):
                p.grad += g * d


def _engine(problem: Problem, relu: str) -> Engine:
    layers = [[([Node(v) for v in w], Node(b)) for w, b in layer] for layer in problem.weights]
    params = [p for layer in layers for w, b in layer for p in (*w, b)]
    n = len(problem.X)

    def step() -> float:
        for p in params:
            p.grad = 0.0
        preds = []
        for x in problem.X:
            a = [Node(v) for v in x]
            for i, layer in enumerate(layers):
                act = relu if i < len(layers) - 1 else ""
                a = [_neuron(w, a, b, act) for w, b in layer]
            preds.append(a[0])
        diffs = [p.data - y for p, y in zip(preds, problem.Y, strict=True)]
        loss = Node(sum(d * d for d in diffs) / n, tuple(preds), tuple(2 * d / n for d in diffs))
        _backward(loss)
        for p in params:
            p.data -= LR * p.grad
        return loss.data

    return Engine(step, lambda: [p.data for p in params])


FACTORIES: dict[str, Callable[[Problem], Engine]] = {
    "lean: dot + relu nodes": lambda problem: _engine(problem, "node"),
    "lean: fused neurons": lambda problem: _engine(problem, "fused"),
}
