"""Draw a computation graph with Graphviz: one record per Value, one small node per op.

``draw_dot(root)`` returns a ``Graph`` (a ``graphviz.Digraph``) whose DOT source is always
available as ``.source``; ``.svg()``, ``.png()``, ``.export(path)`` and Jupyter's inline display
render it with whichever renderer ``autograd_lite.viz.render`` finds.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.engine import Value, topological_order
from autograd_lite.viz.folding import (
    Groups,
    find_groups,
    fold_map,
    pretty,
    sorted_paths,
    summary_label,
    table_label,
    table_rows,
)
from autograd_lite.viz.labels import escape_record, grad_text, op_label
from autograd_lite.viz.names import fmt, node_names
from autograd_lite.viz.render import Graph

RANKDIRS = ("LR", "RL", "TB", "BT")
FILL = {"param": "#fde3b8", "input": "#d4e8f7", "inner": "#ffffff", "summary": "#eeeeee"}
HIGHLIGHT = "#d62728"
FOLD_OVER = 64  # draw_dot folds a module's parameters when the graph holds more than this many
PARAMS_NODE = {"shape": "plain", "fontsize": "10", "class": "params"}


@dataclass
class _Drawing:
    """Everything one drawing needs, computed once from ``build_graph``'s arguments."""

    root: Value
    order: list[Value]
    groups: Groups
    folded: dict[int, str]
    names: Mapping[int, str]
    rankdir: str
    show_grad: bool
    stacked: bool
    grads: Mapping[int, float]
    status: Mapping[int, str]
    marked: set[int]
    flow: Value | None
    index: dict[int, int] = field(default_factory=dict)
    members: dict[str, list[Value]] = field(default_factory=lambda: defaultdict(list))
    anchors: dict[str, str] = field(default_factory=dict)  # params table -> op it feeds

    def element(self, v: Value) -> str:
        key = id(v)
        return _summary_id(self.folded[key]) if key in self.folded else f"n{self.index[key]}"


def _value_attrs(d: _Drawing, v: Value) -> dict[str, str]:
    i = d.index[id(v)]
    kind = "param" if id(v) in d.groups.params else "input" if v.is_leaf else "inner"
    fields = [escape_record(d.names[id(v)]), f"data {fmt(v.data)}"]
    state = d.status.get(id(v), "")
    if d.show_grad:
        fields.append(escape_record(grad_text(d.grads.get(id(v), v.grad), state)))
    body = " | ".join(fields)
    style = ["filled", "bold" if kind == "param" else "", "dashed" if state == "pending" else ""]
    attrs = {
        # In a left-right graph "{ ... }" lays a record's fields side by side, else stacks them.
        "label": f"{{ {body} }}" if (d.rankdir in ("LR", "RL")) != d.stacked else body,
        "shape": "record",
        "style": ",".join(s for s in style if s),
        "fillcolor": FILL[kind],
        "id": f"n{i}",
        "class": f"value {kind} {state}".strip() + (" root" if v is d.root else ""),
    }
    if state == "pending":
        attrs["fontcolor"] = "#888888"
    if id(v) in d.marked:
        attrs.update(color=HIGHLIGHT, penwidth="3")
    return attrs


def _op_attrs(v: Value, i: int) -> dict[str, str]:
    return {
        "label": op_label(v),
        "shape": "ellipse",
        "style": "filled",
        "fillcolor": "#eeeeee",
        "fontsize": "10",
        "width": "0.3",
        "height": "0.3",
        "margin": "0.04,0.02",
        "id": f"n{i}_op",
        "class": "op",
    }


Placed = list[tuple[str, dict[str, str]]]


@dataclass
class _Layout:
    """Drawn nodes (DOT name, attributes) by layer and neuron, or outside any cluster."""

    clusters: dict[str, dict[str, Placed]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    plain: Placed = field(default_factory=list)

    def place(self, d: _Drawing, v: Value, name: str, attrs: dict[str, str]) -> None:
        if id(v) in d.groups.of:
            layer, neuron = d.groups.of[id(v)]
            self.clusters[layer][neuron].append((name, attrs))
        else:
            self.plain.append((name, attrs))


def _place_table(d: _Drawing, g: Graph, layout: _Layout, v: Value) -> None:
    """The folded parameter table of ``v``'s neuron, placed once (at its first parameter)."""
    name = d.folded[id(v)]
    if not name.startswith("params:") or d.members[name][0] is not v:
        return
    rows = table_rows(d.members[name], d.groups)
    pending = {id(p): d.status.get(id(p)) == "pending" for p in d.members[name]}
    element = _summary_id(name)
    label = table_label(rows, d.show_grad, d.grads, pending)
    layout.place(d, v, element, {**PARAMS_NODE, "label": label, "id": element})
    g.tables.append((element, rows))
    g.titles[element] = pretty(d.groups.of[id(v)][1])


def _place_all(d: _Drawing, g: Graph) -> _Layout:
    """Every drawn node's DOT name and attributes, by layer and neuron (or unclustered)."""
    layout = _Layout()
    for v in d.order:
        key = id(v)
        if key in d.folded:
            _place_table(d, g, layout, v)
            continue
        i = d.index[key]
        layout.place(d, v, f"n{i}", _value_attrs(d, v))
        g.titles[f"n{i}"] = d.names[key]
        if v.parents:
            layout.place(d, v, f"n{i}_op", _op_attrs(v, i))
            g.titles[f"n{i}_op"] = v.op
    return layout


def check_options(root: Any, rankdir: str, max_nodes: Any, fold_params: bool, module: Any) -> None:
    """Raise the TypeError or ValueError ``draw_dot`` gives for a bad argument."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value as root, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if fold_params and module is None:
        raise ValueError("fold_params needs module=: parameters are folded per neuron")


def build_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = None,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | None = None,
    module: Any = None,
    grads: Mapping[int, float] | None = None,
    status: Mapping[int, str] | None = None,
    flow: Value | None = None,
    fold_params: bool = False,
    names: Mapping[int, str] | None = None,
    stacked: bool | None = None,
) -> Graph:
    """``draw_dot`` plus the stepper's extras: displayed ``grads`` and ``status`` by node id
    ("pending": not reached yet, "partial": some contributions still to come), ``flow``,
    the node whose gradient just flowed to its inputs (those edges are highlighted),
    ``names`` (node id -> name; default ``node_names``) and ``stacked``: a record's fields
    one above the other, across the flow (default: when parameters are folded).

    >>> from autograd_lite import Value
    >>> x = Value(3.0, "x")
    >>> build_graph(x * x, status={id(x): "pending"}).source.count("grad ?")
    1
    """
    check_options(root, rankdir, max_nodes, fold_params, module)
    order = topological_order(root)
    groups = find_groups(order, params, module)
    d = _Drawing(
        root=root,
        order=order,
        groups=groups,
        folded=fold_map(root, order, groups, max_nodes, fold_params),
        names=names or node_names(order, neurons=groups.neurons()),
        rankdir=rankdir,
        show_grad=show_grad,
        stacked=fold_params if stacked is None else stacked,
        grads=grads or {},
        status=status or {},
        marked={id(v) for v in highlight},
        flow=flow,
        index={id(v): i for i, v in enumerate(order)},
    )
    for v in order:
        if id(v) in d.folded:
            d.members[d.folded[id(v)]].append(v)
            continue
        for p in v.parents:
            if d.folded.get(id(p), "").startswith("params:"):
                d.anchors.setdefault(_summary_id(d.folded[id(p)]), f"n{d.index[id(v)]}_op")
    g = Graph(
        graph_attr={
            "rankdir": rankdir,
            "nodesep": "0.2",
            "ranksep": "0.3",
            "remincross": "false",  # keeps w0, w1, ..., b in order inside a neuron box
            "fontname": "Helvetica",
        },
        node_attr={"fontname": "Helvetica", "fontsize": "11", "color": "#555555"},
        edge_attr={"color": "#666666", "arrowsize": "0.6"},
    )
    layout = _place_all(d, g)
    for layer in sorted_paths(layout.clusters):
        _emit_cluster(g, layer, layout.clusters[layer], groups.module_name, d.anchors)
    for name, attrs in layout.plain:
        g.node(name, **attrs)
    _emit_summaries(g, d)
    _emit_edges(g, d)
    g.element_ids = {id(v): d.element(v) for v in order}
    return g


def _emit_cluster(
    g: Graph,
    layer: str,
    neurons: Mapping[str, Placed],
    module: str,
    anchors: Mapping[str, str],
) -> None:
    with g.subgraph(name=_cluster_id(layer or "module")) as outer:
        outer.attr(
            label=pretty(layer) or module,
            labeljust="r",
            style="rounded,dashed",
            color="#999999",
            fontsize="12",
        )
        for neuron in sorted_paths(neurons):
            relative = neuron[len(layer) + 1 :] if layer else neuron
            with outer.subgraph(name=_cluster_id(neuron or "neuron")) as box:
                box.attr(
                    label=pretty(relative) or module,
                    labeljust="r",
                    style="rounded,filled",
                    fillcolor="#f7f7f7",
                    color="#bbbbbb",
                    fontsize="10",
                )
                for name, attrs in neurons[neuron]:
                    box.node(name, **attrs)
                    if name in anchors:
                        box.body.append(f"\t{{rank=same; {name}; {anchors[name]}}}\n")


def _emit_summaries(g: Graph, d: _Drawing) -> None:
    for name, vs in d.members.items():
        if name.startswith("params:"):
            continue
        element = _summary_id(name)
        label = summary_label(name, vs, d.groups)
        g.titles[element] = label.splitlines()[0]
        g.node(
            element,
            label=label,
            shape="box3d",
            style="filled",
            fillcolor=FILL["summary"],
            id=element,
            **{"class": "summary"},
        )


def _cluster_id(key: str) -> str:
    return "cluster_" + re.sub(r"\W", "_", key)


def _summary_id(name: str) -> str:
    return "summary_" + re.sub(r"\W", "_", name)


def _emit_edges(g: Graph, d: _Drawing) -> None:
    """Data-flow edges: parent -> op -> result; edges touching summaries merged with a count."""
    merged: Counter[tuple[str, str]] = Counter()
    lit_attrs = {"color": HIGHLIGHT, "penwidth": "2.5"}
    for v in d.order:
        if not v.parents:
            continue
        i = d.index[id(v)]
        head = d.element(v) if id(v) in d.folded else f"n{i}_op"
        extra = lit_attrs if d.flow is v else {}
        for j, p in enumerate(v.parents):
            tail = d.element(p)
            if id(p) in d.folded or id(v) in d.folded:
                if tail != head:
                    merged[tail, head] += 1
                continue
            k = d.index[id(p)]
            g.edge(tail, head, id=f"e_n{k}_n{i}_{j}", **{"class": f"in-n{i}"}, **extra)
        if id(v) not in d.folded:
            g.edge(f"n{i}_op", f"n{i}", id=f"e_n{i}", **{"class": f"in-n{i}"}, **extra)
    for (tail, head), count in merged.items():
        if tail.startswith("summary_params_"):
            g.edge(tail, head, penwidth="1.5", **{"class": "params"})
        else:
            g.edge(tail, head, label=f"×{count}" if count > 1 else "", style="bold")


def params_in_graph(root: Value, module: Any) -> int:
    """How many of ``module``'s parameters ``root``'s graph uses (0 for bad arguments, which
    ``build_graph`` then reports)."""
    if not isinstance(root, Value) or not hasattr(module, "parameters"):
        return 0
    reached = set(map(id, topological_order(root)))
    return sum(1 for p in module.parameters() if id(p) in reached)


def default_fold(root: Value, module: Any, fold_params: bool | None) -> bool:
    """``fold_params=None`` folds when ``module`` is given and the graph holds more than
    ``FOLD_OVER`` of its parameters."""
    if fold_params is None:
        return module is not None and params_in_graph(root, module) > FOLD_OVER
    return bool(fold_params)


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    max_nodes: int | None = None,
    highlight: Iterable[Value] = (),
    params: Iterable[Value] | None = None,
    module: Any = None,
    fold_params: bool | None = None,
) -> Graph:
    """The graph that computed ``root``, data flowing along the edges (inputs to root).

    Each Value is a record (name, data, grad to 4 significant digits; an unlabeled node is
    named by its short sub-expression, "a*b", else "#i", its topological index), each op a
    small ellipse with its plain-number operands written in (``* 2``, ``2 -``, ``dot`` with
    ``x = (...)``). Parameters (``params``, or a ``module``'s) are orange and bold, other
    leaves blue. With ``module`` its parameters are boxed per neuron inside a box per layer.
    ``fold_params`` draws each neuron's parameters as ONE table node (each parameter listed
    when there are at most 4, else "w0..w15" with the largest |data| and |grad|, and the
    bias) with one edge into the neuron's ``dot``; the default ``None`` folds when ``module``
    is given and the graph holds more than ``FOLD_OVER`` (64) of its parameters. Past
    ``max_nodes`` drawn nodes, layers (then the part farthest from the root) are folded
    into summary nodes. ``highlight``: Values drawn in red.

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> graph = draw_dot((a * b).tanh())
    >>> "a*b" in graph.source and "tanh(a*b)" in graph.source
    True
    """
    return build_graph(
        root,
        rankdir=rankdir,
        show_grad=show_grad,
        max_nodes=max_nodes,
        highlight=highlight,
        params=params,
        module=module,
        fold_params=default_fold(root, module, fold_params),
    )
