"""A safe parser for scalar formulas such as ``"tanh(a*b + c)"``, evaluated on ``Value``s.

Used by ``autograd-lite graph``. The formula is parsed with ``ast`` and only a whitelist of
node types is accepted: numbers, variable names, ``+ - * / **``, unary ``-``/``+`` and calls
of the unary functions in ``FUNCTIONS`` (``leaky_relu`` also takes a constant slope). Anything
else (attribute access, subscripts, lambdas, strings, comparisons, unknown functions) raises
``ExpressionError`` before anything is evaluated. Nothing is ever passed to ``eval``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from autograd_lite.engine import Value

MAX_LENGTH = 10_000

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp,
    "log": Value.log,
    "sqrt": Value.sqrt,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "leaky_relu": Value.leaky_relu,
    "softplus": Value.softplus,
    "sin": Value.sin,
    "cos": Value.cos,
    "abs": Value.__abs__,
}
"""The functions a formula may call, each applied to a ``Value``."""

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
    ast.Pow: lambda x, y: x**y,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: lambda x: -x,
    ast.UAdd: lambda x: x,
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
    """The formula is not valid, uses something outside the whitelist, or cannot be evaluated."""


class UndefinedVariableError(ExpressionError):
    """The formula uses variables (``names``) that were given no value."""

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
    return (
        "A formula may use numbers, variable names, + - * / **, unary minus and the "
        f"functions {', '.join(FUNCTIONS)}"
    )


@dataclass(frozen=True)
class Expression:
    """A checked formula: ``variables`` in order of first use; call it with their values."""

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
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(f"cannot evaluate {self.source!r}: {error}") from None
        except RecursionError:
            raise ExpressionError("the formula is nested too deeply to evaluate") from None
        return result if isinstance(result, Value) else Value(result)


def parse(source: str) -> Expression:
    """Parse and check ``source``; raises ``ExpressionError`` saying what is not allowed."""
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
        if type(node.op) not in _UNARY:
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
    arity = "one argument" if name != "leaky_relu" else "one argument and an optional slope"
    if not 1 <= len(node.args) <= (2 if name == "leaky_relu" else 1):
        raise ExpressionError(f"{name} takes {arity}{_where(node)}, got {len(node.args)}")
    _check(node.args[0], names)
    if len(node.args) == 2:
        slope = node.args[1]
        if isinstance(slope, ast.UnaryOp) and isinstance(slope.op, ast.USub | ast.UAdd):
            slope = slope.operand
        if not (isinstance(slope, ast.Constant) and type(slope.value) in (int, float)):
            raise ExpressionError(f"the slope of leaky_relu must be a number{_where(node)}")


def _evaluate(node: ast.AST, values: Mapping[str, Value | float]) -> Value | float:
    """Evaluate a checked tree; constants are floats so 9**9**9 overflows instead of hanging."""
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return values[node.id]
    if isinstance(node, ast.BinOp):
        left = _evaluate(node.left, values)
        right = _evaluate(node.right, values)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_evaluate(node.operand, values))
    call: ast.Call = node  # type: ignore[assignment]  # _check admits nothing else
    return _call(call.func.id, [_evaluate(arg, values) for arg in call.args])


def _call(name: str, args: list[Value | float]) -> Value:
    """Apply a whitelisted function; a constant argument becomes a leaf Value."""
    x = args[0] if isinstance(args[0], Value) else Value(args[0])
    return FUNCTIONS[name](x, *args[1:])
