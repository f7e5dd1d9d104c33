"""The live view's parameter table (values, gradients, optimizer state) and sample graph."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd_lite.engine import Value
from autograd_lite.viz.names import fmt

MAX_TABLE_ROWS = 64  # larger models get one row per layer (largest and median) in the table
STATE_NAMES = {
    "momentum_buffer": "momentum",
    "exp_avg": "m (exp_avg)",
    "exp_avg_sq": "v (exp_avg_sq)",
    "max_exp_avg_sq": "max v",
    "sum": "sum of g²",
    "square_avg": "E[g²]",
    "grad_avg": "E[g]",
    "exp_inf": "u (exp_inf)",
    "acc_delta": "E[Δx²]",
}


def _layer(name: str) -> str:
    """ "layers.1.neurons.3.w.0" -> "layers.1" (the first two parts of a dotted name)."""
    return ".".join(name.split(".")[:2]) if name.count(".") >= 2 else name


class StateTable:
    """Every parameter's value, gradient and optimizer state, as numbers and as coloured HTML.

    ``model``: a Module (its parameter names label the rows) or a dict name -> Value.
    ``rows`` holds one ``(name, {column: float})`` per parameter in the optimizer's order,
    or, past ``max_rows`` parameters, per layer and column the entry of largest magnitude
    and the median (names "layers.0 largest", "layers.0 median"). Cells are blue when
    positive and red when negative, stronger the larger they are within their column.

    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.optim import Adam
    >>> model = MLP(1, [1], seed=0)
    >>> table = StateTable(model, Adam(model.parameters(), lr=0.1))
    >>> table.columns
    ['value', 'grad', 'm (exp_avg)', 'v (exp_avg_sq)']
    """

    def __init__(self, model: Any, optimizer: Any, max_rows: int = MAX_TABLE_ROWS) -> None:
        named = model.items() if isinstance(model, dict) else model.named_parameters()
        names = {id(p): n for n, p in named}
        params = list(getattr(optimizer, "params", None) or model.parameters())
        states = getattr(optimizer, "state", None) or [{} for _ in params]
        keys = list(dict.fromkeys(k for st in states for k in st if k != "step"))
        self.columns = ["value", "grad", *(STATE_NAMES.get(k, k) for k in keys)]
        counted = any("step" in st for st in states)  # SGD keeps no step count
        self.title = type(optimizer).__name__ + (f", step {_step(states)}" if counted else "")
        rows = []
        for i, (p, state) in enumerate(zip(params, states)):
            numbers = {"value": p.data, "grad": p.grad}
            numbers.update({STATE_NAMES.get(k, k): state[k] for k in keys if k in state})
            rows.append((names.get(id(p), f"param {i}"), numbers))
        self.per_layer = len(rows) > max_rows
        self.rows = _per_layer(rows, self.columns) if self.per_layer else rows

    def _repr_html_(self) -> str:
        from autograd_lite.plots import SIGNS

        scale = {
            c: max((abs(r[c]) for _, r in self.rows if c in r), default=0) for c in self.columns
        }

        def cell(row: dict[str, float], column: str) -> str:
            if column not in row:
                return "<td></td>"
            x = row[column]
            strength = abs(x) / scale[column] if scale[column] and np.isfinite(x) else 0.0
            rgb = SIGNS[0] if x >= 0 else SIGNS[1]
            alpha = f"{int(255 * 0.6 * strength**0.5):02x}"
            return f'<td style="background:{rgb}{alpha}" title="{x!r}">{fmt(x)}</td>'

        head = "".join(f"<th>{html.escape(c)}</th>" for c in ["parameter", *self.columns])
        body = "".join(
            f"<tr><th>{html.escape(name)}</th>{''.join(cell(r, c) for c in self.columns)}</tr>"
            for name, r in self.rows
        )
        note = " (per layer: largest and median)" if self.per_layer else ""
        return (
            f'<table class="al-state"><caption>{html.escape(self.title)}{note}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def __repr__(self) -> str:
        return f"StateTable({len(self.rows)} rows, columns={self.columns})"


def _step(states: list[dict[str, float]]) -> int:
    return int(max((s.get("step", 0) for s in states), default=0))


def _per_layer(rows: list[tuple[str, dict[str, float]]], columns: list[str]) -> list:
    layers: dict[str, list[dict[str, float]]] = {}
    for name, numbers in rows:
        layers.setdefault(_layer(name), []).append(numbers)
    out = []
    for layer, members in layers.items():
        largest, median = {}, {}
        for c in columns:
            xs = np.array([m[c] for m in members if c in m], dtype=float)
            if len(xs):
                largest[c] = float(xs[np.argmax(np.abs(xs))])
                median[c] = float(np.median(xs))
        out += [(f"{layer} largest", largest), (f"{layer} median", median)]
    return out


def sample_graph(model: Any, loss_fn: Callable[..., Value], x: np.ndarray, y: Any) -> Any:
    """The graph of one sample's loss with its current data and gradients, parameters folded
    per neuron like ``draw_dot(module=model, fold_params=True)``; the parameters' ``.grad``
    (the batch gradients) are left as they were.

    >>> from autograd_lite.losses import mse
    >>> from autograd_lite.nn import MLP
    >>> graph = sample_graph(MLP(1, [1], seed=0), mse, np.array([0.5]), 1.0)
    >>> "loss" in graph.source and "cluster_" in graph.source
    True
    """
    from autograd_lite.viz import draw_dot

    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.grad = 0.0
        pred = model(list(map(float, x)))
        target = y.tolist() if isinstance(y, np.ndarray) else y
        root = loss_fn([pred], [target])
        root.label = "loss"
        root.backward()
        return draw_dot(root, module=model, fold_params=True)
    finally:
        for p, g in zip(params, saved):
            p.grad = g
