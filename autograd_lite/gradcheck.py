"""Compare analytic gradients with central finite differences.

>>> gradcheck(lambda a, b: (a * b).tanh(), [0.3, -1.2])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd_lite import _checks
from autograd_lite.autograd import grad
from autograd_lite.engine import Value


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message is a table of the mismatches.

    >>> issubclass(GradcheckError, AssertionError)
    True
    """


def _floats(inputs: Sequence[float | Value]) -> list[float]:
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence):
        raise TypeError("gradcheck: inputs must be a sequence of floats or Values")
    return [x.data if isinstance(x, Value) else _checks.real("inputs", x) for x in inputs]


def _tolerances(eps: float, atol: float, rtol: float) -> tuple[float, float, float]:
    """Checked before any work: a zero eps would divide by zero, a nan tolerance fail all."""
    return (
        _checks.positive("eps", eps),
        _checks.non_negative("atol", atol),
        _checks.non_negative("rtol", rtol),
    )


def _call(fn: Callable[..., Value], xs: list[float]) -> float:
    out = fn(*[Value(x) for x in xs])
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    return out.data


def numeric_grad(
    fn: Callable[..., Value], inputs: Sequence[float], eps: float = 1e-6
) -> list[float]:
    """Central differences (f(x + eps) - f(x - eps)) / 2 eps for each input.

    >>> [round(g, 6) for g in numeric_grad(lambda a, b: a * b, [2.0, 3.0])]
    [3.0, 2.0]
    """
    eps = _checks.positive("eps", eps)
    xs = _floats(inputs)
    result = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += eps
        down[i] -= eps
        result.append((_call(fn, up) - _call(fn, down)) / (2 * eps))
    return result


def _table(rows: list[tuple[str, float, float]]) -> str:
    lines = [f"{'input':>8} {'analytic':>16} {'numeric':>16} {'abs error':>12}"]
    for name, a, n in rows:
        lines.append(f"{name:>8} {a:>16.9g} {n:>16.9g} {abs(a - n):>12.3g}")
    return "\n".join(lines)


def _compare(analytic, numeric, names, atol, rtol, what: str) -> bool:
    bad = [
        (name, a, n)
        for name, a, n in zip(names, analytic, numeric)
        if not abs(a - n) <= atol + rtol * abs(n)
    ]
    if bad:
        raise GradcheckError(f"{what} mismatch (atol={atol}, rtol={rtol}):\n{_table(bad)}")
    return True


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check every input's gradient of ``fn(*inputs)`` against central differences.

    Returns True, or raises ``GradcheckError`` with a table (input, analytic, numeric,
    abs error) of the inputs that disagree.

    >>> gradcheck(lambda x: x.sin() * x, [0.5])
    True
    """
    eps, atol, rtol = _tolerances(eps, atol, rtol)
    xs = _floats(inputs)
    values = [Value(x) for x in xs]
    out = fn(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: fn must return a Value, got {type(out).__name__}")
    analytic = [g.data for g in grad(out, values)]
    numeric = numeric_grad(fn, xs, eps)
    names = [f"x[{i}]" for i in range(len(xs))]
    return _compare(analytic, numeric, names, atol, rtol, "gradient")


def gradgradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[float | Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check second derivatives: each row of the Hessian from ``grad(create_graph=True)``
    against central differences of the analytic first derivative.

    >>> gradgradcheck(lambda x, y: (x * y).exp(), [0.2, -0.4])
    True
    """
    eps, atol, rtol = _tolerances(eps, atol, rtol)
    xs = _floats(inputs)
    for i in range(len(xs)):

        def first(*v: Value, i: int = i) -> Value:
            return grad(fn(*v), v[i], create_graph=True)[0]

        try:
            gradcheck(first, xs, eps, atol, rtol)
        except GradcheckError as err:
            raise GradcheckError(f"second derivative d/dx[{i}] of the {err}") from None
    return True
