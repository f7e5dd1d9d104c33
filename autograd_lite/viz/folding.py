"""Which node belongs to which layer and neuron of a module, and what is drawn folded.

A module's parameter names (``layers.0.neurons.3.w.1``) say where each parameter lives; an
op node belongs to the neuron of the parameters it reads (the ``dot``) or of the node its
activation reads. ``draw_dot`` boxes nodes per neuron and layer with this, folds each
neuron's parameters into one table node, and past ``max_nodes`` folds whole layers.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.engine import Value
from autograd_lite.ops import ACTIVATIONS
from autograd_lite.viz.names import fmt, natural_key, short_name

LIST_PARAMS = 4  # a folded neuron lists each parameter up to this many, else summarizes
PARAM_FILL = "#fde3b8"


@dataclass
class Groups:
    """Where each node lives in a module, by node id."""

    params: set[int] = field(default_factory=set)
    of: dict[int, tuple[str, str]] = field(default_factory=dict)  # (layer path, neuron path)
    short: dict[int, str] = field(default_factory=dict)  # "w.3" -> "w3", within its neuron
    rank: dict[int, int] = field(default_factory=dict)  # position in named_parameters()
    path: dict[int, str] = field(default_factory=dict)  # "layers.0.neurons.3.w.1"
    module_name: str = ""

    def neurons(self) -> dict[int, str]:
        """Node id -> its neuron's short path ("l0.n3"), for naming unlabeled op nodes."""
        return {key: short_name(neuron) for key, (_, neuron) in self.of.items() if neuron}


def pretty(key: str) -> str:
    """ "layers.0" -> "layer 0", "neurons.3" -> "neuron 3"."""
    match = re.fullmatch(r"(.*?)s?\.(\d+)", key)
    return f"{match.group(1)} {match.group(2)}" if match else key


def _owner(name: str) -> str:
    """The module path owning a parameter or submodule: "layers.0.neurons.3.w.1" -> "...3"."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts[:-1])


def _add_module(groups: Groups, module: Any) -> None:
    if not hasattr(module, "named_parameters"):
        raise TypeError(
            f"module must have named_parameters() (an autograd_lite.nn.Module), "
            f"got {type(module).__name__}"
        )
    groups.module_name = type(module).__name__
    for rank, (name, p) in enumerate(module.named_parameters()):
        neuron = _owner(name)
        key = id(p)
        groups.params.add(key)
        groups.of[key] = (_owner(neuron) if neuron else "", neuron)
        groups.short[key] = (name.removeprefix(neuron + ".") if neuron else name).replace(".", "")
        groups.rank[key] = rank
        groups.path[key] = name


def find_groups(order: list[Value], params: Iterable[Value] | None, module: Any) -> Groups:
    """The layer and neuron of every node of ``order`` that belongs to ``module``.

    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.engine import topological_order
    >>> model = MLP(2, [3, 1], seed=0)
    >>> out = model([0.5, -0.5])
    >>> find_groups(topological_order(out), None, model).of[id(out)]
    ('layers.1', 'layers.1.neurons.0')
    """
    groups = Groups()
    if module is not None:
        _add_module(groups, module)
    for p in params or ():
        if not isinstance(p, Value):
            raise TypeError(f"params must be Values, got {type(p).__name__}")
        groups.params.add(id(p))
    if not groups.of:
        return groups
    for v in order:
        if not v.parents or id(v) in groups.of:
            continue
        owners = [groups.of[id(p)] for p in v.parents if id(p) in groups.params]
        if owners:
            groups.of[id(v)] = owners[0]
        elif v.op in ACTIVATIONS and id(v.parents[0]) in groups.of and v.parents[0].parents:
            groups.of[id(v)] = groups.of[id(v.parents[0])]
    return groups


def _depths(root: Value) -> dict[int, int]:
    """Fewest edges from each node to the root."""
    depth = {id(root): 0}
    frontier = [root]
    while frontier:
        following = []
        for v in frontier:
            for p in v.parents:
                if id(p) not in depth:
                    depth[id(p)] = depth[id(v)] + 1
                    following.append(p)
        frontier = following
    return depth


def fold_map(
    root: Value, order: list[Value], groups: Groups, max_nodes: int | None, fold_params: bool
) -> dict[int, str]:
    """Node id -> the summary node drawing it: "params:<neuron>" for folded parameters if
    that fits ``max_nodes``, else "layer:<layer>" for whole layers, then "earlier" for the
    part farthest from the root."""
    base = {id(v): "params:" + groups.of[id(v)][1] for v in order if id(v) in groups.rank}
    if not fold_params:
        base = {}
    shown = len(order) - len(base) + len(set(base.values()))
    if max_nodes is None or shown <= max_nodes:
        return base
    folded = {id(v): "layer:" + groups.of[id(v)][0] for v in order if id(v) in groups.of}
    summaries = len(set(folded.values()))
    if len(order) - len(folded) + summaries <= max_nodes:
        return folded
    depth = _depths(root)
    rest = sorted((v for v in order if id(v) not in folded), key=lambda v: depth[id(v)])
    for v in rest[max(1, max_nodes - summaries - 1) :]:
        folded[id(v)] = "earlier"
    return folded


def summary_label(name: str, members: list[Value], groups: Groups) -> str:
    """A folded layer's (or the earlier part's) label: its size and most common ops."""
    ops = Counter(v.op for v in members if v.op)
    n_params = sum(1 for v in members if id(v) in groups.params)
    if name == "earlier":
        title = "earlier part of the graph"
    else:
        title = pretty(name.removeprefix("layer:")) or groups.module_name
        neurons = {groups.of[id(v)][1] for v in members if id(v) in groups.of}
        title += f": {len(neurons)} neuron{'s' if len(neurons) != 1 else ''}"
    ops_text = ", ".join(f"{op}×{k}" for op, k in ops.most_common(4))
    counts = f"{len(members)} nodes, {n_params} parameters"
    return "\n".join(part for part in (title, counts, ops_text) if part)


@dataclass(frozen=True)
class TableRow:
    """One row of a folded neuron's parameter table: one parameter, or a summarized span."""

    name: str
    members: tuple[Value, ...]

    @property
    def summarized(self) -> bool:
        return len(self.members) > 1


def table_rows(members: list[Value], groups: Groups) -> list[TableRow]:
    """A neuron's parameters in natural order (w0, w1, ..., b): each one if there are at most
    ``LIST_PARAMS``, else one row per name stem ("|w0..w15|")."""
    members = sorted(members, key=lambda v: groups.rank[id(v)])
    if len(members) <= LIST_PARAMS:
        return [TableRow(groups.short[id(v)], (v,)) for v in members]
    stems: dict[str, list[Value]] = defaultdict(list)
    for v in members:
        stems[groups.short[id(v)].rstrip("0123456789")].append(v)
    rows = []
    for vs in stems.values():
        first, last = groups.short[id(vs[0])], groups.short[id(vs[-1])]
        rows.append(TableRow(first if len(vs) == 1 else f"|{first}..{last}|", tuple(vs)))
    return rows


def table_label(
    rows: list[TableRow],
    show_grad: bool,
    grads: Mapping[int, float],
    pending: Mapping[int, bool],
) -> str:
    """The HTML-like label of a folded neuron's table: name, data, grad per row (a summarized
    row shows the largest |data| and |grad|; "?" for grads nothing has reached yet)."""
    n = sum(len(r.members) for r in rows)
    cells: list[tuple[str, ...]] = [(f"{n} params", "data", "grad")]
    for r in rows:
        values = [grads.get(id(v), v.grad) for v in r.members]
        if all(pending.get(id(v), False) for v in r.members) and not any(values):
            grad = "?"
        elif r.summarized:
            grad = f"≤ {fmt(max(abs(x) for x in values))}"
        else:
            grad = fmt(values[0])
        data = (
            f"≤ {fmt(max(abs(v.data) for v in r.members))}"
            if r.summarized
            else fmt(r.members[0].data)
        )
        cells.append((r.name, data, grad))
    width = 3 if show_grad else 2
    body = "".join(
        "<tr>" + "".join(f"<td>{tag % html.escape(c)}</td>" for c in row[:width]) + "</tr>"
        for tag, row in zip(("<b>%s</b>", *["%s"] * len(rows)), cells)
    )
    table = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="2" bgcolor="{}">{}</table>'
    )
    return f"<{table.format(PARAM_FILL, body)}>"


def sorted_paths(paths: Iterable[str]) -> list[str]:
    """Layer and neuron paths in natural order ("layers.10" after "layers.9")."""
    return sorted(paths, key=natural_key)
