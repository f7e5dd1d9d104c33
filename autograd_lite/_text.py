"""Python and math text for expressions: precedence, numbers, names, operators, and the
names under which code text calls the ops' float kernels (:class:`Kernels`).

Shared by :mod:`autograd_lite.symbolic` (formulas of rules) and :mod:`autograd_lite.jit`
(whole programs)."""

from __future__ import annotations

import ast
import builtins
import math
import operator
import sys
from collections.abc import Sequence
from typing import Any

from autograd_lite.ops import OPS

# Precedence of a text, loosest first: a conditional expression, + and -, * and /, unary
# minus, powers, atoms (names, numbers, calls).
COND, ADD, MUL, NEG, POW, ATOM = range(6)

INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
MATH_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "^"}
_LEVEL = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "^": POW, "**": POW}


class Kernels:
    """Names for the float kernels (and rules) that code text calls, and how to import them.

    Each function gets the name it has in its module (``fdiv``, ``tanh``), made unique;
    one that no module names is reached through ``ops.OPS``.
    """

    def __init__(self, reserved: Sequence[str] = ()) -> None:
        self._alias: dict[int, str] = {}
        self._source: dict[str, tuple[str, str, Any]] = {}  # alias -> (module, attr, fn)
        self._taken = set(reserved)

    def name(self, fn: Any, op: str = "", role: str = "forward") -> str:
        """The alias under which code text calls ``fn`` (the ``role`` of ``OPS[op]``)."""
        alias = self._alias.get(id(fn))
        if alias is not None:
            return alias
        module, attr = _importable(fn)
        if module is None:
            module, attr = "autograd_lite.ops", f"OPS[{op!r}].{role}"
            base = f"_{role[0]}_{op}" if op.isidentifier() else f"_{role[0]}_op{len(self._alias)}"
        else:
            base = attr
        alias, k = base, 1
        while module != "builtins" and (alias in self._taken or alias in _BUILTINS):
            k += 1
            alias = f"{base}_{k}"
        self._taken.add(alias)
        self._alias[id(fn)] = alias
        self._source[alias] = (module, attr, fn)
        return alias

    def namespace(self) -> dict[str, Any]:
        """alias -> function, plus ``inf`` and ``nan``: the globals code text needs."""
        return {"inf": math.inf, "nan": math.nan} | {a: s[2] for a, s in self._source.items()}

    def imports(self, used: set[str] | None = None) -> list[str]:
        """Import lines for the aliases in ``used`` (default: all), builtins left out."""
        by_module: dict[str, list[str]] = {}
        lines = []
        for alias, (module, attr, _) in sorted(self._source.items()):
            if (used is not None and alias not in used) or module == "builtins":
                continue
            if attr.startswith("OPS["):
                lines.append(f"{alias} = OPS{attr[3:]}")
                by_module.setdefault(module, []).append("OPS")
            else:
                by_module.setdefault(module, []).append(
                    attr if attr == alias else f"{attr} as {alias}"
                )
        head = [
            f"from {m} import {', '.join(sorted(set(n)))}" for m, n in sorted(by_module.items())
        ]
        return head + lines


_BUILTINS = set(dir(builtins))


def _importable(fn: Any) -> tuple[str | None, str]:
    """(module, attribute) under which ``fn`` can be imported, or (None, "")."""
    modules = [getattr(fn, "__module__", None), "autograd_lite.ops", "builtins", "math"]
    for name in modules:
        module = sys.modules.get(name or "")
        if module is None:
            continue
        preferred = getattr(fn, "__name__", "")
        if getattr(module, preferred, None) is fn:
            return ("builtins" if name == "builtins" else name), preferred
        for attr, value in vars(module).items():
            if value is fn and attr.isidentifier() and not attr.startswith("__"):
                return name, attr
    return None, ""


def number_text(x: float, style: str) -> tuple[str, int]:
    """A constant as text: ``1`` for 1.0 in math, ``1.0`` in code; ``inf``/``nan`` by name.

    In code an int is written as the float it equals (``0`` as ``0.0``): in the programs
    every such constant meets a float operand, which turns it into that very float, and
    float-with-float operations take CPython's fast paths.
    """
    if isinstance(x, bool):
        x = int(x)
    if style == "code" and isinstance(x, int) and abs(x) < 2**53:
        x = float(x)
    if style == "math" and isinstance(x, float) and math.isfinite(x) and x == int(x):
        text = str(int(x)) if abs(x) < 1e16 else repr(x)
    elif isinstance(x, float) and not math.isfinite(x):
        text = "nan" if x != x else ("inf" if x > 0 else "-inf")
    else:
        text = repr(x)
    return text, (NEG if text.startswith("-") else ATOM)


def name_precedence(name: str) -> int:
    """How tightly a caller's name for an operand binds (``x``, ``-0.5``, ``a + b``)."""
    try:
        tree = ast.parse(name.strip(), mode="eval").body
    except SyntaxError:
        return ATOM if not any(c.isspace() for c in name) else COND
    if isinstance(tree, ast.UnaryOp):
        return NEG
    if isinstance(tree, ast.BinOp):
        kind = type(tree.op)
        if kind in (ast.Add, ast.Sub):
            return ADD
        if kind in (ast.Mult, ast.Div):
            return MUL
        return POW if kind in (ast.Pow, ast.BitXor) else COND
    return ATOM if isinstance(tree, (ast.Name, ast.Call, ast.Constant, ast.Attribute)) else COND


def wrap(text: str, prec: int, need: int) -> str:
    return text if prec >= need else f"({text})"


def binary_text(symbol: str, a: tuple[str, int], b: tuple[str, int], style: str) -> tuple[str, int]:
    level = _LEVEL[symbol]
    if style == "math" and symbol == "*" and a == b:
        return f"{wrap(a[0], a[1], ATOM)}^2", POW  # a*a shown as a square
    if style == "math" and symbol == "^" and b[0] == "1":
        return a
    if style == "math" and symbol == "*" and "1" in (a[0], b[0]):
        return b if a[0] == "1" else a
    associative = style == "math" and symbol in "+*"
    left = wrap(a[0], a[1], level + 1 if level == POW else level)
    # Keep the tree: a - (b - c), a / (b * c); negatives on the right in parentheses.
    right_need = level if associative else level + 1
    right = b[0]
    if b[1] == NEG or b[1] < right_need or (level == POW and b[1] < ATOM):
        right = f"({b[0]})"
    space = " " if style == "code" or level == ADD else ""
    return f"{left}{space}{symbol}{space}{right}", level


def code_call(
    op: str, args: Sequence[tuple[str, int]], kernels: Kernels, sequence: bool = False
) -> tuple[str, int]:
    """Python computing ``OPS[op].forward`` on the (text, precedence) ``args``: an operator
    where the kernel is Python's own (``a * b``), else a call of the kernel by its alias
    (with the operands as one list when the kernel takes a ``sequence``, like ``fdot``)."""
    forward = OPS[op].forward
    if not sequence and forward in INFIX and len(args) == 2:
        return binary_text(INFIX[forward], args[0], args[1], "code")
    if not sequence and forward is operator.neg:
        return "-" + wrap(args[0][0], args[0][1], POW), NEG
    call = ", ".join(t for t, _ in args)
    return f"{kernels.name(forward, op)}({f'[{call}]' if sequence else call})", ATOM
