"""Draw a computation graph with Graphviz: one record per Value, one small node per op.

``draw_dot(root)`` returns a ``Graph`` (a ``graphviz.Digraph``) whose DOT source is always
available as ``.source``; ``.svg()``, ``.png()``, ``.export(path)`` and Jupyter's inline display
render it with whichever renderer ``autograd_lite.render`` finds.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphviz

from autograd_lite.engine import Value, topological_order
from autograd_lite.viz.render import RendererNotFound, render_pdf, render_png, render_svg

RANKDIRS = ("LR", "RL", "TB", "BT")
ACTIVATIONS = frozenset({"tanh", "relu", "sigmoid", "leaky_relu", "softplus"})
FILL = {"param": "#fde3b8", "input": "#d4e8f7", "inner": "#ffffff", "summary": "#eeeeee"}
HIGHLIGHT = "#d62728"
FOLD_OVER = 64  # draw_dot folds a module's parameters when the graph holds more than this many
LIST_PARAMS = 4  # a folded neuron lists each parameter up to this many, else summarizes
PARAMS_NODE = {"shape": "plain", "fontsize": "10", "class": "params"}
_ONE_LINE_OPS = frozenset({"+", "-", "*", "/", "**"})
_RECORD_SPECIALS = re.compile(r'([\\{}|<>"])')


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` rendered by ``autograd_lite.render`` (system dot or graphviz-pure)."""

    def svg(self) -> str:
        """The rendered SVG text."""
        return render_svg(self.source)

    def png(self) -> bytes:
        """The rendered PNG bytes."""
        return render_png(self.source)

    def pdf(self) -> bytes:
        """The rendered PDF bytes (needs the system ``dot``)."""
        return render_pdf(self.source)

    def export(self, path: str | Path) -> Path:
        """Write the graph to ``path`` as .svg, .png, .pdf or .dot/.gv (by suffix)."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.svg(), encoding="utf-8")
        elif suffix in (".png", ".pdf"):
            path.write_bytes(self.png() if suffix == ".png" else self.pdf())
        elif suffix in (".dot", ".gv"):
            path.write_text(self.source, encoding="utf-8")
        else:
            raise ValueError(
                f"export needs a .svg, .png, .pdf, .dot or .gv path, got {str(path)!r}"
            )
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, str]:
        """Jupyter display: inline SVG, or the install hint when no renderer exists."""
        try:
            return {"image/svg+xml": self.svg()}
        except RendererNotFound as error:
            return {"text/plain": str(error)}


def fmt(x: float) -> str:
    """A number with 4 significant digits, as shown in every label (no "-0")."""
    return f"{x + 0.0:.4g}"


def _escape(text: str) -> str:
    return _RECORD_SPECIALS.sub(r"\\\1", text)


def _op_label(v: Value) -> str:
    """The op's name, with its plain-number operands written in place."""
    ops = v.operands
    if all(isinstance(o, Value) for o in ops):
        return v.op
    if v.op in _ONE_LINE_OPS and len(ops) == 2:
        a, b = ops
        return f"{v.op} {fmt(b)}" if isinstance(a, Value) else f"{fmt(a)} {v.op}"
    if v.op == "sum":
        return "sum " + " ".join(f"{o:+.4g}" for o in ops if not isinstance(o, Value))
    if v.op == "dot":
        n = len(ops) // 2
        groups = (("w", ops[:n]), ("x", ops[n : 2 * n]), ("b", ops[2 * n :]))
        lines = [f"{name} = {_listing(g)}" for name, g in groups if g and _has_constant(g)]
        return "\n".join(["dot", *lines])
    return f"{v.op}({', '.join(_operand_text(o) for o in ops)})"


def _has_constant(group: Iterable[Any]) -> bool:
    return any(not isinstance(o, Value) for o in group)


def _operand_text(o: Any) -> str:
    return "·" if isinstance(o, Value) else fmt(o)


def _listing(group: tuple) -> str:
    if len(group) == 1:
        return _operand_text(group[0])
    shown = [_operand_text(o) for o in group[:4]]
    more = f", … {len(group)} in all" if len(group) > 4 else ""
    return f"({', '.join(shown)}{more})"


def _pretty(key: str) -> str:
    """ "layers.0" -> "layer 0", "neurons.3" -> "neuron 3"."""
    match = re.fullmatch(r"(.*?)s?\.(\d+)", key)
    return f"{match.group(1)} {match.group(2)}" if match else key


def _owner(name: str) -> str:
    """The module path owning a parameter or submodule: "layers.0.neurons.3.w.1" -> "...3"."""
    parts = name.split(".")
    while parts and parts[-1].isdigit():
        parts.pop()
    return ".".join(parts[:-1])


@dataclass
class _Groups:
    """Which cluster (layer, neuron) each node belongs to, from a Module's parameter names."""

    params: set[int] = field(default_factory=set)
    of: dict[int, tuple[str, str]] = field(default_factory=dict)
    short: dict[int, str] = field(default_factory=dict)  # "w.3" -> "w3", within its neuron
    rank: dict[int, int] = field(default_factory=dict)  # position in named_parameters()
    module_name: str = ""


def _groups(order: list[Value], params: Iterable[Value] | None, module: Any) -> _Groups:
    groups = _Groups()
    if module is not None:
        if not hasattr(module, "named_parameters"):
            raise TypeError(
                f"module must have named_parameters() (an autograd_lite.nn.Module), "
                f"got {type(module).__name__}"
            )
        groups.module_name = type(module).__name__
        for rank, (name, p) in enumerate(module.named_parameters()):
            neuron = _owner(name)
            groups.params.add(id(p))
            groups.of[id(p)] = (_owner(neuron) if neuron else "", neuron)
            groups.short[id(p)] = (name.removeprefix(neuron + ".") if neuron else name).replace(
                ".", ""
            )
            groups.rank[id(p)] = rank
    if params is not None:
        for p in params:
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


def _fold_params(order: list[Value], groups: _Groups) -> dict[int, str]:
    """Map each module parameter's id to its neuron's one parameter node, "params:<neuron>"."""
    return {id(v): "params:" + groups.of[id(v)][1] for v in order if id(v) in groups.rank}


def _collapse(
    root: Value, order: list[Value], groups: _Groups, max_nodes: int | None, base: dict[int, str]
) -> dict[int, str]:
    """Map node id -> summary node name for the nodes drawn folded: ``base`` (folded
    parameters) if that fits ``max_nodes``, else whole layers, then the part farthest away."""
    shown = len(order) - len(base) + len(set(base.values()))
    if max_nodes is None or shown <= max_nodes:
        return base
    folded: dict[int, str] = {}
    for v in order:
        if id(v) in groups.of:
            folded[id(v)] = "layer:" + groups.of[id(v)][0]
    summaries = len(set(folded.values()))
    if len(order) - len(folded) + summaries <= max_nodes:
        return folded
    depth = _depths(root)
    rest = sorted((v for v in order if id(v) not in folded), key=lambda v: depth[id(v)])
    keep = max(1, max_nodes - summaries - 1)
    for v in rest[keep:]:
        folded[id(v)] = "earlier"
    return folded


def _summary_label(name: str, members: list[Value], groups: _Groups) -> str:
    ops = Counter(v.op for v in members if v.op)
    n_params = sum(1 for v in members if id(v) in groups.params)
    if name == "earlier":
        title = "earlier part of the graph"
    else:
        title = _pretty(name.removeprefix("layer:")) or groups.module_name
        neurons = {groups.of[id(v)][1] for v in members if id(v) in groups.of}
        title += f": {len(neurons)} neuron{'s' if len(neurons) != 1 else ''}"
    ops_text = ", ".join(f"{op}×{k}" for op, k in ops.most_common(4))
    counts = f"{len(members)} nodes, {n_params} parameters"
    return "\n".join(part for part in (title, counts, ops_text) if part)


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
) -> Graph:
    """``draw_dot`` plus the stepper's extras: displayed ``grads`` and ``status`` by node id
    ("pending": not reached yet, "partial": some contributions still to come) and ``flow``,
    the node whose gradient just flowed to its inputs (those edges are highlighted)."""
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot needs a Value as root, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if fold_params and module is None:
        raise ValueError("fold_params needs module=: parameters are folded per neuron")
    order = topological_order(root)
    index = {id(v): i for i, v in enumerate(order)}
    groups = _groups(order, params, module)
    base = _fold_params(order, groups) if fold_params else {}
    folded = _collapse(root, order, groups, max_nodes, base)
    members: dict[str, list[Value]] = defaultdict(list)
    anchors: dict[str, str] = {}  # a folded parameter node -> the op it feeds, drawn beside it
    for v in order:
        if id(v) in folded:
            members[folded[id(v)]].append(v)
            continue
        for p in v.parents:
            if folded.get(id(p), "").startswith("params:"):
                anchors.setdefault(_summary_id(folded[id(p)]), f"n{index[id(v)]}_op")
    marked = {id(v) for v in highlight}
    grads = grads or {}
    status = status or {}
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
    clusters: dict[str, dict[str, list[tuple[str, dict[str, str]]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    plain: list[tuple[str, dict[str, str]]] = []

    def place(v: Value, name: str, attrs: dict[str, str]) -> None:
        if id(v) in groups.of:
            layer, neuron = groups.of[id(v)]
            clusters[layer][neuron].append((name, attrs))
        else:
            plain.append((name, attrs))

    def value_attrs(v: Value) -> dict[str, str]:
        i = index[id(v)]
        kind = "param" if id(v) in groups.params else "input" if v.is_leaf else "inner"
        fields = [_escape(v.label or f"#{i}"), f"data {fmt(v.data)}"]
        state = status.get(id(v), "")
        if show_grad:
            shown = fmt(grads.get(id(v), v.grad))
            grad_text = {"pending": "grad ?", "partial": f"grad {shown} (so far)"}
            fields.append(grad_text.get(state, f"grad {shown}"))
        body = " | ".join(fields)
        style = [
            "filled",
            "bold" if kind == "param" else "",
            "dashed" if state == "pending" else "",
        ]
        attrs = {
            "label": f"{{ {body} }}" if (rankdir in ("LR", "RL")) != fold_params else body,
            "shape": "record",
            "style": ",".join(s for s in style if s),
            "fillcolor": FILL[kind],
            "id": f"n{i}",
            "class": f"value {kind} {state}".strip() + (" root" if v is root else ""),
        }
        if state == "pending":
            attrs["fontcolor"] = "#888888"
        if id(v) in marked:
            attrs.update(color=HIGHLIGHT, penwidth="3")
        return attrs

    for v in order:
        if id(v) in folded:
            name = folded[id(v)]
            if name.startswith("params:") and members[name][0] is v:
                label = _params_label(members[name], groups, show_grad)
                place(
                    v, _summary_id(name), {**PARAMS_NODE, "label": label, "id": _summary_id(name)}
                )
            continue
        i = index[id(v)]
        place(v, f"n{i}", value_attrs(v))
        if v.parents:
            op_attrs = {
                "label": _op_label(v),
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
            place(v, f"n{i}_op", op_attrs)
    for layer in sorted(clusters, key=_natural):
        _emit_cluster(g, layer, clusters[layer], groups.module_name, anchors)
    for name, attrs in plain:
        g.node(name, **attrs)
    _emit_summaries(g, members, groups)
    _emit_edges(g, order, index, folded, flow)
    return g


def _emit_cluster(
    g: Graph,
    layer: str,
    neurons: Mapping[str, list[tuple[str, dict[str, str]]]],
    module: str,
    anchors: Mapping[str, str],
) -> None:
    layer_title = _pretty(layer) or module
    with g.subgraph(name=_cluster_id(layer or "module")) as outer:
        outer.attr(
            label=layer_title, labeljust="r", style="rounded,dashed", color="#999999", fontsize="12"
        )
        for neuron in sorted(neurons, key=_natural):
            members = neurons[neuron]
            relative = neuron[len(layer) + 1 :] if layer else neuron
            with outer.subgraph(name=_cluster_id(neuron or "neuron")) as box:
                box.attr(
                    label=_pretty(relative) or module,
                    labeljust="r",
                    style="rounded,filled",
                    fillcolor="#f7f7f7",
                    color="#bbbbbb",
                    fontsize="10",
                )
                for name, attrs in members:
                    box.node(name, **attrs)
                    if name in anchors:
                        box.body.append(f"\t{{rank=same; {name}; {anchors[name]}}}\n")


def _emit_summaries(g: Graph, members: Mapping[str, list[Value]], groups: _Groups) -> None:
    for name, vs in members.items():
        if name.startswith("params:"):
            continue
        g.node(
            _summary_id(name),
            label=_summary_label(name, vs, groups),
            shape="box3d",
            style="filled",
            fillcolor=FILL["summary"],
            id=_summary_id(name),
            **{"class": "summary"},
        )


def _params_label(members: list[Value], groups: _Groups, show_grad: bool) -> str:
    """An HTML table of one neuron's folded parameters: each one if there are at most
    ``LIST_PARAMS``, else one row per name stem ("|w0..w15|" with its largest |data|, |grad|)."""
    members = sorted(members, key=lambda v: groups.rank[id(v)])
    rows: list[tuple[str, ...]] = [(f"{len(members)} params", "data", "grad")]
    stems: dict[str, list[Value]] = defaultdict(list)
    for v in members:
        key = groups.short[id(v)] if len(members) <= LIST_PARAMS else ""
        stems[key or groups.short[id(v)].rstrip("0123456789")].append(v)
    for vs in stems.values():
        if len(vs) == 1:
            rows.append((groups.short[id(vs[0])], fmt(vs[0].data), fmt(vs[0].grad)))
        else:
            span = f"|{groups.short[id(vs[0])]}..{groups.short[id(vs[-1])]}|"
            largest = (max(abs(v.data) for v in vs), max(abs(v.grad) for v in vs))
            rows.append((span, *(f"≤ {fmt(x)}" for x in largest)))
    width = 3 if show_grad else 2
    cells = [
        "<tr>" + "".join(f"<td>{tag % html.escape(c)}</td>" for c in row[:width]) + "</tr>"
        for tag, row in zip(("<b>%s</b>", *["%s"] * len(rows)), rows)
    ]
    table = (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="2" bgcolor="{}">{}</table>'
    )
    return f"<{table.format(FILL['param'], ''.join(cells))}>"


def _natural(key: str) -> list:
    """Sort key putting "layers.10" after "layers.9"."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in key.split(".")]


def _cluster_id(key: str) -> str:
    return "cluster_" + re.sub(r"\W", "_", key)


def _summary_id(name: str) -> str:
    return "summary_" + re.sub(r"\W", "_", name)


def _emit_edges(
    g: Graph, order: list[Value], index: dict[int, int], folded: dict[int, str], flow: Value | None
) -> None:
    """Data-flow edges: parent -> op -> result; edges touching summaries merged with a count."""
    merged: Counter[tuple[str, str]] = Counter()
    lit_attrs = {"color": HIGHLIGHT, "penwidth": "2.5"}
    for v in order:
        if not v.parents:
            continue
        i = index[id(v)]
        head = _summary_id(folded[id(v)]) if id(v) in folded else f"n{i}_op"
        extra = lit_attrs if flow is v else {}
        for j, p in enumerate(v.parents):
            k = index[id(p)]
            tail = _summary_id(folded[id(p)]) if id(p) in folded else f"n{k}"
            if id(p) in folded or id(v) in folded:
                if tail != head:
                    merged[tail, head] += 1
                continue
            g.edge(tail, head, id=f"e_n{k}_n{i}_{j}", **{"class": f"in-n{i}"}, **extra)
        if id(v) not in folded:
            g.edge(f"n{i}_op", f"n{i}", id=f"e_n{i}", **{"class": f"in-n{i}"}, **extra)
    for (tail, head), count in merged.items():
        if tail.startswith("summary_params_"):
            g.edge(tail, head, penwidth="1.5", **{"class": "params"})
        else:
            g.edge(tail, head, label=f"×{count}" if count > 1 else "", style="bold")


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

    Each Value is a record (label, data, grad to 4 significant digits; unlabeled nodes are
    "#i", their topological index), each op a small ellipse with its plain-number operands
    written in (``* 2``, ``2 -``, ``dot`` with ``x = (...)``). Parameters (``params``, or a
    ``module``'s) are orange and bold, other leaves blue. With ``module`` its parameters are
    boxed per neuron inside a box per layer. ``fold_params`` draws each neuron's parameters
    as ONE table node (each parameter listed when there are at most 4, else "w0..w15" with
    the largest |data| and |grad|, and the bias) with one edge into the neuron's ``dot``;
    the default ``None`` folds when ``module`` is given and the graph holds more than
    ``FOLD_OVER`` (64) of its parameters, so an MLP's graph stays readable as a whole. Past
    ``max_nodes`` drawn nodes, layers (then the part farthest from the root) are folded into
    summary nodes. ``highlight``: Values drawn in red.
    """
    if fold_params is None:
        fold_params = module is not None and _params_in_graph(root, module) > FOLD_OVER
    return build_graph(
        root,
        rankdir=rankdir,
        show_grad=show_grad,
        max_nodes=max_nodes,
        highlight=highlight,
        params=params,
        module=module,
        fold_params=fold_params,
    )


def _params_in_graph(root: Value, module: Any) -> int:
    if not isinstance(root, Value) or not hasattr(module, "parameters"):
        return 0  # build_graph reports the bad argument
    reached = set(map(id, topological_order(root)))
    return sum(1 for p in module.parameters() if id(p) in reached)
