"""BackwardStepper and backward_trace: the same gradients as backward(), one node per step."""

from __future__ import annotations

import math
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, detect_anomaly
from autograd_lite.stepper import BackwardStepper, TraceRow, backward_trace, format_trace

UNARY = ("tanh", "sigmoid", "relu", "softplus", "sin", "cos", "abs", "neg", "exp_tanh")
BINARY = ("+", "-", "*", "div", "pow", "const*", "const-", "sum", "dot")


@st.composite
def recipes(draw: st.DrawFn) -> tuple[list[float], list[tuple]]:
    """Leaf values and a list of ops, each on earlier nodes (so nodes get reused)."""
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
    ops = []
    for k in range(draw(st.integers(1, 14))):
        available = len(leaves) + k
        pick = st.integers(0, available - 1)
        kind = draw(st.sampled_from(UNARY + BINARY))
        ops.append((kind, draw(pick), draw(pick), draw(pick), draw(st.floats(-2, 2))))
    return leaves, ops


def build(recipe: tuple[list[float], list[tuple]]) -> tuple[Value, list[Value]]:
    """The graph of ``recipe``: its root (a sum of every node, so all are reached) and nodes."""
    leaves, ops = recipe
    nodes = [Value(x, f"x{i}") for i, x in enumerate(leaves)]
    for kind, i, j, k, c in ops:
        a, b, d = nodes[i], nodes[j], nodes[k]
        if kind == "exp_tanh":
            out = a.tanh().exp()
        elif kind == "neg":
            out = -a
        elif kind == "abs":
            out = abs(a)
        elif kind in UNARY:
            out = getattr(a, kind)()
        elif kind == "div":
            out = a / (2.5 + b.tanh())
        elif kind == "pow":
            out = (1.0 + a * a) ** 1.5 if i == j else a**2
        elif kind == "const*":
            out = c * a
        elif kind == "const-":
            out = c - a
        elif kind == "sum":
            out = Value.sum([a, b, c, d])
        elif kind == "dot":
            out = Value.dot([a, b], [c, d], 0.5)
        else:
            out = {"+": a + b, "-": a - b, "*": a * b}[kind]
        nodes.append(out if abs(out.data) < 100 else out.tanh())
    return Value.sum(nodes[len(leaves) :]).tanh() * 3.0, nodes


def reachable(root: Value) -> list[Value]:
    seen, stack, out = set(), [root], []
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
            stack.extend(v.parents)
    return out


@settings(max_examples=60, deadline=None)
@given(recipes(), st.floats(-3, 3))
def test_run_gives_exactly_backwards_gradients(recipe, prior: float) -> None:
    ref_root, ref_nodes = build(recipe)
    root, nodes = build(recipe)
    for v in reachable(ref_root) + reachable(root):
        v.grad = prior  # leaves must accumulate onto it, other nodes must reset
    ref_root.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # leaves holding gradients: tested below
        stepper = BackwardStepper(root)
    trace = stepper.run()
    assert stepper.done and stepper.current is trace[-1].node
    assert [v.grad for v in nodes] == [v.grad for v in ref_nodes]
    assert root.grad == ref_root.grad
    non_leaf = [v for v in reachable(root) if v.parents]
    assert len(trace) == stepper.total_steps == len(non_leaf)
    assert sorted(map(id, (row.node for row in trace))) == sorted(map(id, non_leaf))


@settings(max_examples=60, deadline=None)
@given(recipes())
def test_trace_contributions_add_up_to_each_grad(recipe) -> None:
    root, _ = build(recipe)
    trace = backward_trace(root)
    totals = {id(root): 1.0}
    for row in trace:
        assert row.upstream == row.node.grad == totals[id(row.node)]
        for p, local, contribution in zip(
            row.parents, row.local_grads, row.contributions, strict=True
        ):
            assert contribution == row.upstream * local
            totals[id(p)] = totals.get(id(p), 0.0) + contribution
    for v in reachable(root):
        assert v.grad == totals[id(v)]


def test_each_step_processes_one_node_children_first() -> None:
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    c = a * b
    d = c + a
    e = d.tanh()
    stepper = BackwardStepper(e)
    assert stepper.current is None and stepper.next is e and not stepper.done
    assert e.grad == 1.0 and c.grad == d.grad == 0.0
    row = stepper.step()
    assert stepper.current is e and row.node is e and row.step == 1
    assert d.grad == pytest.approx(1 - math.tanh(d.data) ** 2, rel=1e-15)
    assert c.grad == 0.0 and a.grad == 0.0  # not reached yet
    stepper.step()
    assert stepper.current is d and c.grad == d.grad and a.grad == d.grad
    stepper.step()
    assert stepper.done and a.grad == pytest.approx(d.grad * (1 + b.data))
    assert b.grad == pytest.approx(d.grad * a.data)
    with pytest.raises(RuntimeError, match="finished"):
        stepper.step()


def test_a_leaf_root_takes_no_step_and_accumulates() -> None:
    x = Value(2.0)
    x.grad = 0.25
    with pytest.warns(UserWarning, match="already holds"):
        stepper = BackwardStepper(x)
    assert stepper.done and stepper.total_steps == 0 and x.grad == 1.25
    with pytest.raises(TypeError, match="Value"):
        BackwardStepper(2.0)


def test_logistic_regression_ledger_matches_the_hand_derivation() -> None:
    """Seed 003: for a = sigmoid(z) and binary cross-entropy, dL/dz = a - y."""
    w, b, x, y = Value(0.7, "w"), Value(-0.2, "b"), 1.3, 1.0
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    loss = -(y * a.log() + (1 - y) * (1 - a).log())
    trace = backward_trace(loss)
    (row,) = [r for r in trace if r.node is a]
    expected = 1 / (1 + math.exp(-(0.7 * 1.3 - 0.2))) - y
    assert row.contributions[0] == pytest.approx(expected, rel=1e-12)
    assert w.grad == pytest.approx(expected * x, rel=1e-12)
    assert b.grad == pytest.approx(expected, rel=1e-12)
    text = format_trace(trace)
    assert text == str(trace)
    lines = text.splitlines()
    assert lines[0].split() == [
        "step", "node", "op", "upstream", "input", "local", "d", "contribution", "input", "grad",
    ]  # fmt: skip
    assert len(lines) == 2 + sum(len(r.parents) for r in trace)
    a_line = next(line for line in lines if line.split()[1:3] == ["a", "sigmoid"])
    assert a_line.split()[4] == "z"
    assert float(a_line.split()[6]) == pytest.approx(expected, rel=1e-5)
    assert isinstance(trace[0], TraceRow)


def test_draw_highlights_the_current_node_and_shows_pending_grads() -> None:
    a, b = Value(2.0, "a"), Value(3.0, "b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    loss = d * d
    loss.label = "L"
    stepper = BackwardStepper(loss)
    source = stepper.draw().source
    assert source.count("grad ?") == 4  # a, b, c, d: nothing has flowed yet
    assert "#d62728" not in source
    stepper.step()
    source = stepper.draw().source
    assert source.count("grad ?") == 3  # d got its gradient; a, b, c still wait
    lines = source.splitlines()
    lit = [line for line in lines if "#d62728" in line]
    assert any(line.strip().startswith("n") and 'label="L |' in line for line in lit)
    assert len([line for line in lit if "->" in line]) == 2 + 1  # d -> op twice, op -> L
    stepper.step()
    stepper.step()
    source = stepper.draw().source
    assert f"grad {a.grad:.4g} (so far)" not in source  # a is complete after c's step
    assert "grad ?" not in source
    bundle = stepper._repr_mimebundle_()  # outside a kernel: the static fallbacks, no widget
    assert set(bundle) == {"text/html", "image/png", "text/plain"}


def test_partial_grads_are_marked_until_every_use_has_flowed() -> None:
    a = Value(0.5, "a")
    c = a.exp()
    c.label = "c"
    loss = c * a
    stepper = BackwardStepper(loss)
    stepper.step()  # loss -> c and a: a has one of its two contributions
    assert f"grad {a.grad:.4g} (so far)" in stepper.draw().source
    stepper.step()
    assert "(so far)" not in stepper.draw().source


def test_module_parameters_get_unambiguous_ledger_names() -> None:
    from autograd_lite.nn import MLP

    model = MLP(2, [2, 1], seed=3)
    loss = (model([0.2, -0.4]) - 1.0) ** 2
    stepper = BackwardStepper(loss, module=model)
    stepper.run()
    names = [stepper.name(p) for p in model.parameters()]
    assert len(set(names)) == len(names) == 2 * 3 + 3
    assert "l0.n1.w0" in names and "l1.n0.b" in names
    text = str(stepper.trace)
    assert all(name in text for name in names)


def test_stepper_checks_anomalies_like_backward():
    def sqrt_at_zero() -> Value:
        return (Value(0.0, "x").sqrt() * 2.0).tanh()  # d sqrt / dx at 0 is inf

    with detect_anomaly():
        with pytest.raises(FloatingPointError) as from_backward:
            sqrt_at_zero().backward()
        stepper = BackwardStepper(sqrt_at_zero())
        stepper.step()  # tanh: finite
        stepper.step()  # * 2: finite
        with pytest.raises(FloatingPointError) as from_stepper:
            stepper.step()
    assert "'sqrt'" in str(from_stepper.value)
    assert str(from_stepper.value) == str(from_backward.value)
    assert stepper.position == 2
    outside = BackwardStepper(sqrt_at_zero()).run()  # without detect_anomaly inf propagates
    assert math.isinf(outside[-1].contributions[0])


@settings(max_examples=40, deadline=None)
@given(recipes(), st.lists(st.integers(0, 60), min_size=1, max_size=6))
def test_position_moves_both_ways_and_restores_grads_bit_equal(recipe, moves) -> None:
    root, _ = build(recipe)
    stepper = BackwardStepper(root)
    graph = reachable(root)
    for move in [*moves, 0, stepper.total_steps]:
        k = move % (stepper.total_steps + 1)
        stepper.position = k
        ref_root, _ = build(recipe)
        reference = BackwardStepper(ref_root)
        for _ in range(k):
            reference.step()
        assert stepper.position == k
        assert [v.grad for v in graph] == [v.grad for v in reachable(ref_root)]
        assert [(r.node, r.contributions) for r in stepper.trace] == [
            (r.node, r.contributions) for r in stepper.full_trace()[:k]
        ]
    ref_root, _ = build(recipe)
    ref_root.backward()
    assert [v.grad for v in graph] == [v.grad for v in reachable(ref_root)]


def test_back_and_reset_undo_steps() -> None:
    a, b = Value(1.5, "a"), Value(-0.5, "b")
    e = (a * b + a).tanh()
    stepper = BackwardStepper(e)
    with pytest.raises(RuntimeError, match="no step to undo"):
        stepper.back()
    stepper.step()
    stepper.step()
    after_two = [v.grad for v in reachable(e)]
    stepper.step()
    stepper.back()
    assert stepper.position == 2 and [v.grad for v in reachable(e)] == after_two
    stepper.reset()
    assert stepper.position == 0 and a.grad == b.grad == 0.0 and e.grad == 1.0
    for bad, error in ((-1, ValueError), (4, ValueError), (1.0, TypeError), (True, TypeError)):
        with pytest.raises(error, match="position"):
            stepper.position = bad
    assert stepper.position == 0


def test_stale_leaf_gradients_are_kept_shown_and_warned_about() -> None:
    """y = x*x + 2x at x = 3: dy/dx = 8; a second pass without zeroing adds up to 16."""

    def graph() -> tuple[Value, Value]:
        x = Value(3.0, "x")
        y = x * x + 2 * x
        y.label = "y"
        return x, y

    x, y = graph()
    y.backward()
    assert x.grad == 8.0
    with pytest.warns(UserWarning, match=r"1 leaf already holds a gradient \(x\).*zero_grad=True"):
        stepper = BackwardStepper(y)
    assert x.grad == 8.0 and stepper.initial_grads[id(x)] == 8.0
    assert "grad 8 + ?" in stepper.draw().source and "grad ?" in stepper.draw().source
    data = stepper.player_data()
    assert next(n for n in data["nodes"] if n["name"] == "x")["grad0"] == 8.0
    stepper.run()
    assert x.grad == 16.0  # what a second backward() gives
    stepper.reset()
    assert x.grad == 8.0
    x, y = graph()
    y.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stepper = BackwardStepper(y, zero_grad=True)
    assert x.grad == 0.0 and "grad 8" not in stepper.draw().source
    stepper.run()
    assert x.grad == 8.0


def test_names_are_sub_expressions_and_derivatives_name_the_root() -> None:
    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(0.5, "c")
    ab = a * b
    u = ab + c
    e = u.tanh()
    e.label = "e"
    stepper = BackwardStepper(e)
    assert [stepper.name(v) for v in (ab, u)] == ["a*b", "a*b + c"]
    with pytest.raises(ValueError, match="not in the graph"):
        stepper.name(Value(1.0))
    rows = stepper.run()
    assert [r.name for r in rows] == ["e", "a*b + c", "a*b"]
    assert [r.upstream_name for r in rows] == ["de/de", "de/d(a*b + c)", "de/d(a*b)"]
    loss = (Value(1.0, "x") * 2).exp()
    loss.label = "L"
    assert BackwardStepper(loss).step().upstream_name == "dL/dL"
    long = Value.sum([Value(float(k), f"input{k}") for k in range(5)])
    assert BackwardStepper(long).name(long) == "#5"
    rendered = stepper.draw().svg()
    titles = re.findall(r"<title>(.*?)</title>", rendered)
    assert "a*b" in titles and not any(
        re.fullmatch(r"n\d+(_op)?|.*-&gt;.*|%\d+", t) for t in titles
    )


def test_rows_print_short() -> None:
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    stepper = BackwardStepper(y)
    row = stepper.step()
    assert repr(row) == "<step 1: y (*), upstream 1; x += 3, x += 3>"
    assert repr(stepper) == "<BackwardStepper at step 1 of 1, root 'y'>"
    assert repr(stepper.trace) == "<Trace of 1 steps; print() it for the ledger>"


def test_save_frames_and_gif(tmp_path) -> None:
    from PIL import Image

    a, b = Value(2.0, "a"), Value(0.25, "b")
    stepper = BackwardStepper((a * b).tanh())
    stepper.step()
    pngs = stepper.save_frames(tmp_path / "new" / "frames")
    assert [p.name for p in pngs] == ["step_000.png", "step_001.png", "step_002.png"]
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pngs)
    assert len({p.read_bytes() for p in pngs}) == 3  # each frame shows a different state
    svgs = stepper.save_frames(tmp_path / "svg", fmt="svg")
    assert "grad ?" in svgs[0].read_text() and "grad ?" not in svgs[-1].read_text()
    assert stepper.position == 1
    gif = stepper.to_gif(tmp_path / "pass.gif", frame_ms=300)
    with Image.open(gif) as im:
        assert im.n_frames == 3 and im.info["duration"] == 300
    with pytest.raises(ValueError, match="fmt"):
        stepper.save_frames(tmp_path, fmt="jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new", "pass.gif", "svg"]


def test_frames_gif_and_full_trace_move_no_listener_and_keep_the_position(tmp_path) -> None:
    """A live widget listens to the position: pictures and the whole ledger are made
    without moving it, and the stepper ends where it was, with the same grads."""
    a, b = Value(2.0, "a"), Value(0.25, "b")
    stepper = BackwardStepper((a * b).tanh() * a)
    stepper.step()
    heard: list[int] = []
    stepper.add_position_listener(heard.append)
    grads = {stepper.name(v): v.grad for v in stepper.order}
    assert len(stepper.full_trace()) == stepper.total_steps == 3
    stepper.save_frames(tmp_path / "frames", fmt="svg")
    stepper.to_gif(tmp_path / "pass.gif")
    assert heard == []
    assert stepper.position == 1
    assert {stepper.name(v): v.grad for v in stepper.order} == grads
    stepper.step()  # a move of the position itself is still heard
    assert heard == [2]


def test_an_mlp_is_folded_and_its_parameters_are_in_natural_order() -> None:
    from autograd_lite.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    loss = (model([0.5, -0.3]) - 1.0) ** 2
    stepper = BackwardStepper(loss, module=model)
    assert stepper.fold_params
    source = stepper.draw().source
    assert len(re.findall(r"^\s*summary_params_\w+ \[", source, re.M)) == 16 + 16 + 1
    small = MLP(2, [3, 1], seed=0)
    small_loss = (small([0.5, -0.3]) - 1.0) ** 2
    st_small = BackwardStepper(small_loss, module=small, fold_params=True)
    table = re.search(
        r"summary_params_layers_0_neurons_1 \[label=<(.*?</table>)>", st_small.draw().source
    )
    assert re.findall(r"<td>(w\d|b)</td>", table.group(1)) == ["w0", "w1", "b"]
    names = [st_small.name(p) for p in small.parameters()]
    assert names[:3] == ["l0.n0.w0", "l0.n0.w1", "l0.n0.b"]
    unnamed = {r.name for r in st_small.run()}
    assert {"l0.n0.dot", "l0.n0.relu", "l1.n0.dot"} <= unnamed


def test_each_step_writes_the_chain_rule_in_symbols_and_numbers() -> None:
    from autograd_lite.viz.ledger import chain_rule

    a, b, c = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c")
    u = a * b + c
    u.label = "u"
    e = u.tanh()
    stepper = BackwardStepper(e)
    ((local, chain),) = chain_rule(stepper.step(), stepper.name(e))
    assert local == "d tanh(u)/du = 1 - tanh(u)^2 = 1 - 0.9993^2 = 0.001341"
    assert chain == "d tanh(u)/du += d tanh(u)/d tanh(u) × d tanh(u)/du = 1 × 0.001341"
    e.label = "L"
    stepper = BackwardStepper(e)
    stepper.step()
    rows = chain_rule(stepper.step(), "L")
    assert [r[0] for r in rows] == ["du/d(a*b) = 1", "du/dc = 1"]
    assert rows[0][1] == "dL/d(a*b) += dL/du × du/d(a*b) = 0.001341 × 1"
    assert chain_rule(stepper.step(), "L")[0][0] == "d(a*b)/da = b = -3"


def test_sub_expression_names_follow_precedence() -> None:
    from autograd_lite.engine import topological_order
    from autograd_lite.viz.names import node_names

    a, b, c = Value(2.0, "a"), Value(3.0, "b"), Value(1.0, "c")
    cases = {
        "a*b + c": lambda: a * b + c,
        "(a + b)*c": lambda: (a + b) * c,
        "a - (b - c)": lambda: a - (b - c),
        "a - b - c": lambda: a - b - c,
        "-(a*b)": lambda: -(a * b),
        "a*(-3)": lambda: a * -3.0,
        "(a**2)**b": lambda: (a**2) ** b,
        "a**b**2": lambda: a ** (b**2),
        "a/(b*c)": lambda: a / (b * c),
        "tanh(a*b)*2": lambda: (a * b).tanh() * 2,
        "|a|": lambda: abs(a),
        "leaky_relu(a)": lambda: a.leaky_relu(0.2),
    }
    for expected, make in cases.items():
        v = make()
        assert node_names(topological_order(v))[id(v)] == expected
