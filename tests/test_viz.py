"""draw_dot: the DOT it writes matches the graph; both renderers work; missing renderer is clear."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from autograd_lite import Value
from autograd_lite.nn import MLP
from autograd_lite.render import RendererNotFound, find_renderer, render_png, render_svg
from autograd_lite.stepper import BackwardStepper, backward_trace
from autograd_lite.viz import draw_dot, fmt
from autograd_lite.viz import render as render_module

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="needs the system Graphviz `dot` (layout, PDF): apt-get install graphviz "
    "(or brew install graphviz)",
)
needs_pure = pytest.mark.skipif(
    render_module._graphviz_pure() is None,
    reason="needs graphviz-pure: pip install autograd-lite[render]",
)
NODE = re.compile(r"^\s*(\w+) \[(.*)\]\s*$", re.S)
EDGE = re.compile(r"^\s*(\w+) -> (\w+)")
SVG_NS = "{http://www.w3.org/2000/svg}"


def statements(source: str) -> list[str]:
    """DOT statements, one per node or edge (labels may span lines inside quotes)."""
    out, current, quoted = [], "", False
    for ch in source:
        current += ch
        if ch == '"' and not current.endswith('\\"'):
            quoted = not quoted
        if ch == "\n" and not quoted:
            out.append(current)
            current = ""
    return out


def parse(source: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Node name -> attribute text, and the edges, from DOT source."""
    nodes, edges = {}, []
    for stmt in statements(source):
        if m := EDGE.match(stmt):
            edges.append((m.group(1), m.group(2)))
        elif (m := NODE.match(stmt)) and m.group(1) not in ("graph", "node", "edge"):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def record_fields(attrs: str) -> list[str] | None:
    m = re.search(r'label="\{ (.*?) \}"', attrs, re.S)
    return None if m is None else [f.strip() for f in m.group(1).split(" | ")]


def expression() -> tuple[Value, list[Value]]:
    """A small graph, every node labeled uniquely, with a reused input and constants."""
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(0.5, "c")
    nodes = [a, b, c]

    def lab(v: Value, name: str) -> Value:
        v.label = name
        nodes.append(v)
        return v

    e = lab(a * b, "e")
    d = lab(e + c, "d")
    s = lab(d.tanh(), "s")
    q = lab(a**2, "q")
    r = lab(2 - q, "r")
    t = lab(Value.dot([a, b], [0.25, -1.5], c), "t")
    u = lab(Value.sum([s, r, t, 1.0]), "u")
    loss = lab(u * u, "loss")
    loss.backward()
    return loss, nodes


def test_dot_nodes_and_edges_match_the_graph() -> None:
    loss, values = expression()
    nodes, edges = parse(draw_dot(loss).source)
    records = {n: record_fields(a) for n, a in nodes.items()}
    label_of = {n: f[0] for n, f in records.items() if f is not None}
    ops = [n for n, f in records.items() if f is None]
    inner = [v for v in values if v.parents]
    assert sorted(label_of.values()) == sorted(v.label for v in values)
    assert len(ops) == len(inner)
    assert len(edges) == sum(len(v.parents) for v in inner) + len(inner)
    op_result = {t: label_of[h] for t, h in edges if t in ops}
    assert sorted(op_result.values()) == sorted(v.label for v in inner)
    drawn = Counter((label_of[t], op_result[h]) for t, h in edges if h in ops)
    expected = Counter((p.label, v.label) for v in inner for p in v.parents)
    assert drawn == expected


def test_labels_carry_data_and_grad_to_four_digits() -> None:
    loss, values = expression()
    nodes, _ = parse(draw_dot(loss).source)
    fields = {f[0]: f for f in map(record_fields, nodes.values()) if f}
    for v in values:
        assert fields[v.label][1] == f"data {v.data:.4g}"
        assert fields[v.label][2] == f"grad {v.grad:.4g}"
    hidden = draw_dot(loss, show_grad=False).source
    assert "grad" not in hidden and f"data {loss.data:.4g}" in hidden


def test_constants_are_written_into_the_op_nodes() -> None:
    loss, _ = expression()
    source = draw_dot(loss).source
    assert 'label="** 2"' in source
    assert 'label="2 -"' in source
    assert "x = (0.25, -1.5)" in source
    assert 'label="sum +1"' in source
    x = Value(1.0, "x")
    assert 'label="leaky_relu(·, 0.2)"' in draw_dot(x.leaky_relu(0.2)).source


def test_parameters_look_different_from_inputs() -> None:
    w, x = Value(0.5, "w"), Value(2.0, "x")
    nodes, _ = parse(draw_dot(w * x, params=[w]).source)
    attrs = {record_fields(a)[0]: a for a in nodes.values() if record_fields(a)}
    assert 'class="value param"' in attrs["w"] and 'class="value input"' in attrs["x"]
    fill = re.compile(r'fillcolor="([^"]+)"')
    assert fill.search(attrs["w"]).group(1) != fill.search(attrs["x"]).group(1)


def test_module_parameters_are_clustered_per_neuron_and_layer() -> None:
    model = MLP(2, [3, 2, 1], seed=1)
    loss = (model([0.3, -0.7]) - 1.0) ** 2
    source = draw_dot(loss, module=model).source
    n_neurons = 3 + 2 + 1
    assert source.count("subgraph cluster_") == 3 + n_neurons
    assert source.count('class="value param"') == len(model.parameters())
    for layer in range(3):
        assert f'label="layer {layer}"' in source


def test_max_nodes_folds_layers_into_summaries() -> None:
    model = MLP(2, [4, 4, 1], seed=2)
    loss = Value.sum([(model([x, 1 - x]) - 1.0) ** 2 for x in (0.1, 0.9)])
    full, _ = parse(draw_dot(loss, module=model).source)
    nodes, edges = parse(draw_dot(loss, module=model, max_nodes=20).source)
    values = [n for n, a in nodes.items() if record_fields(a)]
    summaries = [a for a in nodes.values() if re.search(r'class="?summary', a)]
    assert len([n for n, a in full.items() if record_fields(a)]) > 20
    assert len(values) + len(summaries) <= 20
    by_layer = {int(re.search(r"layer (\d)", a).group(1)): a for a in summaries}
    assert sorted(by_layer) == [0, 1, 2]
    # per layer: its parameters, plus one dot node per neuron and sample, plus a relu if hidden
    expected = {0: (4, 4 * 3, 4 * 2 * 2), 1: (4, 4 * 5, 4 * 2 * 2), 2: (1, 1 * 5, 1 * 2)}
    for layer, (neurons, n_params, n_ops) in expected.items():
        plural = "s" if neurons > 1 else ""
        assert f"layer {layer}: {neurons} neuron{plural}\n" in by_layer[layer]
        assert f"{n_params + n_ops} nodes, {n_params} parameters" in by_layer[layer]
    names = set(nodes)
    assert all(t in names and h in names for t, h in edges)
    deep = Value(1.0, "x0")
    for _ in range(30):
        deep = (deep * 1.01).tanh()
    nodes, _ = parse(draw_dot(deep, max_nodes=10).source)
    assert sum(1 for a in nodes.values() if record_fields(a)) <= 10
    assert any("earlier part" in a for a in nodes.values())


def mlp_loss(sizes: list[int], seed: int = 0) -> tuple[MLP, Value]:
    """One sample's squared error through an MLP (ReLU hidden layers, linear output)."""
    model = MLP(2, sizes, seed=seed)
    loss = (model([Value(0.5, "x1"), Value(-0.3, "x2")]) - 1.0) ** 2
    loss.backward()
    return model, loss


def test_fold_params_draws_one_table_per_neuron() -> None:
    sizes = [16, 16, 1]
    model, loss = mlp_loss(sizes)
    nodes, edges = parse(draw_dot(loss, module=model, fold_params=True).source)
    fan_in = [2, *sizes[:-1]]
    neurons, hidden = sum(sizes), sum(sizes[:-1])  # every hidden neuron adds a relu
    ops = neurons + hidden + 2  # dot per neuron, relu per hidden neuron, "- 1" and "** 2"
    tables = {n: a for n, a in nodes.items() if re.search(r'class="?params\b', a)}
    ops_drawn = [n for n, a in nodes.items() if re.search(r'class="?op\b', a)]
    assert len(tables) == neurons
    assert len(ops_drawn) == ops
    assert len(nodes) == len(tables) + ops + (2 + ops)  # records: x1, x2 and one per op
    params_in = sum(n * (fan + 1) for n, fan in zip(sizes, fan_in))
    assert params_in == len(model.parameters())
    data_in = sum(n * fan for n, fan in zip(sizes, fan_in))  # inputs into the dot nodes
    assert len(edges) == data_in + neurons + hidden + 2 + ops  # + op -> result edges
    assert all(t in nodes and h in nodes for t, h in edges)
    assert all(h in ops_drawn for t, h in edges if t in tables)
    assert 'class="value param"' not in "".join(nodes.values())


def table_cells(attrs: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", attrs)
    return [[re.sub(r"</?b>", "", c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows]


def test_folded_tables_list_or_summarize_the_parameters_in_order() -> None:
    model, loss = mlp_loss([16, 16, 1], seed=3)
    nodes, _ = parse(draw_dot(loss, module=model).source)  # folded automatically
    for layer_index, layer in enumerate(model.layers):
        for k, neuron in enumerate(layer.neurons):
            key = f"summary_params_layers_{layer_index}_neurons_{k}"
            cells = table_cells(nodes[key])
            n = len(neuron.w) + 1
            assert cells[0] == [f"{n} params", "data", "grad"]
            if n <= 4:
                expected = [
                    [name, f"{p.data:.4g}", f"{p.grad:.4g}"]
                    for name, p in [
                        *((f"w{i}", w) for i, w in enumerate(neuron.w)),
                        ("b", neuron.b),
                    ]
                ]
            else:
                top_data = max(abs(w.data) for w in neuron.w)
                top_grad = max(abs(w.grad) for w in neuron.w)
                expected = [
                    [f"|w0..w{n - 2}|", f"≤ {top_data:.4g}", f"≤ {top_grad:.4g}"],
                    ["b", f"{neuron.b.data:.4g}", f"{neuron.b.grad:.4g}"],
                ]
            assert cells[1:] == expected


def test_fold_params_is_automatic_only_for_large_modules() -> None:
    small, small_loss = mlp_loss([3, 1])
    folded = re.compile(r'class="?params\b')
    assert not folded.search(draw_dot(small_loss, module=small).source)
    assert folded.search(draw_dot(small_loss, module=small, fold_params=True).source)
    large, large_loss = mlp_loss([16, 16, 1])
    assert folded.search(draw_dot(large_loss, module=large).source)
    source = draw_dot(large_loss, module=large, fold_params=False).source
    assert source.count('class="value param"') == len(large.parameters())
    with pytest.raises(ValueError, match="module"):
        draw_dot(large_loss, fold_params=True)


def layout(source: str) -> tuple[tuple[float, float], dict[str, tuple[float, float]]]:
    """Graph size and node centres (inches) from ``dot -Tplain``."""
    import subprocess

    plain = subprocess.run(
        ["dot", "-Tplain"], input=source, capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split() for line in plain.splitlines()]
    size = next((float(r[2]), float(r[3])) for r in rows if r[0] == "graph")
    return size, {r[1]: (float(r[2]), float(r[3])) for r in rows if r[0] == "node"}


@needs_dot
def test_folded_demo_graph_is_readable_as_a_whole() -> None:
    model, loss = mlp_loss([16, 16, 1])
    (width, height), _ = layout(draw_dot(loss, module=model).source)
    assert max(width, height) * 72 <= 3000  # points; unfolded it is over 18000 tall
    (_, unfolded_height), _ = layout(draw_dot(loss, module=model, fold_params=False).source)
    assert unfolded_height > 3 * height


@needs_dot
def test_unfolded_neuron_lists_its_weights_in_order() -> None:
    model, loss = mlp_loss([16, 16, 1])
    source = draw_dot(loss, module=model, fold_params=False).source
    _, centre = layout(source)
    for layer, k in ((0, 0), (1, 0), (1, 9)):
        block = re.search(
            rf"subgraph cluster_layers_{layer}_neurons_{k} \{{(.*?)\n\t\t\}}", source, re.S
        )
        params = re.findall(r'^\s*(n\d+) \[label="\{ ([wb]\d*) \|', block.group(1), re.M)
        top_down = [label for _, label in sorted(params, key=lambda p: -centre[p[0]][1])]
        n_weights = len(model.layers[layer].neurons[k].w)
        assert top_down == [f"w{i}" for i in range(n_weights)] + ["b"]


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="Value"):
        draw_dot(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_dot(Value(1.0), rankdir="XY")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_dot(Value(1.0), max_nodes=0)


def test_value_keeps_its_short_text_repr() -> None:
    loss, _ = expression()
    assert repr(loss).startswith("Value(data=") and "digraph" not in repr(loss)
    assert not hasattr(loss, "_repr_svg_")


def svg_counts(svg: str) -> tuple[int, int, list[str]]:
    root = ET.fromstring(svg)
    groups = root.iter(f"{SVG_NS}g")
    classes = Counter()
    texts = [t.text or "" for t in root.iter(f"{SVG_NS}text")]
    for g in groups:
        classes[g.get("class", "").split(" ")[0]] += 1
    return classes["node"], classes["edge"], texts


@pytest.mark.parametrize(
    "renderer",
    [pytest.param("dot", marks=needs_dot), pytest.param("graphviz-pure", marks=needs_pure)],
)
def test_svg_and_png_render_with_each_renderer(
    renderer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(render_module.RENDERER_ENV, renderer)
    assert find_renderer()[0] == renderer
    loss, values = expression()
    graph = draw_dot(loss)
    n_nodes, n_edges, texts = svg_counts(graph.svg())
    inner = [v for v in values if v.parents]
    assert n_nodes == len(values) + len(inner)
    assert n_edges == sum(len(v.parents) for v in inner) + len(inner)
    assert f"grad {loss.grad:.4g}" in texts
    assert graph._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")
    png = graph.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000


@needs_pure
def test_falls_back_to_graphviz_pure_without_system_dot(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(render_module.RENDERER_ENV, raising=False)
    name, _ = find_renderer()
    assert name == "graphviz-pure"
    svg = render_svg("digraph { a -> b }")
    assert svg_counts(svg)[:2] == (2, 1)


@needs_dot
def test_export_writes_each_format(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(render_module.RENDERER_ENV, raising=False)
    loss, _ = expression()
    graph = draw_dot(loss)
    assert graph.export(tmp_path / "g.svg").read_text().count("<svg") == 1
    assert graph.export(tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    pdf = graph.export(tmp_path / "g.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert graph.export(tmp_path / "g.dot").read_text() == graph.source
    with pytest.raises(ValueError, match=r"\.svg"):
        graph.export(tmp_path / "g.jpg")


@needs_pure
def test_pdf_needs_the_system_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_module.RENDERER_ENV, "graphviz-pure")
    graph = draw_dot(expression()[0])
    with pytest.raises(RendererNotFound, match="PDF output needs the system Graphviz") as caught:
        graph.pdf()
    assert "apt-get install graphviz" in str(caught.value)
    assert graph.svg().lstrip().startswith("<?xml")  # graphviz-pure still draws svg


@needs_dot
def test_renderer_none_behaves_as_if_nothing_were_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(render_module.RENDERER_ENV, "none")
    graph = draw_dot(expression()[0])
    for draw in (graph.svg, graph.png, graph.pdf):
        with pytest.raises(RendererNotFound, match="pip install autograd-lite\\[render\\]"):
            draw()
    assert "apt-get install graphviz" in graph._repr_mimebundle_()["text/plain"]
    monkeypatch.delenv(render_module.RENDERER_ENV)
    assert find_renderer()[0] == "dot"  # the system dot is back (CI installs it)


def test_no_renderer_raises_with_install_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    """Really hides both programs: ``which`` finds neither dot nor graphviz-pure."""
    monkeypatch.setattr(render_module.shutil, "which", lambda *a, **k: None)
    monkeypatch.delenv(render_module.RENDERER_ENV, raising=False)
    loss, _ = expression()
    graph = draw_dot(loss)
    with pytest.raises(RendererNotFound) as caught:
        graph.svg()
    assert isinstance(caught.value, RuntimeError)
    for hint in (
        "pip install autograd-lite[render]",
        "apt-get install graphviz",
        "brew install graphviz",
    ):
        assert hint in str(caught.value)
    with pytest.raises(RendererNotFound):
        render_png(graph.source)
    assert "digraph" in graph.source
    assert "pip install autograd-lite[render]" in graph._repr_mimebundle_()["text/plain"]


def test_forcing_an_unknown_renderer_is_a_value_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(render_module.RENDERER_ENV, "cairo")
    with pytest.raises(ValueError, match="graphviz-pure"):
        find_renderer()


def test_negative_zero_is_shown_as_zero():
    assert fmt(-0.0) == "0" and fmt(-1.5) == "-1.5"
    x = Value(-0.0, label="x")
    table = str(backward_trace(x * -0.0))
    assert "-0 " not in table and "-0\n" not in table


HOSTILE = ["</script><script>alert(1)</script>", "<!--<script>", "a & b > c", '"q"|{x}\\N']


def test_hostile_labels_stay_text_in_the_graph_and_the_page(tmp_path) -> None:
    from autograd_lite.viz.player import embed_json

    leaves = [Value(float(k + 1), label) for k, label in enumerate(HOSTILE)]
    out = Value.sum(leaves).tanh()
    out.label = "</script>"
    graph = draw_dot(out)
    texts = svg_counts(graph.svg())[2]
    for label in [*HOSTILE, "</script>"]:
        assert label in texts  # drawn exactly as written
    page = BackwardStepper(out).to_html(tmp_path / "p.html").read_text()
    assert page.count("</script>") == 2 and "<!--" not in page  # only the page's own scripts
    data = page.split('id="player-data">')[1].split("</script>")[0]
    assert not re.search(r"[<>&]", data)
    assert json.loads(data)["nodes"][0]["name"] == HOSTILE[0]
    assert embed_json("<&>") == '"\\u003c\\u0026\\u003e"'


def test_to_html_writes_atomically(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from autograd_lite import _fileio as fileio

    stepper = BackwardStepper(Value(2.0, "x").tanh())
    path = stepper.to_html(tmp_path / "player.html")
    before = path.read_bytes()

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fileio.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        stepper.to_html(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["player.html"]


def test_viz_modules_are_small_import_without_cycles_and_old_paths_work() -> None:
    """Every viz module stays under ~400 lines; the package's modules import each other at
    load time without a cycle; the old flat module paths still give the same objects."""
    import ast
    import importlib
    from pathlib import Path

    import autograd_lite.viz as viz

    folder = Path(viz.__file__).parent
    sizes = {p.stem: len(p.read_text().splitlines()) for p in folder.glob("*.py")}
    assert {name for name, n in sizes.items() if n > 400} == set(), sizes
    graph: dict[str, set[str]] = {}
    for name in sizes:
        deps = set()
        for node in ast.parse((folder / f"{name}.py").read_text()).body:  # load-time imports
            if isinstance(node, ast.ImportFrom) and node.module == "autograd_lite.viz":
                deps.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module.startswith("autograd_lite.viz."):
                deps.add(node.module.removeprefix("autograd_lite.viz."))
        graph[name] = deps - {"__init__"}

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"import cycle: {' -> '.join((*path, node))}"
        for dep in graph.get(node, ()):
            visit(dep, (*path, node))

    for name in graph:
        visit(name, ())
    frames = importlib.import_module("autograd_lite.viz.frames")
    assert {"save_frames", "to_gif"} <= set(vars(frames))
    for old, new, names in [
        ("stepper", "stepper", ["BackwardStepper", "backward_trace", "Trace", "TraceRow"]),
        ("player", "player", ["player_data", "player_page", "write_player", "player_js"]),
        ("render", "render", ["RendererNotFound", "find_renderer", "render_svg"]),
    ]:
        old_module = importlib.import_module(f"autograd_lite.{old}")
        new_module = importlib.import_module(f"autograd_lite.viz.{new}")
        assert all(getattr(old_module, n) is getattr(new_module, n) for n in names)
    assert viz.draw_dot is importlib.import_module("autograd_lite.viz.graph").draw_dot


def test_node_names_read_the_op_registry():
    """Infix and prefix ops come from ``ops.OPS``; a constant parameter is never an input."""
    from autograd_lite.engine import topological_order
    from autograd_lite.viz.names import node_names

    a, b = Value(2.0, "a"), Value(3.0, "b")
    nodes = [-(a - b), (a + b) ** b, a.elu(0.5), a.leaky_relu(0.2), abs(a) / b]
    names = [node_names(topological_order(v))[id(v)] for v in nodes]
    assert names == ["-(a - b)", "(a + b)**b", "elu(a)", "leaky_relu(a)", "|a|/b"]
