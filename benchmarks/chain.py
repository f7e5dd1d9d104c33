"""W2: a deep chain ``x = (x*1.0001 + 0.0001).tanh()``, forward and backward, and its memory.

Each step makes three op nodes (``*``, ``+``, ``tanh``), the unit that times are divided
by. Memory is divided by the Value objects an engine really makes: micrograd also wraps
each constant in a leaf ``Value`` (five nodes per step), so bytes per step are given too.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

from benchmarks.scalars import value_classes
from benchmarks.timing import Case, consecutive, limited

NODES_PER_STEP = 3
LONG_DEPTH = 10**6
LONG_REPEAT_CAP = 3  # a depth-1e6 run takes seconds; three of them give a fair median


def build_chain(Value: type, depth: int) -> tuple[object, object]:
    """The chain's leaf and its output, for any ``Value`` class with ``*``, ``+``, ``tanh``."""
    x0 = x = Value(0.5)
    for _ in range(depth):
        x = (x * 1.0001 + 0.0001).tanh()
    return x0, x


def chain_run(Value: type, depth: int) -> Callable[[], float]:
    """Build the chain, backpropagate, return d output / d leaf (so engines can be compared)."""

    def run() -> float:
        x0, x = build_chain(Value, depth)
        x.backward()
        return float(x0.grad)

    return run


def cases(depths: list[int], repeat: int, micrograd_limit: int, steps: int) -> list[Case]:
    """One case per engine and depth; micrograd runs under a raised recursion limit.

    A timed run builds and backpropagates ``steps`` chains in a row, timed per chain. Run
    alone after a full collection, a chain of 10,000 links never filled the collector's
    oldest generation and skipped the full collections that building graphs costs in a
    loop (and that one chain of 1e6 links triggers by itself); in a row, every depth pays
    its share.
    """
    out = []
    for depth in depths:
        reps = min(repeat, LONG_REPEAT_CAP) if depth >= LONG_DEPTH else repeat
        for name, Value in value_classes().items():
            run = chain_run(Value, depth)
            if name == "micrograd":
                run = limited(run, micrograd_limit)
            run = consecutive(run, steps)
            units = NODES_PER_STEP * depth
            out.append(Case("W2", name, depth, units, "op node", run, reps, steps=steps))
    return out


def count_nodes(root: object) -> int:
    """Value objects reachable from ``root`` (via ``parents``, or micrograd's ``_prev``)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        node = stack.pop()
        for parent in node.parents if hasattr(node, "parents") else node._prev:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def chain_memory(Value: type, depth: int) -> dict[str, float]:
    """Memory a chain of ``depth`` steps holds (tracemalloc), per Value node and per step.

    Nodes are the Value objects the engine made, constants wrapped as leaves included.
    """
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _leaf, x = build_chain(Value, depth)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    nodes = count_nodes(x)
    return {
        "bytes_per_node": held / nodes,
        "nodes_per_step": nodes / depth,
        "bytes_per_step": held / depth,
    }


def memory(depth: int) -> dict[str, dict[str, float]]:
    """The chain's memory figures for every engine."""
    return {name: chain_memory(Value, depth) for name, Value in value_classes().items()}
