"""Every op of the registry, checked because it exists: one table row per op, torch as oracle.

The tests enumerate ``ops.OPS`` (never the table), so an op without a row fails by name
(``test_every_registry_op_has_a_test_row`` and each op's parametrized tests), and a row is
only a torch reference. For every op and every way of calling it (Values and numbers):

* forward: the Value method equals the float kernel and torch (float64, 1e-12);
* the rule written once serves floats and Values: ``derivative`` on floats equals its data
  on Values (the float-vs-Value check);
* first derivatives: ``backward`` equals central differences of the float kernel;
* first and second derivatives: ``grad(create_graph=True)`` equals torch's double backward
  to 1e-12, which catches a rule that escapes the graph (``math.cos(x)`` on an operand).

Inputs are drawn in [-2, 2] and mapped into the op's domain (``Op.domain``), not filtered.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, engine, grad
from autograd_lite.engine import apply
from autograd_lite.ops import ACTIVATIONS, OPS, value_of
from autograd_lite.testing import into_domain


class Row(NamedTuple):
    """How torch computes the op: ``torch(t, *operands, *params)`` with ``t`` the module."""

    torch: Callable[..., Any]
    params: tuple[float, ...] = ()
    operands: int = 0  # n-ary ops only: how many operands to test with


TABLE: dict[str, Row] = {
    "+": Row(lambda t, a, b: a + b),
    "-": Row(lambda t, a, b: a - b),
    "*": Row(lambda t, a, b: a * b),
    "/": Row(lambda t, a, b: a / b),
    "**": Row(lambda t, a, b: a**b),
    "neg": Row(lambda t, a: -a),
    "abs": Row(lambda t, a: a.abs()),
    "exp": Row(lambda t, a: a.exp()),
    "log": Row(lambda t, a: a.log()),
    "sqrt": Row(lambda t, a: a.sqrt()),
    "tanh": Row(lambda t, a: a.tanh()),
    "sigmoid": Row(lambda t, a: a.sigmoid()),
    "relu": Row(lambda t, a: a.relu()),
    "leaky_relu": Row(lambda t, a, s: t.nn.functional.leaky_relu(a, s), params=(0.2,)),
    "softplus": Row(lambda t, a: t.nn.functional.softplus(a)),
    "sin": Row(lambda t, a: a.sin()),
    "cos": Row(lambda t, a: a.cos()),
    "atan": Row(lambda t, a: a.atan()),
    "log1p": Row(lambda t, a: a.log1p()),
    "erf": Row(lambda t, a: a.erf()),
    "gelu": Row(lambda t, a: t.nn.functional.gelu(a)),
    "silu": Row(lambda t, a: t.nn.functional.silu(a)),
    "elu": Row(lambda t, a, alpha: t.nn.functional.elu(a, alpha), params=(0.7,)),
    "sum": Row(lambda t, *xs: t.stack(xs).sum(), operands=3),
    "dot": Row(lambda t, *xs: t.dot(t.stack(xs[:2]), t.stack(xs[2:4])) + xs[4], operands=5),
}


def _forms(name: str) -> list[str]:
    """Which operands are Values (V) and which plain numbers (c), for each way to call ``name``."""
    op = OPS[name]
    if op.syntax == "infix":
        return ["VV", "Vc", "cV"]
    if op.syntax == "nary":
        n = TABLE[name].operands if name in TABLE else 2
        return ["V" * n, "".join("V" if i % 2 == 0 else "c" for i in range(n))]
    return ["V"]


CASES = [(name, form) for name in OPS for form in _forms(name)]
IDS = [f"{name}-{form}" for name, form in CASES]


def _operand_count(name: str) -> int:
    return OPS[name].inputs or TABLE[name].operands


def _numbers(name: str) -> st.SearchStrategy[list[float]]:
    """Operands in [-2, 2] mapped into the op's domain, with a random sign where it has a kink."""
    n = _operand_count(name)
    raw = st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n)
    signs = st.lists(st.booleans(), min_size=n, max_size=n)
    domains = OPS[name].domain

    def mapped(pair: tuple[list[float], list[bool]]) -> list[float]:
        xs, negative = pair
        return [
            into_domain(domains[min(k, len(domains) - 1)], x, neg)
            for k, (x, neg) in enumerate(zip(xs, negative))
        ]

    return st.tuples(raw, signs).map(mapped)


def _call(name: str, form: str, xs: list[float]) -> tuple[Any, list[Value]]:
    """``name`` applied to ``xs`` as ``form`` says; returns the result and the Value operands."""
    operands = [Value(x) if kind == "V" else x for x, kind in zip(xs, form)]
    out = apply(name, *operands, *TABLE[name].params)
    return out, [o for o in operands if isinstance(o, Value)]


def _kernel(name: str, xs: list[float]) -> float:
    op = OPS[name]
    return op.forward(xs) if op.syntax == "nary" else op.forward(*xs, *TABLE[name].params)


def test_every_registry_op_has_a_test_row():
    assert set(TABLE) == set(OPS)


@pytest.mark.parametrize(("name", "form"), CASES, ids=IDS)
@settings(max_examples=100)
@given(data=st.data())
def test_forward_is_the_float_kernel(name, form, data):
    xs = data.draw(_numbers(name))
    out, _ = _call(name, form, xs)
    assert out.op == name
    assert out.data == _kernel(name, xs)


@pytest.mark.parametrize(("name", "form"), CASES, ids=IDS)
@settings(max_examples=100)
@given(data=st.data())
def test_the_rule_gives_the_same_numbers_on_floats_and_on_values(name, form, data):
    xs = data.draw(_numbers(name))
    op = OPS[name]
    params = TABLE[name].params
    on_floats = op.derivative((*xs, *params), _kernel(name, xs))
    operands = [Value(x) if kind == "V" else x for x, kind in zip(xs, form)]
    out = apply(name, *operands, *params)
    on_values = op.derivative((*operands, *params), out)
    assert [value_of(d) for d in on_values] == pytest.approx(list(on_floats), rel=1e-15)


def _central_difference(name: str, xs: list[float], i: int) -> float:
    h = 1e-6
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (_kernel(name, up) - _kernel(name, down)) / (2 * h)


@pytest.mark.parametrize(("name", "form"), CASES, ids=IDS)
@settings(max_examples=100)
@given(data=st.data())
def test_gradient_matches_central_differences(name, form, data):
    xs = data.draw(_numbers(name))
    out, values = _call(name, form, xs)
    out.backward()
    indices = [i for i, kind in enumerate(form) if kind == "V"]
    for i, v in zip(indices, values):
        assert v.grad == pytest.approx(_central_difference(name, xs, i), rel=1e-5, abs=1e-6)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
    )


def _torch_derivatives(torch, name: str, form: str, xs: list[float]):
    """torch's value, first derivatives and Hessian (row-major) for the Value operands."""
    operands = [
        torch.tensor(x, dtype=torch.float64, requires_grad=True) if kind == "V" else x
        for x, kind in zip(xs, form)
    ]
    if TABLE[name].operands:  # torch.stack wants tensors: constants become plain tensors
        operands = [
            o if torch.is_tensor(o) else torch.tensor(o, dtype=torch.float64) for o in operands
        ]
    tensors = [o for o, kind in zip(operands, form) if kind == "V"]
    out = TABLE[name].torch(torch, *operands, *TABLE[name].params)
    firsts = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    second = []
    for g in firsts:
        if g is None or not g.requires_grad:
            second.extend([0.0] * len(tensors))
            continue
        row = torch.autograd.grad(g, tensors, retain_graph=True, allow_unused=True)
        second.extend(0.0 if r is None else r.item() for r in row)
    return out.item(), [0.0 if g is None else g.item() for g in firsts], second


def _check_against_torch(torch, name: str, form: str, xs: list[float]) -> None:
    out, values = _call(name, form, xs)
    firsts = grad(out, values, create_graph=True)
    ours_second = [h.data for g in firsts for h in grad(g, values)]
    value, theirs_first, theirs_second = _torch_derivatives(torch, name, form, xs)
    assert out.data == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert [g.data for g in firsts] == pytest.approx(theirs_first, rel=1e-12, abs=1e-12)
    assert ours_second == pytest.approx(theirs_second, rel=1e-12, abs=1e-12)
    out.backward()
    assert [v.grad for v in values] == pytest.approx(theirs_first, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(("name", "form"), CASES, ids=IDS)
@settings(max_examples=50)
@given(data=st.data())
def test_value_first_and_second_derivatives_match_torch(torch, name, form, data):
    _check_against_torch(torch, name, form, data.draw(_numbers(name)))


def test_the_torch_check_catches_a_rule_that_leaves_the_graph(torch, monkeypatch):
    """``math.sin`` on an operand takes float(x): first derivatives stay right, second are 0."""
    _check_against_torch(torch, "cos", "V", [0.7])
    bad_rule = OPS["cos"]._replace(derivative=lambda xs, out: (-math.sin(xs[0]),))
    monkeypatch.setitem(OPS, "cos", bad_rule)
    monkeypatch.setattr(Value, "cos", engine._unary("cos"))  # a method binds its rule once
    out, (x,) = _call("cos", "V", [0.7])
    (first,) = grad(out, x, create_graph=True)
    assert first.data == pytest.approx(-math.sin(0.7))
    with pytest.raises(AssertionError):
        _check_against_torch(torch, "cos", "V", [0.7])


def _resolve(torch, path: str) -> Any:
    target = torch
    for part in path.split("."):
        target = getattr(target, part)
    return target


@pytest.mark.parametrize("name", [n for n in OPS if OPS[n].syntax != "nary"])
def test_the_registrys_torch_function_is_the_rows_reference(torch, name):
    xs = [into_domain(d, 0.3) for d in OPS[name].domain][: OPS[name].inputs]
    xs += [into_domain(OPS[name].domain[-1], -0.6)] * (OPS[name].inputs - len(xs))
    tensors = [torch.tensor(x, dtype=torch.float64) for x in xs]
    params = TABLE[name].params
    expected = TABLE[name].torch(torch, *tensors, *params).item()
    assert _resolve(torch, OPS[name].torch)(*tensors, *params).item() == expected


@pytest.mark.parametrize("name", [n for n in OPS if OPS[n].syntax == "nary"])
def test_the_registrys_torch_function_exists_for_nary_ops(torch, name):
    assert callable(_resolve(torch, OPS[name].torch))


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_each_activation_names_its_torch_module(torch, name):
    x = torch.tensor(-0.7, dtype=torch.float64)
    module = getattr(torch.nn, OPS[name].torch_module)(*TABLE[name].params)
    assert module(x).item() == pytest.approx(
        TABLE[name].torch(torch, x, *TABLE[name].params).item(), rel=1e-15
    )


SPECIAL = [-math.inf, -1e300, -40.0, -1.0, -0.0, 0.0, 1.0, 40.0, 1e300, math.inf, math.nan]


@pytest.mark.parametrize("name", [n for n in OPS if OPS[n].inputs == 1])
def test_special_values_follow_torch(torch, name):
    """IEEE like PyTorch: inf and nan in, the same inf, nan or number out, never an exception."""
    params = TABLE[name].params
    for x in SPECIAL:
        ours = apply(name, Value(x), *params).data
        theirs = TABLE[name].torch(torch, torch.tensor(x, dtype=torch.float64), *params).item()
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-300, nan_ok=True), x


@pytest.mark.parametrize(
    "name", [n for n in OPS if "nonzero" in OPS[n].domain and OPS[n].inputs == 1]
)
def test_kink_derivatives_at_zero_match_torch(torch, name):
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    TABLE[name].torch(torch, x, *TABLE[name].params).backward()
    ours = Value(0.0)
    apply(name, ours, *TABLE[name].params).backward()
    assert ours.grad == x.grad.item()


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_is_drawn_by_draw_dot(name):
    from autograd_lite.viz import draw_dot

    n = _operand_count(name)
    xs = [into_domain(OPS[name].domain[min(k, len(OPS[name].domain) - 1)], 0.3) for k in range(n)]
    out, _ = _call(name, "V" * n, xs)
    # the op's node is labelled with its name (its constant parameters after it)
    assert re.search(rf'_op \[label="?{re.escape(name)}(?!\w)', draw_dot(out).source)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_serves_an_mlp(name):
    from autograd_lite.engine import topological_order
    from autograd_lite.nn import MLP

    model = MLP(2, [3, 1], activation=name, seed=0)
    out = model([Value(0.5), Value(-0.25)])
    ops = [v.op for v in topological_order(out)]
    assert ops.count(name) == 3  # one per hidden neuron; the output layer is linear
