"""Hypothesis strategies and assertions for gradient tests, reusable in your own suite.

``expressions()`` draws ``(fn, inputs)``: a random expression graph over one to a few
inputs, with shared subexpressions, whose values stay finite and smooth for the inputs
drawn with it. Every step keeps its operands in the op's domain by construction
(``log(a*a + 1)``, ``a / (b*b + 1)``) instead of filtering examples away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from hypothesis import strategies as st

from autograd_lite.engine import Value
from autograd_lite.gradcheck import GradcheckError, gradcheck


class _Step(NamedTuple):
    arity: int
    fn: Callable[..., Value]
    text: str


STEPS: dict[str, _Step] = {
    "add": _Step(2, lambda a, b: a + b, "{0} + {1}"),
    "sub": _Step(2, lambda a, b: a - b, "{0} - {1}"),
    "mul": _Step(2, lambda a, b: a * b.tanh(), "{0} * tanh({1})"),
    "div": _Step(2, lambda a, b: a / (b * b + 1), "{0} / ({1}**2 + 1)"),
    "pow_number": _Step(1, lambda a: a.tanh() ** 3, "tanh({0})**3"),
    "pow_value": _Step(
        2, lambda a, b: (a.tanh() ** 2 + 1) ** (3 * b.tanh()), "(tanh({0})**2 + 1)**(3 tanh({1}))"
    ),
    "rpow": _Step(1, lambda a: 2 ** a.tanh(), "2**tanh({0})"),
    "neg": _Step(1, lambda a: -a, "-{0}"),
    "exp": _Step(1, lambda a: a.tanh().exp(), "exp(tanh({0}))"),
    "log": _Step(1, lambda a: (a * a + 1).log(), "log({0}**2 + 1)"),
    "sqrt": _Step(1, lambda a: (a * a + 1).sqrt(), "sqrt({0}**2 + 1)"),
    "tanh": _Step(1, lambda a: a.tanh(), "tanh({0})"),
    "sigmoid": _Step(1, lambda a: a.sigmoid(), "sigmoid({0})"),
    "softplus": _Step(1, lambda a: a.softplus(), "softplus({0})"),
    "sin": _Step(1, lambda a: a.sin(), "sin({0})"),
    "cos": _Step(1, lambda a: a.cos(), "cos({0})"),
    "sum": _Step(3, lambda a, b, c: Value.sum([a, b, c, 0.5]), "sum({0}, {1}, {2}, 0.5)"),
    "dot": _Step(
        3,
        lambda a, b, c: Value.dot([a, b], [c.tanh(), 0.5], bias=1.0),
        "dot([{0}, {1}], [tanh({2}), 0.5]) + 1",
    ),
}


class Expression:
    """A random expression: ``fn(*values) -> Value``, printable as a small program."""

    def __init__(self, n_inputs: int, steps: Sequence[tuple[str, tuple[int, ...]]]) -> None:
        self.n_inputs = n_inputs
        self.steps = list(steps)

    def __call__(self, *values: Value) -> Value:
        if len(values) != self.n_inputs:
            raise ValueError(f"expression takes {self.n_inputs} inputs, got {len(values)}")
        nodes = list(values)
        for name, args in self.steps:
            nodes.append(STEPS[name].fn(*[nodes[i] for i in args]))
        return nodes[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines = []
        for k, (name, args) in enumerate(self.steps):
            names.append(f"t{k}")
            lines.append(f"t{k} = " + STEPS[name].text.format(*[names[i] for i in args]))
        return "Expression(" + "; ".join(lines) + ")"


@st.composite
def expressions(
    draw: st.DrawFn,
    max_inputs: int = 3,
    max_steps: int = 6,
    min_value: float = -2.0,
    max_value: float = 2.0,
) -> tuple[Expression, list[float]]:
    """Draw ``(fn, inputs)``: a random expression graph and inputs it is smooth at.

    Each step may reuse any earlier node, so graphs have shared subexpressions (diamonds).
    """
    n = draw(st.integers(1, max_inputs))
    number = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    inputs = draw(st.lists(number, min_size=n, max_size=n))
    steps = []
    for k in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(sorted(STEPS)))
        args = tuple(draw(st.integers(0, n + k - 1)) for _ in range(STEPS[name].arity))
        steps.append((name, args))
    return Expression(n, steps), inputs


def assert_grads_close(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that ``fn``'s analytic gradients match central differences at ``inputs``.

    Raises ``AssertionError`` (a ``GradcheckError``) whose message is the mismatch table.
    """
    try:
        gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as err:
        raise GradcheckError(f"{fn!r} at {list(inputs)!r}: {err}") from None
