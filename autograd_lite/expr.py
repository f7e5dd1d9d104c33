"""A safe parser for scalar formulas such as ``"tanh(a*b + c)"``, evaluated on ``Value``s.

Used by ``autograd-lite graph``. The formula is parsed with ``ast`` and only a whitelist of
node types is accepted: numbers, variable names, the operators and the functions of the op
registry (``ops.OPS``: ``+ - * / **``, unary ``-``, ``tanh(x)``, ``leaky_relu(x, 0.2)`` with
its constant parameter, ...) and unary ``+``. Anything else (attribute access, subscripts,
lambdas, strings, comparisons, unknown functions) raises ``ExpressionError`` before anything
is evaluated. Nothing is ever passed to ``eval``. Arithmetic on constants follows the ops'
IEEE kernels, as on Values: ``1/0`` is ``inf``, ``(-8) ** (1/3)`` is ``nan``.

>>> parse("tanh(a*b + c)")({"a": 1.0, "b": 1.0, "c": 0.0}).data
0.7615941559557649
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from autograd_lite.engine import Value, apply
from autograd_lite.ops import OPS

MAX_LENGTH = 10_000

FUNCTIONS: dict[str, Callable[..., Value]] = {
    name: getattr(Value, name) for name, op in OPS.items() if op.syntax == "call"
}
"""The functions a formula may call (every registry op written ``name(x)``), as Value methods."""


def _syntax_node(source: str) -> type[ast.AST]:
    """The ``ast`` class of an operator, read from a tiny formula (``"a + b"`` -> ``ast.Add``)."""
    body = ast.parse(source, mode="eval").body
    return type(body.op)  # type: ignore[attr-defined]


# The registry's operators by the ast class the parser sees: + - * / ** and unary minus.
_BINARY: dict[type[ast.AST], str] = {
    _syntax_node(op.text("a", "b")): name for name, op in OPS.items() if op.syntax == "infix"
}
_UNARY: dict[type[ast.AST], str] = {
    _syntax_node(op.text("a")): name for name, op in OPS.items() if op.syntax == "prefix"
}
_OPERATOR_HINTS = {
    ast.BitXor: "'^' (write powers as a**2)",
    ast.FloorDiv: "'//' (use '/')",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
}
_REFUSED = {
    ast.Attribute: "attribute access (like a.b)",
    ast.Subscript: "subscripts (like a[0])",
    ast.Lambda: "lambda functions",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and'/'or'",
    ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.JoinedStr: "strings",
    ast.Starred: "starred arguments",
}


class ExpressionError(ValueError):
    """The formula is not valid, uses something outside the whitelist, or cannot be evaluated.

    >>> parse("a.b")
    Traceback (most recent call last):
    autograd_lite.expr.ExpressionError: not allowed at column 1: attribute access (like a.b)...
    """


class UndefinedVariableError(ExpressionError):
    """The formula uses variables (``names``) that were given no value.

    >>> parse("a * b")({"a": 1.0})
    Traceback (most recent call last):
    autograd_lite.expr.UndefinedVariableError: undefined variable b: give it a value
    """

    def __init__(self, names: list[str]) -> None:
        plural = len(names) > 1
        super().__init__(
            f"undefined variable{'s' if plural else ''} {', '.join(names)}: "
            f"give {'each' if plural else 'it'} a value"
        )
        self.names = names


def _where(node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    return "" if col is None else f" at column {col + 1}"


def _refuse(node: ast.AST, what: str) -> ExpressionError:
    return ExpressionError(f"not allowed{_where(node)}: {what}. {_allowed()}")


def _allowed() -> str:
    operators = " ".join(OPS[name].display for name in _BINARY.values())
    return (
        f"A formula may use numbers, variable names, {operators}, unary minus and the "
        f"functions {', '.join(FUNCTIONS)}"
    )


@dataclass(frozen=True)
class Expression:
    """A checked formula: ``variables`` in order of first use; call it with their values.

    >>> f = parse("x**2 + y")
    >>> f.variables, f({"x": 3.0, "y": 1.0}).data
    (('x', 'y'), 10.0)
    """

    source: str
    tree: ast.Expression
    variables: tuple[str, ...]

    def __call__(self, values: Mapping[str, Value | float]) -> Value:
        """Evaluate on ``values`` (name -> Value or number); a constant result becomes a Value."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise UndefinedVariableError(missing)
        try:
            result = _evaluate(self.tree.body, values)
        except RecursionError:
            raise ExpressionError("the formula is nested too deeply to evaluate") from None
        return result if isinstance(result, Value) else Value(result)


def parse(source: str) -> Expression:
    """Parse and check ``source``; raises ``ExpressionError`` saying what is not allowed.

    >>> parse("leaky_relu(a, 0.2) / b").variables
    ('a', 'b')
    """
    if not isinstance(source, str):
        raise TypeError(f"the formula must be a string, got {type(source).__name__}")
    if not source.strip():
        raise ExpressionError(f"the formula is empty. {_allowed()}")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"the formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
        names: list[str] = []
        _check(tree.body, names)
    except SyntaxError as error:
        raise ExpressionError(f"not a valid formula: {error.msg} (column {error.offset})") from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "the formula is nested too deeply (or chains too many operations)"
        ) from None
    return Expression(source.strip(), tree, tuple(dict.fromkeys(names)))


def _check(node: ast.AST, names: list[str]) -> None:
    """Walk the tree, refusing every node type outside the whitelist; collect variable names."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise _refuse(node, f"the constant {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExpressionError(f"{node.id} is a function; call it as {node.id}(x)")
        names.append(node.id)
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            hint = _OPERATOR_HINTS.get(type(node.op), f"the operator {type(node.op).__name__}")
            raise ExpressionError(f"not allowed{_where(node)}: {hint}. {_allowed()}")
        _check(node.left, names)
        _check(node.right, names)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY and not isinstance(node.op, ast.UAdd):
            raise _refuse(node, f"the operator {type(node.op).__name__}")
        _check(node.operand, names)
    elif isinstance(node, ast.Call):
        _check_call(node, names)
    else:
        what = _REFUSED.get(type(node), f"{type(node).__name__} expressions")
        raise _refuse(node, what)


def _check_call(node: ast.Call, names: list[str]) -> None:
    if isinstance(node.func, ast.Attribute):
        raise _refuse(node.func, _REFUSED[ast.Attribute])
    if not isinstance(node.func, ast.Name):
        raise _refuse(node, "calling anything but a plain function name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {name!r}{_where(node)}; allowed functions: {', '.join(FUNCTIONS)}"
        )
    if node.keywords:
        raise _refuse(node, "keyword arguments")
    params = [param for param, _ in OPS[name].params]
    arity = "one argument" + "".join(f" and an optional {param}" for param in params)
    if not 1 <= len(node.args) <= 1 + len(params):
        raise ExpressionError(f"{name} takes {arity}{_where(node)}, got {len(node.args)}")
    _check(node.args[0], names)
    for param, arg in zip(params, node.args[1:]):
        if isinstance(arg, ast.UnaryOp) and isinstance(arg.op, ast.USub | ast.UAdd):
            arg = arg.operand
        if not (isinstance(arg, ast.Constant) and type(arg.value) in (int, float)):
            raise ExpressionError(f"the {param} of {name} must be a number{_where(node)}")


def _evaluate(node: ast.AST, values: Mapping[str, Value | float]) -> Value | float:
    """Evaluate a checked tree with the registry's ops. Constants are floats, so 9**9**9**9
    overflows to inf (as a Value would) instead of hanging on a huge integer."""
    if isinstance(node, ast.Constant):
        return _constant(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        return apply(_BINARY[type(node.op)], left, right)
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        return operand if isinstance(node.op, ast.UAdd) else apply(_UNARY[type(node.op)], operand)
    call: ast.Call = node  # type: ignore[assignment]  # _check admits nothing else
    x, *params = [_evaluate(arg, values) for arg in call.args]
    return apply(call.func.id, x if isinstance(x, Value) else Value(x), *params)


def _constant(number: int | float) -> float:
    """A literal as a float; an integer literal too large for one is inf, as 1e999 is."""
    try:
        return float(number)
    except OverflowError:
        return math.inf
