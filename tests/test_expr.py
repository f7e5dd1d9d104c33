"""The safe formula parser: what it accepts, what it refuses, and that it differentiates right.

Values are checked against formulas written independently with ``math``, gradients against
central finite differences of those formulas. The ops themselves are checked against torch in
tests/test_ops.py; here every registry function is checked to be callable by name.
"""

import math

import pytest

from autograd_lite import Value
from autograd_lite.expr import FUNCTIONS, ExpressionError, UndefinedVariableError, parse
from autograd_lite.ops import OPS

EPS = 1e-6


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# (formula, the same formula in plain Python, variable values)
FORMULAS = [
    ("tanh(a*b + c)", lambda a, b, c: math.tanh(a * b + c), {"a": 2.0, "b": -3.0, "c": 1.0}),
    ("a**3 - 2/a + -b", lambda a, b: a**3 - 2 / a - b, {"a": 1.3, "b": 0.4}),
    ("2**x * x**y", lambda x, y: 2**x * x**y, {"x": 1.7, "y": 0.6}),
    (
        "log(sqrt(a**2 + 1)) * sigmoid(b) + softplus(a - b) / exp(b)",
        lambda a, b: (
            math.log(math.sqrt(a**2 + 1)) * _sigmoid(b) + math.log1p(math.exp(a - b)) / math.exp(b)
        ),
        {"a": 0.8, "b": -1.1},
    ),
    (
        "sin(x)*cos(y) + abs(x - y) + relu(y) + leaky_relu(x, 0.2) + +x",
        lambda x, y: (
            math.sin(x) * math.cos(y) + abs(x - y) + max(y, 0) + (x if x > 0 else 0.2 * x) + x
        ),
        {"x": -0.7, "y": 0.9},
    ),
    ("a*a*a / (1 + a)", lambda a: a**3 / (1 + a), {"a": 0.5}),
]


def _finite_difference(f, values: dict[str, float], name: str) -> float:
    up, down = dict(values), dict(values)
    up[name] += EPS
    down[name] -= EPS
    return (f(**up) - f(**down)) / (2 * EPS)


@pytest.mark.parametrize(("source", "reference", "values"), FORMULAS)
def test_value_and_gradients_match_reference(source, reference, values):
    expression = parse(source)
    assert set(expression.variables) == set(values)
    leaves = {name: Value(v, label=name) for name, v in values.items()}
    out = expression(leaves)
    out.backward()
    assert out.data == pytest.approx(reference(**values), rel=1e-12)
    for name, leaf in leaves.items():
        expected = _finite_difference(reference, values, name)
        assert leaf.grad == pytest.approx(expected, rel=1e-5, abs=1e-7), name


def test_every_function_op_of_the_registry_is_a_formula_function():
    assert set(FUNCTIONS) == {name for name, op in OPS.items() if op.syntax == "call"}
    assert {"tanh", "abs", "leaky_relu"} <= set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("x", [-1.3, 0.45, 2.2])
def test_each_function_is_the_value_method(name, x):
    leaf, twin = Value(x), Value(x)
    out = parse(f"{name}(x)")({"x": leaf})
    expected = getattr(twin, name)()
    assert (out.op, out.parents) == (name, (leaf,))
    out.backward()
    expected.backward()
    assert out.data == pytest.approx(expected.data, rel=1e-15, nan_ok=True)
    assert leaf.grad == pytest.approx(twin.grad, rel=1e-15, nan_ok=True)


OPERATORS = [name for name, op in OPS.items() if op.syntax in ("infix", "prefix")]


@pytest.mark.parametrize("name", OPERATORS)
def test_each_operator_of_the_registry_is_written_as_in_python(name):
    source = OPS[name].text("a", "b") if OPS[name].syntax == "infix" else OPS[name].text("a")
    a, b = Value(1.5), Value(0.5)
    out = parse(source)({"a": a, "b": b})
    assert out.op == name and out.parents == ((a, b) if OPS[name].inputs == 2 else (a,))


def test_variables_in_order_of_first_use():
    assert parse("c*b + a*c + b").variables == ("c", "b", "a")


def test_numbers_may_be_given_instead_of_values():
    assert parse("x*y + 1")({"x": 2, "y": 3.5}).data == 8.0


def test_constant_formula_gives_a_leaf():
    out = parse("2 * (3 + 1) ** 0.5")({})
    assert isinstance(out, Value)
    assert out.is_leaf
    assert out.data == pytest.approx(4.0)


def test_repeated_variable_accumulates_gradient():
    x = Value(3.0)
    parse("x*x + x")({"x": x}).backward()
    assert x.grad == pytest.approx(2 * 3.0 + 1)


def test_leaky_relu_slope_is_used():
    x = Value(-2.0)
    out = parse("leaky_relu(x, -0.3)")({"x": x})
    out.backward()
    assert out.data == pytest.approx(0.6)
    assert x.grad == pytest.approx(-0.3)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("a.b", "attribute access"),
        ("x.__class__.__bases__", "attribute access"),
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('true')", "attribute access"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("foo(a)", "unknown function 'foo'"),
        ("exp(a)(b)", "plain function name"),
        ("lambda: 1", "lambda"),
        ("a[0]", "subscripts"),
        ("import os", "not a valid formula"),
        ("a = 1", "not a valid formula"),
        ("a < b", "comparisons"),
        ("a and b", "'and'/'or'"),
        ("a if b else c", "conditional"),
        ("(x := 1)", "assignment"),
        ("'text'", "the constant 'text'"),
        ("f'{a}'", "strings"),
        ("True", "the constant True"),
        ("1j", "the constant 1j"),
        ("[a, b]", "List"),
        ("(a, b)", "Tuple"),
        ("{a: 1}", "Dict"),
        ("[x for x in a]", "ListComp"),
        ("not a", "Not"),
        ("~a", "Invert"),
        ("a ^ 2", "a**2"),
        ("a // 2", "'//'"),
        ("a % 2", "'%'"),
        ("a @ b", "'@'"),
        ("exp", "exp is a function"),
        ("exp(a, b)", "one argument"),
        ("exp()", "one argument"),
        ("exp(x=a)", "keyword"),
        ("exp(*a)", "starred"),
        ("leaky_relu(a, b)", "slope of leaky_relu must be a number"),
        ("", "empty"),
    ],
)
def test_refused(source, fragment):
    with pytest.raises(ExpressionError) as info:
        parse(source)
    assert fragment in str(info.value)


def test_undefined_variables_are_named():
    expression = parse("a*b + c")
    with pytest.raises(UndefinedVariableError) as info:
        expression({"b": 1.0})
    assert info.value.names == ["a", "c"]
    assert "a, c" in str(info.value)


@pytest.mark.parametrize(
    "source", ["9**9**9", "9**9**9**9", "10**400", "1e999", "-(-2)**9999.0", "1" + "0" * 400]
)
def test_huge_constants_overflow_to_inf_as_values_do(source):
    assert parse(source)({}).data == math.inf


def test_constant_division_by_zero_is_inf_as_for_values():
    out = parse("a + 1/0")({"a": 1.0})
    assert out.data == math.inf == (Value(1.0) + Value(1.0) / 0).data


@pytest.mark.parametrize("source", ["(-8) ** (1/3)", "(-8.0) ** 0.5", "0/0", "log(-1)"])
def test_constant_arithmetic_never_escapes_into_complex_numbers(source):
    out = parse(source)({})
    assert isinstance(out, Value) and type(out.data) is float and math.isnan(out.data)


@pytest.mark.parametrize(
    "source", ["-" * 9000 + "a", "+".join(["a"] * 4000), "exp(" * 300 + "a" + ")" * 300]
)
def test_pathological_nesting_is_refused(source):
    with pytest.raises(ExpressionError):
        parse(source)({"a": 1.0})


def test_too_long_is_refused():
    with pytest.raises(ExpressionError, match="longer than"):
        parse("a+" * 6000 + "a")


def test_not_a_string():
    with pytest.raises(TypeError, match="must be a string"):
        parse(3)
