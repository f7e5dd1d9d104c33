"""BackwardStepper and backward_trace: the same gradients as backward(), one node per step."""

from __future__ import annotations

import math

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
    assert any(line.strip().startswith("n") and '"{ L |' in line for line in lit)
    assert len([line for line in lit if "->" in line]) == 2 + 1  # d -> op twice, op -> L
    stepper.step()
    stepper.step()
    source = stepper.draw().source
    assert f"grad {a.grad:.4g} (so far)" not in source  # a is complete after c's step
    assert "grad ?" not in source
    bundle = stepper._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


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
