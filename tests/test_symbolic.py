"""The formulas that ``symbolic`` reads out of each op's own rule.

The table of ops is enumerated, so an op added to ``ops.OPS`` is tested here because it
exists: for every op, at ordinary inputs and at the IEEE corners (0, +-inf, nan), the
code text of each local derivative, evaluated on the numbers, gives exactly (bit for bit)
what the rule computes on floats; a few math texts are checked literally.
"""

from __future__ import annotations

import doctest
import itertools
import math
import struct

import pytest

from autograd_lite import Value, symbolic
from autograd_lite.ops import OPS
from autograd_lite.symbolic import derivative_texts, local_derivative_texts, namespace

POINTS = (-2.0, -0.5, 0.0, -0.0, 0.3, 1.0, 2.5, math.inf, -math.inf, math.nan)
SOME = (-1.5, 0.0, 0.7, 2.0, math.nan)


def _calls(op: str) -> list[tuple[str, int]]:
    """How ``OPS[op].forward`` takes its operands: ('args', n) or ('sequence', n)."""
    forward = OPS[op].forward
    found = []
    for n in (1, 2):
        try:
            forward(*[0.5] * n)
        except TypeError:
            continue
        found.append(("args", n))
    if not found:
        found = [("sequence", 3), ("sequence", 5)]
    return found


def _operand_sets(op: str):
    for kind, n in _calls(op):
        grid = POINTS if n <= 2 else SOME
        for xs in itertools.product(grid, repeat=min(n, 2)):
            xs = (xs * n)[:n] if n > 2 else xs
            yield kind, xs


def _same(a: float, b: float) -> bool:
    """Bit-equal (nan equals nan; 0.0 and -0.0 differ)."""
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return struct.pack("<d", float(a)) == struct.pack("<d", float(b))


def _forward(op: str, kind: str, xs: tuple) -> float:
    forward = OPS[op].forward
    return forward(list(xs)) if kind == "sequence" else forward(*xs)


@pytest.mark.parametrize("op", sorted(OPS))
def test_code_text_of_every_rule_computes_exactly_the_rules_float_result(op: str) -> None:
    names = namespace()
    checked = 0
    for kind, xs in _operand_sets(op):
        out = _forward(op, kind, xs)
        expected = OPS[op].derivative(tuple(xs), out)
        # every operand named, then every operand but the first a constant
        for constant_tail in (False, True):
            given = [f"o{i}" if i == 0 or not constant_tail else None for i in range(len(xs))]
            texts = derivative_texts(op, xs, given, out, "out", style="code")
            assert len(texts) == len(expected)
            env = {f"o{i}": x for i, x in enumerate(xs)} | {"out": out}
            for k, ((text, _), want) in enumerate(zip(texts, expected)):
                got = eval(text, dict(names), env)
                assert _same(got, want), (op, xs, k, text, got, want)
                checked += 1
    assert checked > 0


@pytest.mark.parametrize("op", sorted(OPS))
def test_math_text_of_every_rule_is_made(op: str) -> None:
    kind, xs = next(iter(_operand_sets(op)))
    xs = tuple(0.5 + i for i in range(len(xs)))
    out = _forward(op, kind, xs)
    texts = derivative_texts(op, xs, [f"x{i}" for i in range(len(xs))], out, "y")
    assert len(texts) == len(xs)
    for text, _ in texts:
        assert text and "1.0" not in text and "**" not in text


def test_math_texts_read_like_a_hand_derivation() -> None:
    u, v = Value(0.5, "u"), Value(-2.0, "v")
    assert local_derivative_texts(u.tanh(), ["u"], "tanh(u)") == ("1 - tanh(u)^2",)
    assert local_derivative_texts(u.tanh(), ["u"], "t") == ("1 - t^2",)
    assert local_derivative_texts(u.sigmoid(), ["z"], "a") == ("a*(1 - a)",)
    assert local_derivative_texts(u * v, ["u", "v"], "p") == ("v", "u")
    assert local_derivative_texts(u / v, ["u", "v"], "q") == ("1/v", "-q/v")
    assert local_derivative_texts(u**v, ["u", "v"], "p") == ("v*u^(v - 1)", "p*log(u)")
    assert local_derivative_texts(u**2, ["u", None], "p") == ("2*u",)
    assert local_derivative_texts(u - v, ["u", "v"], "d") == ("1", "-1")
    assert local_derivative_texts(u.log(), ["u"], "l") == ("1/u",)
    assert local_derivative_texts(u.cos(), ["u"], "c") == ("-sin(u)",)
    assert local_derivative_texts(u.sqrt(), ["u"], "s") == ("0.5/s",)
    assert local_derivative_texts(Value.dot([u, v], [v, 3.0], 1.0), list("wxyzb"), "s") == (
        "y",
        "3",
        "w",
    )


def test_branches_take_the_numbers_side_in_math_and_both_sides_in_code() -> None:
    for x, shown in ((2.0, "1"), (-2.0, "0"), (0.0, "0")):
        relu = Value(x).relu()
        assert local_derivative_texts(relu, ["z"], "r") == (shown,)
        assert local_derivative_texts(relu, ["z"], "r", style="code") == ("0.0 if z <= 0 else 1.0",)
    assert local_derivative_texts(abs(Value(-1.0)), ["x"], "a") == ("-1",)
    assert local_derivative_texts(Value(-1.0).leaky_relu(0.1), ["x", None], "a") == ("0.1",)
    (base,) = local_derivative_texts(Value(0.0) ** 0.0, ["x", None], "p")
    assert base == "0"  # d/dx x**0 = 0, even at 0


def test_numbers_as_names_give_the_numeric_form() -> None:
    z = Value(-0.5).tanh()
    assert local_derivative_texts(z, ["-0.5"], "-0.4621") == ("1 - (-0.4621)^2",)
    assert local_derivative_texts(Value(3.0) - Value(1.0) * 2.0, ["3", "2"], "1") == ("1", "-1")
    p = Value(0.25) * Value(-4.0)
    assert local_derivative_texts(p, ["0.25", "-4"], "-1") == ("-4", "0.25")


def test_names_that_are_expressions_get_parentheses() -> None:
    n = Value(0.5).sigmoid()
    assert local_derivative_texts(n, ["z"], "a + b") == ("(a + b)*(1 - (a + b))",)
    assert local_derivative_texts(n, ["z"], "s(z)", style="code") == ("s(z) * (1.0 - s(z))",)


def test_bad_arguments_name_what_is_wrong() -> None:
    node = Value(1.0) * Value(2.0)
    with pytest.raises(ValueError, match="one entry per operand"):
        local_derivative_texts(node, ["a"], "p")
    with pytest.raises(ValueError, match="style"):
        local_derivative_texts(node, ["a", "b"], "p", style="latex")


def test_kernels_name_functions_uniquely_and_import_them() -> None:
    kernels = symbolic.Kernels(reserved=["fdiv"])
    alias = kernels.name(OPS["/"].forward, "/")
    assert alias == "fdiv_2"
    assert kernels.name(math.tanh) == "tanh"
    ns: dict = {}
    exec("\n".join(kernels.imports()), ns)
    assert ns["fdiv_2"] is OPS["/"].forward and ns["tanh"] is math.tanh


def test_docstring_examples_run() -> None:
    assert doctest.testmod(symbolic, raise_on_error=True).attempted > 0
