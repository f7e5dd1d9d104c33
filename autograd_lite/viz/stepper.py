"""Backpropagation one node at a time, and the chain-rule ledger it writes.

``BackwardStepper(root)`` performs exactly the arithmetic of ``root.backward()`` (same order,
same local derivatives, same accumulation), but one node per ``step()``, so a student can
watch each gradient arrive. ``backward_trace(root)`` runs it to the end and returns the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd_lite.engine import Value, check_backward, is_anomaly_enabled, topological_order
from autograd_lite.viz.graph import Graph, build_graph


@dataclass(frozen=True)
class TraceRow:
    """One backward step: ``node``'s gradient (``upstream``) times each local derivative
    d node / d parent gives the ``contributions`` added to the parents' grads."""

    step: int
    node: Value
    name: str
    op: str
    upstream: float
    parents: tuple[Value, ...]
    parent_names: tuple[str, ...]
    local_grads: tuple[float, ...]
    contributions: tuple[float, ...]
    grads_after: tuple[float, ...]


class Trace(list):
    """A list of ``TraceRow``; ``str()`` gives the printable ledger."""

    def __str__(self) -> str:
        return format_trace(self)


def format_trace(rows: list[TraceRow]) -> str:
    """The ledger as a text table, one line per (step, input) pair."""
    header = ("step", "node", "op", "upstream", "input", "local d", "contribution", "input grad")
    lines = [header]
    for row in rows:
        for j, name in enumerate(row.parent_names):
            lead = (
                (str(row.step), row.name, row.op, f"{row.upstream + 0.0:.6g}")
                if j == 0
                else ("",) * 4
            )
            numbers = (row.local_grads[j], row.contributions[j], row.grads_after[j])
            lines.append((*lead, name, *(f"{x + 0.0:.6g}" for x in numbers)))
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    text = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def short_name(path: str) -> str:
    """A Module parameter path, shortened: "layers.0.neurons.2.w.1" -> "l0.n2.w1"."""
    parts = path.split(".")
    out: list[str] = []
    for part in parts:
        if part.isdigit() and out and not out[-1][-1:].isdigit():
            out[-1] = out[-1][0] + part
        else:
            out.append(part)
    return ".".join(out)


def node_name(v: Value, index: int) -> str:
    """How a node is named in graphs and ledgers: its label, else "#index" (topological)."""
    return v.label or f"#{index}"


class BackwardStepper:
    """``root.backward(gradient)`` one node per ``step()``.

    Creating it starts the pass as ``backward`` does: non-leaf grads are reset to 0 and the
    root's grad gets ``gradient`` added (leaves keep and accumulate their grads). Nodes are
    processed in reverse topological order; leaves have nothing to propagate and take no step.
    """

    def __init__(
        self,
        root: Value,
        gradient: float = 1.0,
        *,
        params: Any = None,
        module: Any = None,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper needs a Value as root, got {type(root).__name__}")
        self.root = root
        self.params = None if params is None else list(params)
        self.module = module
        named = module.named_parameters() if module is not None else ()
        self.param_names = {id(p): short_name(name) for name, p in named}
        self.order = topological_order(root)
        self.index = {id(v): i for i, v in enumerate(self.order)}
        for v in self.order:
            if v.parents:
                v.grad = 0.0
        root.grad += float(gradient)
        self.initial_grads = {id(v): v.grad for v in self.order}
        self.schedule = [v for v in reversed(self.order) if v.parents]
        self.consumers = Counter(id(p) for v in self.schedule for p in v.parents)
        self._received: Counter[int] = Counter()
        self.trace = Trace()

    @property
    def position(self) -> int:
        """Steps taken so far."""
        return len(self.trace)

    @property
    def total_steps(self) -> int:
        """Steps in the whole pass: the number of non-leaf nodes."""
        return len(self.schedule)

    @property
    def done(self) -> bool:
        """True when every node has propagated its gradient."""
        return self.position == self.total_steps

    @property
    def current(self) -> Value | None:
        """The node processed by the latest ``step()`` (None before the first)."""
        return self.trace[-1].node if self.trace else None

    @property
    def next(self) -> Value | None:
        """The node the next ``step()`` will process (None when done)."""
        return None if self.done else self.schedule[self.position]

    def name(self, v: Value) -> str:
        """``v``'s name in the ledger: a module parameter's short path, else ``node_name``."""
        return self.param_names.get(id(v)) or node_name(v, self.index[id(v)])

    def step(self) -> TraceRow:
        """Propagate the next node's gradient to its parents; return the ledger row."""
        if self.done:
            raise RuntimeError("the backward pass is finished: every node has been stepped")
        node = self.schedule[self.position]
        g = node.grad
        if is_anomaly_enabled():
            check_backward(node, g)
        contributions, after = [], []
        for p, d in zip(node.parents, node.local_grads, strict=True):
            contribution = g * d
            p.grad += contribution
            self._received[id(p)] += 1
            contributions.append(contribution)
            after.append(p.grad)
        row = TraceRow(
            step=self.position + 1,
            node=node,
            name=self.name(node),
            op=node.op,
            upstream=g,
            parents=node.parents,
            parent_names=tuple(self.name(p) for p in node.parents),
            local_grads=tuple(node.local_grads),
            contributions=tuple(contributions),
            grads_after=tuple(after),
        )
        self.trace.append(row)
        return row

    def run(self) -> Trace:
        """Take every remaining step; return the whole ledger."""
        while not self.done:
            self.step()
        return self.trace

    def status(self) -> dict[int, str]:
        """Node id -> "pending" (no gradient arrived yet) or "partial" (more to come)."""
        out = {}
        for v in self.order:
            expected, got = self.consumers[id(v)], self._received[id(v)]
            if v is not self.root and got == 0:
                out[id(v)] = "pending"
            elif got < expected:
                out[id(v)] = "partial"
        return out

    def draw(self, rankdir: str = "LR", max_nodes: int | None = None) -> Graph:
        """The graph now: the node just processed and the edges its gradient flowed along in
        red, grads not computed yet shown as "grad ?" (dashed), incomplete ones "(so far)"."""
        current = self.current
        return build_graph(
            self.root,
            rankdir=rankdir,
            max_nodes=max_nodes,
            highlight=() if current is None else (current,),
            params=self.params,
            module=self.module,
            status=self.status(),
            flow=current,
        )

    def to_html(self, path: str | Path, title: str = "Backpropagation, step by step") -> Path:
        """Write a self-contained HTML player of the whole pass (see ``autograd_lite.player``)."""
        from autograd_lite.viz.player import write_player

        return write_player(self, Path(path), title)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict:
        return self.draw()._repr_mimebundle_()


def backward_trace(root: Value, gradient: float = 1.0) -> Trace:
    """Run ``root``'s backward pass (grads change as with ``backward()``) and return its ledger."""
    return BackwardStepper(root, gradient).run()
