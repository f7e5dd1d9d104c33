"""Hypothesis strategies and assertions for gradient tests, reusable in your own suite.

``expressions()`` draws ``(fn, inputs)``: a random expression graph over one to a few
inputs, with shared subexpressions, built from EVERY op of the registry (``ops.OPS``), so a
new op is drawn as soon as it exists. Each operand is first mapped into its op's domain
(``Op.domain``: ``log(exp(tanh(t0)))``, ``t0 / -exp(tanh(t1))``) instead of filtering
examples away, so values stay finite and smooth for the inputs drawn with them.

>>> from hypothesis import find
>>> fn, inputs = find(expressions(), lambda case: len(case[0].steps) == 2)
>>> isinstance(fn(*[Value(x) for x in inputs]), Value)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from hypothesis import strategies as st

from autograd_lite.engine import Value, apply
from autograd_lite.gradcheck import GradcheckError, gradcheck
from autograd_lite.ops import OPS, Domain


def _exp_tanh(x: Any) -> Any:
    return apply("exp", apply("tanh", x))


# Each domain's map from any real number into it, and how the map is written. The maps are
# bounded where the op would grow fast (exp overflows; products and powers compound).
DOMAINS: dict[Domain, tuple[Callable[[Any], Any], str]] = {
    "real": (lambda x: x, "{}"),
    "bounded": (lambda x: apply("tanh", x), "tanh({})"),
    "positive": (_exp_tanh, "exp(tanh({}))"),
    "above_minus_one": (lambda x: apply("-", _exp_tanh(x), 1.0), "(exp(tanh({})) - 1)"),
    "nonzero": (_exp_tanh, "exp(tanh({}))"),  # and its negative, drawn as a sign
}


def into_domain(domain: Domain, x: Any, negative: bool = False) -> Any:
    """Map a Value or number into ``domain``; ``negative`` flips a ``"nonzero"`` operand.

    >>> into_domain("positive", -100.0) > 0, into_domain("nonzero", 0.0, negative=True) < 0
    (True, True)
    """
    mapped = DOMAINS[domain][0](x)
    return apply("neg", mapped) if negative and domain == "nonzero" else mapped


class Step(NamedTuple):
    """One node of a random expression: ``op`` applied to earlier nodes or constants.

    ``operands`` holds node indices (ints) and constants (floats), ``negative`` one flag per
    operand (for ``"nonzero"`` domains), ``params`` the op's constant parameters.

    >>> Step("/", (0, 1.5), (False, True))  # x0 / -exp(tanh(1.5))
    Step(op='/', operands=(0, 1.5), negative=(False, True), params=())
    """

    op: str
    operands: tuple[int | float, ...]
    negative: tuple[bool, ...]
    params: tuple[float, ...] = ()


def _domain(op: str, k: int) -> Domain:
    domains = OPS[op].domain
    return domains[min(k, len(domains) - 1)]


class RandomExpression:
    """A random expression: ``fn(*values) -> Value``, printable as a small program.

    >>> f = RandomExpression(1, [Step("tanh", (0,), (False,)), Step("*", (1, 0), (False, False))])
    >>> f(Value(0.5)).data == Value(0.5).tanh().data ** 2
    True
    >>> f
    RandomExpression(t0 = tanh(x0); t1 = t0 * tanh(x0))
    """

    def __init__(self, n_inputs: int, steps: Sequence[Step]) -> None:
        self.n_inputs = n_inputs
        self.steps = list(steps)

    def __call__(self, *values: Value) -> Value:
        if len(values) != self.n_inputs:
            raise ValueError(f"expression takes {self.n_inputs} inputs, got {len(values)}")
        nodes: list[Any] = list(values)
        for step in self.steps:
            operands = [
                into_domain(_domain(step.op, k), nodes[o] if type(o) is int else o, neg)
                for k, (o, neg) in enumerate(zip(step.operands, step.negative))
            ]
            nodes.append(apply(step.op, *operands, *step.params))
        return nodes[-1]

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines = []
        for k, step in enumerate(self.steps):
            texts = []
            for j, (o, neg) in enumerate(zip(step.operands, step.negative)):
                text = DOMAINS[_domain(step.op, j)][1].format(names[o] if type(o) is int else o)
                texts.append(f"-{text}" if neg and _domain(step.op, j) == "nonzero" else text)
            names.append(f"t{k}")
            lines.append(f"t{k} = {OPS[step.op].text(*texts, *map(repr, step.params))}")
        return "RandomExpression(" + "; ".join(lines) + ")"


@st.composite
def _step(draw: st.DrawFn, nodes: int) -> Step:
    op = draw(st.sampled_from(sorted(OPS)))
    entry = OPS[op]
    count = entry.inputs or draw(st.integers(2, 5))  # n-ary: dot reads 2..5 as w, x (, bias)
    node = st.integers(0, nodes - 1)
    constant = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False)
    operands = draw(st.lists(node | constant, min_size=count, max_size=count))
    if all(type(o) is float for o in operands):  # every op needs a Value among its operands
        operands[draw(st.integers(0, count - 1))] = draw(node)
    negative = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    params = [draw(st.floats(0.01, 1.5)) for _ in entry.params]
    return Step(op, tuple(operands), tuple(negative), tuple(params))


@st.composite
def expressions(
    draw: st.DrawFn,
    max_inputs: int = 3,
    max_steps: int = 6,
    min_value: float = -2.0,
    max_value: float = 2.0,
) -> tuple[RandomExpression, list[float]]:
    """Draw ``(fn, inputs)``: a random expression graph over every op and inputs it is
    smooth at. Each step may reuse any earlier node, so graphs share subexpressions.

    >>> from hypothesis import given
    >>> @given(expressions())
    ... def check(case):
    ...     fn, inputs = case
    ...     assert_grads_close(fn, inputs)
    >>> check()
    """
    n = draw(st.integers(1, max_inputs))
    number = st.floats(min_value, max_value, allow_nan=False, allow_infinity=False)
    inputs = draw(st.lists(number, min_size=n, max_size=n))
    steps = [draw(_step(n + k)) for k in range(draw(st.integers(1, max_steps)))]
    return RandomExpression(n, steps), inputs


def assert_grads_close(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> None:
    """Assert that ``fn``'s analytic gradients match central differences at ``inputs``.

    Raises ``AssertionError`` (a ``GradcheckError``) whose message is the mismatch table.

    >>> assert_grads_close(lambda a, b: a * b.sin(), [0.5, 2.0])
    """
    try:
        gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    except GradcheckError as err:
        raise GradcheckError(f"{fn!r} at {list(inputs)!r}: {err}") from None
