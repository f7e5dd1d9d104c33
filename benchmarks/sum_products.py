"""W3: the sum of n products w_i * x_i (all Values), forward and backward.

autograd_lite runs it as a Python ``sum`` chain of binary nodes and as one ``Value.dot``
node; micrograd as a ``sum`` chain (its recursive sort needs a frame per link) and as a
pairwise tree of ``+`` nodes (depth log2 n), its best option. As in W1 and W2, a timed run
does the sum several times in a row, so that every engine pays for freeing its graphs:
freed by reference counting as they are dropped (autograd_lite), or by the garbage
collector during the runs that follow (micrograd's cycles).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from benchmarks.scalars import value_classes
from benchmarks.timing import Case, consecutive, limited


def leaves(Value: type, n: int, seed: int = 0) -> tuple[list, list]:
    """n weights and n inputs as leaf Values, the same numbers for every engine."""
    rng = random.Random(seed)
    return [Value(rng.uniform(-1, 1)) for _ in range(n)], [
        Value(rng.uniform(-1, 1)) for _ in range(n)
    ]


def pairwise_sum(terms: list) -> object:
    """Add neighbours until one term is left: a balanced tree of ``+`` nodes."""
    while len(terms) > 1:
        paired = [a + b for a, b in zip(terms[::2], terms[1::2], strict=False)]
        terms = [*paired, terms[-1]] if len(terms) % 2 else paired
    return terms[0]


def _runner(reduce: Callable[[list, list], object], W: list, X: list) -> Callable[[], float]:
    def run() -> float:
        total = reduce(W, X)
        total.backward()
        return total.data

    return run


def _sum_chain(W: list, X: list) -> object:
    return sum(w * x for w, x in zip(W, X, strict=True))


def _pairwise(W: list, X: list) -> object:
    return pairwise_sum([w * x for w, x in zip(W, X, strict=True)])


def cases(n: int, repeat: int, micrograd_limit: int, steps: int) -> list[Case]:
    """autograd_lite's sum chain and dot, micrograd's sum chain and pairwise tree; a timed
    run is ``steps`` sums in a row, timed per sum."""
    classes = value_classes()
    Value = classes["autograd_lite"]
    W, X = leaves(Value, n)
    runs = {
        "autograd_lite sum chain": _runner(_sum_chain, W, X),
        "autograd_lite Value.dot": _runner(Value.dot, W, X),
    }
    if "micrograd" in classes:
        MW, MX = leaves(classes["micrograd"], n)
        for label, reduce in (("sum chain", _sum_chain), ("pairwise", _pairwise)):
            runs[f"micrograd {label}"] = limited(_runner(reduce, MW, MX), micrograd_limit)
    return [
        Case("W3", name, n, n, "term", consecutive(run, steps), repeat, steps=steps)
        for name, run in runs.items()
    ]
