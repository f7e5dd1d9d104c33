"""Every op written twice (on floats and on Values), checked by one set of property tests.

Forward: the Value version equals the float version. First derivative: ``backward`` and
``grad`` equal central differences of the float version, and torch.autograd (float64,
1e-9). Second derivative: ``grad(create_graph=True)`` twice equals torch's double
backward. Inputs are shifted into each op's domain (``log(x + 3)``) instead of filtered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, grad
from autograd_lite.ops import fsigmoid, fsoftplus


class Case(NamedTuple):
    on_floats: Callable[..., float]
    on_values: Callable[..., Value]
    on_tensors: Callable[..., object]  # gets the torch module first, then the tensors
    arity: int = 1


def _leaky(x: float, slope: float = 0.01) -> float:
    return x if x > 0 else slope * x


CASES: dict[str, Case] = {
    "add": Case(lambda a, b: a + b, lambda a, b: a + b, lambda t, a, b: a + b, 2),
    "sub": Case(lambda a, b: a - b, lambda a, b: a - b, lambda t, a, b: a - b, 2),
    "mul": Case(lambda a, b: a * b, lambda a, b: a * b, lambda t, a, b: a * b, 2),
    "div": Case(
        lambda a, b: a / (b * b + 1),
        lambda a, b: a / (b * b + 1),
        lambda t, a, b: a / (b * b + 1),
        2,
    ),
    "rdiv": Case(
        lambda a: 2 / (a * a + 1), lambda a: 2 / (a * a + 1), lambda t, a: 2 / (a * a + 1)
    ),
    "rsub": Case(lambda a: 2 - a, lambda a: 2 - a, lambda t, a: 2 - a),
    "pow_number": Case(lambda a: a**3, lambda a: a**3, lambda t, a: a**3),
    "pow_fraction": Case(
        lambda a: (a + 3) ** 2.5, lambda a: (a + 3) ** 2.5, lambda t, a: (a + 3) ** 2.5
    ),
    "pow_value": Case(
        lambda a, b: (a + 3) ** b, lambda a, b: (a + 3) ** b, lambda t, a, b: (a + 3) ** b, 2
    ),
    "rpow": Case(lambda a: 2**a, lambda a: 2**a, lambda t, a: 2**a),
    "neg": Case(lambda a: -a, lambda a: -a, lambda t, a: -a),
    "abs": Case(lambda a: abs(a + 0.01), lambda a: abs(a + 0.01), lambda t, a: (a + 0.01).abs()),
    "exp": Case(math.exp, lambda a: a.exp(), lambda t, a: a.exp()),
    "log": Case(lambda a: math.log(a + 3), lambda a: (a + 3).log(), lambda t, a: (a + 3).log()),
    "sqrt": Case(lambda a: math.sqrt(a + 3), lambda a: (a + 3).sqrt(), lambda t, a: (a + 3).sqrt()),
    "tanh": Case(math.tanh, lambda a: a.tanh(), lambda t, a: a.tanh()),
    "sigmoid": Case(fsigmoid, lambda a: a.sigmoid(), lambda t, a: a.sigmoid()),
    "relu": Case(
        lambda a: max(a + 0.01, 0.0), lambda a: (a + 0.01).relu(), lambda t, a: (a + 0.01).relu()
    ),
    "leaky_relu": Case(
        lambda a: _leaky(a + 0.01, 0.1),
        lambda a: (a + 0.01).leaky_relu(0.1),
        lambda t, a: t.nn.functional.leaky_relu(a + 0.01, 0.1),
    ),
    "softplus": Case(fsoftplus, lambda a: a.softplus(), lambda t, a: t.nn.functional.softplus(a)),
    "sin": Case(math.sin, lambda a: a.sin(), lambda t, a: a.sin()),
    "cos": Case(math.cos, lambda a: a.cos(), lambda t, a: a.cos()),
    "sum": Case(
        lambda a, b: a + b + a + 1.5,
        lambda a, b: Value.sum([a, b, a, 1.5]),
        lambda t, a, b: a + b + a + 1.5,
        2,
    ),
    "dot": Case(
        lambda a, b: a * b + b * 2.0 + a * a + 0.5,
        lambda a, b: Value.dot([a, b, a], [b, 2.0, a], bias=0.5),
        lambda t, a, b: a * b + b * 2.0 + a * a + 0.5,
        2,
    ),
}

# relu and abs have a kink at 0 (after the shift): keep their inputs away from it so
# that central differences are meaningful, without filtering examples.
_FD_SAFE = st.floats(0.05, 2.0) | st.floats(-2.0, -0.05)
_NUMBERS = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)


def _inputs(name: str) -> st.SearchStrategy[list[float]]:
    strategy = _FD_SAFE if name in ("relu", "leaky_relu", "abs") else _NUMBERS
    arity = CASES[name].arity
    return st.lists(strategy, min_size=arity, max_size=arity)


def _central_difference(f: Callable[..., float], xs: list[float], i: int) -> float:
    h = 1e-6
    up, down = list(xs), list(xs)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=150)
@given(data=st.data())
def test_forward_matches_the_float_version(name, data):
    case = CASES[name]
    xs = data.draw(_inputs(name))
    assert case.on_values(*[Value(x) for x in xs]).data == pytest.approx(
        case.on_floats(*xs), rel=1e-12, abs=1e-12
    )


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=150)
@given(data=st.data())
def test_gradient_matches_central_differences(name, data):
    case = CASES[name]
    xs = data.draw(_inputs(name))
    values = [Value(x) for x in xs]
    case.on_values(*values).backward()
    for i, v in enumerate(values):
        numeric = _central_difference(case.on_floats, xs, i)
        assert v.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
    )


def _torch_derivatives(torch, case: Case, xs: list[float]) -> tuple[list[float], list[float]]:
    """First derivatives and the Hessian (flattened row-major) from torch.autograd."""
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = case.on_tensors(torch, *tensors)
    firsts = torch.autograd.grad(out, tensors, create_graph=True, allow_unused=True)
    first = [0.0 if g is None else g.item() for g in firsts]
    second = []
    for g in firsts:
        if g is None or not g.requires_grad:
            second.extend([0.0] * len(tensors))
            continue
        row = torch.autograd.grad(g, tensors, retain_graph=True, allow_unused=True)
        second.extend(0.0 if r is None else r.item() for r in row)
    return first, second


def _our_derivatives(case: Case, xs: list[float]) -> tuple[list[float], list[float]]:
    values = [Value(x) for x in xs]
    out = case.on_values(*values)
    firsts = grad(out, values, create_graph=True)
    second = [h.data for g in firsts for h in grad(g, values)]
    return [g.data for g in firsts], second


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=60)
@given(data=st.data())
def test_first_and_second_derivatives_match_torch(torch, name, data):
    case = CASES[name]
    xs = data.draw(_inputs(name))
    ours_first, ours_second = _our_derivatives(case, xs)
    theirs_first, theirs_second = _torch_derivatives(torch, case, xs)
    assert ours_first == pytest.approx(theirs_first, rel=1e-9, abs=1e-9)
    assert ours_second == pytest.approx(theirs_second, rel=1e-9, abs=1e-9)

    values = [Value(x) for x in xs]
    case.on_values(*values).backward()
    assert [v.grad for v in values] == pytest.approx(theirs_first, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    "build",
    [
        lambda t, x: x.relu(),
        lambda t, x: abs(x),
        lambda t, x: t.nn.functional.leaky_relu(x, 0.01),
    ],
    ids=["relu", "abs", "leaky_relu"],
)
def test_kink_derivatives_at_zero_match_torch(torch, build):
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    build(torch, x).backward()
    ours = Value(0.0)
    build(_ValueNamespace, ours).backward()
    assert ours.grad == x.grad.item()


class _ValueNamespace:
    """Lets the kink test call ``t.nn.functional.leaky_relu`` on a Value."""

    class nn:
        class functional:
            @staticmethod
            def leaky_relu(x: Value, slope: float) -> Value:
                return x.leaky_relu(slope)
