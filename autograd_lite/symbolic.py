"""Each op's chain rule as a formula: the rule in ``ops.py``, evaluated on symbols.

A :class:`Symbol` is an operand that carries a number (``.data``) and a text. Its
arithmetic and its methods (one per op of ``ops.OPS``, made from the table) compute the
number with the op's float kernel and write the text, so calling an op's own
``derivative(xs, out)`` on symbols yields the formula of that rule: the rule stays
written once, for numbers, for ``create_graph`` and for text.

Two styles of text:

* ``"math"``, for display (``1 - a^2``, ``a*(1 - a)``): a comparison made by the rule
  takes the branch its number takes (relu at a positive input shows ``1``);
* ``"code"``, valid Python that computes, on floats, exactly what the rule computes
  (same kernels, same order of operations): a rule's branches become conditional
  expressions, found by running the rule once per outcome of its comparisons
  (``(0.0 if z <= 0 else 1.0)`` for relu), so the text holds for any input.

>>> from autograd_lite import Value
>>> u = Value(0.5, "u")
>>> local_derivative_texts(u.tanh(), ["u"], "tanh(u)")
('1 - tanh(u)^2',)
>>> local_derivative_texts(u.sigmoid(), ["u"], "a", style="code")
('a * (1.0 - a)',)
"""

from __future__ import annotations

import ast
import builtins
import keyword
import math
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import _checks
from autograd_lite.ops import OPS

# Precedence of a text, loosest first: a conditional expression, + and -, * and /, unary
# minus, powers, atoms (names, numbers, calls).
COND, ADD, MUL, NEG, POW, ATOM = range(6)

_INFIX = {operator.add: "+", operator.sub: "-", operator.mul: "*", operator.truediv: "/"}
_MATH_INFIX = {"+": "+", "-": "-", "*": "*", "/": "/", "**": "^"}
_LEVEL = {"+": ADD, "-": ADD, "*": MUL, "/": MUL, "^": POW, "**": POW}
MAX_BRANCHES = 64  # runs of one rule while enumerating its comparisons' outcomes


class SymbolicError(Exception):
    """A rule could not be evaluated on symbols (it converted one to a float, or used an
    operation symbols lack); callers then fall back to calling the rule on numbers."""


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
        while alias in self._taken or (alias in _BUILTINS and module != "builtins"):
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


class _Context:
    """What every symbol of one evaluation shares: the style, the kernel names and the
    comparisons met so far (with outcomes forced while enumerating branches)."""

    def __init__(self, style: str, kernels: Kernels | None, forced: Sequence[bool] = ()) -> None:
        self.style = style
        self.kernels = kernels
        self.forced = list(forced)
        self.conditions: list[str] = []

    def decide(self, condition: str, actual: bool) -> bool:
        k = len(self.conditions)
        self.conditions.append(condition)
        return self.forced[k] if k < len(self.forced) else actual


def number_text(x: float, style: str) -> tuple[str, int]:
    """A constant as text: ``1`` for 1.0 in math, ``1.0`` in code; ``inf``/``nan`` by name."""
    if isinstance(x, bool):
        x = int(x)
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


def _wrap(text: str, prec: int, need: int) -> str:
    return text if prec >= need else f"({text})"


class _Number(float):
    """A symbol's ``.data``: a float whose comparisons are recorded as the rule's branches
    (``ops.value_of(y) == 0`` in the rule of ``**``)."""

    symbol: Symbol
    __hash__ = float.__hash__

    def __bool__(self) -> bool:
        s = self.symbol
        return s.ctx.decide(s.text_for_condition(), float(self) != 0.0)


def _compare(name: str, py: str) -> Callable[[Any, Any], bool]:
    compare = getattr(operator, name)

    def method(self: Any, other: Any) -> bool:
        me = self.symbol if isinstance(self, _Number) else self
        if isinstance(other, _Number):
            other = other.symbol
        if isinstance(other, Symbol):
            right, value = other.operand_text(COND + 1), other.value
        elif isinstance(other, (int, float)):
            right, value = _wrap(*number_text(other, me.ctx.style), COND + 1), other
        else:
            return NotImplemented
        condition = f"{me.operand_text(COND + 1)} {py} {right}"
        return me.ctx.decide(condition, compare(me.value, value))

    return method


for _name, _py in (
    ("lt", "<"),
    ("le", "<="),
    ("gt", ">"),
    ("ge", ">="),
    ("eq", "=="),
    ("ne", "!="),
):
    setattr(_Number, f"__{_name}__", _compare(_name, _py))


class Symbol:
    """An operand of a rule: a number (``.data``) and the text that stands for it."""

    __slots__ = ("ctx", "prec", "text", "value")

    def __init__(self, value: float, text: str, prec: int, ctx: _Context) -> None:
        self.value = float(value)
        self.text = text
        self.prec = prec
        self.ctx = ctx

    @property
    def data(self) -> _Number:
        number = _Number(self.value)
        number.symbol = self
        return number

    def operand_text(self, need: int) -> str:
        return _wrap(self.text, self.prec, need)

    def text_for_condition(self) -> str:
        return self.operand_text(COND + 1)

    def __bool__(self) -> bool:
        return self.ctx.decide(self.text_for_condition(), self.value != 0.0)

    def __float__(self) -> float:
        raise SymbolicError("the rule converts an operand to a float")

    def __repr__(self) -> str:
        return f"Symbol({self.text!r}, data={self.value!r})"

    __hash__ = object.__hash__
    __lt__, __le__ = _compare("lt", "<"), _compare("le", "<=")
    __gt__, __ge__ = _compare("gt", ">"), _compare("ge", ">=")


def _text(x: Any, ctx: _Context) -> tuple[str, int]:
    if isinstance(x, Symbol):
        return x.text, x.prec
    if isinstance(x, _Number):
        return x.symbol.text, x.symbol.prec
    if isinstance(x, (int, float)):
        return number_text(x, ctx.style)
    raise SymbolicError(f"cannot write {type(x).__name__} as text")


def _value(x: Any) -> float:
    return x.value if isinstance(x, Symbol) else float(x)


def _binary_text(
    symbol: str, a: tuple[str, int], b: tuple[str, int], style: str
) -> tuple[str, int]:
    level = _LEVEL[symbol]
    if style == "math" and symbol == "*" and a == b:
        return f"{_wrap(a[0], a[1], ATOM)}^2", POW  # a*a shown as a square
    if style == "math" and symbol == "^" and b[0] == "1":
        return a
    if style == "math" and symbol == "*" and "1" in (a[0], b[0]):
        return b if a[0] == "1" else a
    associative = style == "math" and symbol in "+*"
    left = _wrap(a[0], a[1], level + 1 if level == POW else level)
    # Keep the tree: a - (b - c), a / (b * c); negatives on the right in parentheses.
    right_need = level if associative else level + 1
    right = b[0]
    if b[1] == NEG or b[1] < right_need or (level == POW and b[1] < ATOM):
        right = f"({b[0]})"
    space = " " if style == "code" or level == ADD else ""
    return f"{left}{space}{symbol}{space}{right}", level


def _apply(op: str, args: Sequence[Any]) -> Symbol:
    """The symbol for ``op`` applied to ``args`` (symbols or numbers): number and text."""
    ctx = next(a.ctx for a in args if isinstance(a, Symbol))
    forward = OPS[op].forward
    value = forward(*[_value(a) for a in args])
    texts = [_text(a, ctx) for a in args]
    style = ctx.style
    if style == "code" and forward in _INFIX and len(args) == 2:
        text, prec = _binary_text(_INFIX[forward], texts[0], texts[1], style)
    elif style == "code" and forward is operator.neg:
        text, prec = "-" + _wrap(texts[0][0], texts[0][1], POW), NEG
    elif style == "code":
        assert ctx.kernels is not None
        call = ", ".join(t for t, _ in texts)
        text, prec = f"{ctx.kernels.name(forward, op)}({call})", ATOM
    elif op in _MATH_INFIX and len(args) == 2:
        text, prec = _binary_text(_MATH_INFIX[op], texts[0], texts[1], style)
    elif op == "neg":
        t, p = texts[0]
        text, prec = "-" + (t if p >= MUL and p != NEG else f"({t})"), NEG
    elif op == "abs":
        text, prec = f"|{texts[0][0]}|", ATOM
    else:
        text, prec = f"{op}({', '.join(t for t, _ in texts)})", ATOM
    return Symbol(value, text, prec, ctx)


def _operator(op: str, reflected: bool = False) -> Callable[[Symbol, Any], Any]:
    def method(self: Symbol, other: Any) -> Any:
        if isinstance(other, _Number):
            other = other.symbol
        if not isinstance(other, (Symbol, int, float)):
            return NotImplemented
        return _apply(op, (other, self) if reflected else (self, other))

    return method


for _op, _dunder in (("+", "add"), ("-", "sub"), ("*", "mul"), ("/", "truediv"), ("**", "pow")):
    setattr(Symbol, f"__{_dunder}__", _operator(_op))
    setattr(Symbol, f"__r{_dunder}__", _operator(_op, reflected=True))
Symbol.__neg__ = lambda self: _apply("neg", (self,))
Symbol.__abs__ = lambda self: _apply("abs", (self,))


def __getattr_op(self: Symbol, name: str) -> Any:
    """``symbol.tanh()``, ``symbol.log()``...: a method for every op in ``OPS`` (read at
    call time, so ops added to the table later have theirs too)."""
    if name in OPS and name.isidentifier():
        return lambda *others: _apply(name, (self, *others))
    raise AttributeError(f"Symbol has no attribute {name!r}")


Symbol.__getattr__ = __getattr_op


def _evaluate(
    op: str,
    operands: Sequence[Any],
    out: Any,
    style: str,
    kernels: Kernels | None,
    names: Sequence[tuple[str, int] | None],
    forced: Sequence[bool] = (),
) -> tuple[tuple, list[str]]:
    ctx = _Context(style, kernels, forced)
    symbols = [
        o if name is None else Symbol(o, name[0], name[1], ctx) for o, name in zip(operands, names)
    ]
    out_symbol = Symbol(out[0], out[1], out[2], ctx)
    try:
        result = tuple(OPS[op].derivative(tuple(symbols), out_symbol))
        texts = tuple(_text(r, ctx) for r in result)
    except (TypeError, AttributeError, ValueError, SymbolicError) as err:
        raise SymbolicError(f"the rule of {op!r} cannot be evaluated on symbols: {err}") from err
    return texts, ctx.conditions


def _branches(op: str, args: tuple, forced: list[bool], runs: list[int]) -> tuple:
    """Every outcome of the rule's comparisons, merged into conditional expressions."""
    runs[0] += 1
    if runs[0] > MAX_BRANCHES:
        raise SymbolicError(f"the rule of {op!r} has more than {MAX_BRANCHES} branches")
    texts, conditions = _evaluate(*args, forced=forced)
    if len(conditions) == len(forced):
        return texts
    condition = conditions[len(forced)]
    yes = _branches(op, args, [*forced, True], runs)
    no = _branches(op, args, [*forced, False], runs)
    return tuple(
        y if y == n else (f"{_wrap(*y, COND + 1)} if {condition} else {_wrap(*n, COND)}", COND)
        for y, n in zip(yes, no)
    )


def derivative_texts(
    op: str,
    operands: Sequence[Any],
    names: Sequence[str | None],
    out: float,
    out_name: str,
    style: str = "math",
    kernels: Kernels | None = None,
) -> tuple[tuple[str, int], ...]:
    """(text, precedence) of d out / d operand for every operand of ``OPS[op]``.

    ``operands`` are numbers; ``names[i]`` is the text of operand i, or None for a
    constant (shown as its number). Raises :class:`SymbolicError` when the rule cannot
    be evaluated on symbols.
    """
    _checks.choice("style", style, ("math", "code"))
    if style == "code" and kernels is None:
        kernels = DEFAULT_KERNELS
    named = [None if n is None else (n, name_precedence(n)) for n in names]
    args = (
        op,
        [float(o) if n is not None else o for o, n in zip(operands, names)],
        (out, out_name, name_precedence(out_name)),
        style,
        kernels,
        named,
    )
    if style == "math":
        return _evaluate(*args)[0]
    return _branches(op, args, [], [0])


def local_derivative_texts(
    node: Any, names: Sequence[str], out_name: str, style: str = "math"
) -> tuple[str, ...]:
    """The formula of d node / d parent for each of ``node.parents``, as its op's rule
    computes it: ``names[i]`` stands for ``node.operands[i]`` when that is a Value
    (constants are shown as numbers), ``out_name`` for the node itself.

    ``style="math"`` gives display text (``1 - tanh(u)^2``; a rule's branch is the one its
    numbers take), ``style="code"`` Python that computes exactly the rule's float result
    with the kernels of :func:`namespace`. Formatted numbers as names give the numeric form.

    >>> from autograd_lite import Value
    >>> x = Value(3.0)
    >>> local_derivative_texts(x * x, ["x", "x"], "y")
    ('x', 'x')
    >>> local_derivative_texts((x * 2.0).tanh(), ["0.9993"], "0.9993")
    ('1 - 0.9993^2',)
    """
    operands = node.operands
    if len(names) != len(operands):
        raise ValueError(
            f"names must have one entry per operand of the node ({len(operands)}), got {len(names)}"
        )
    is_value = [hasattr(o, "parents") for o in operands]
    numbers = [o.data if v else o for o, v in zip(operands, is_value)]
    given = [str(n) if v else None for n, v in zip(names, is_value)]
    try:
        texts = derivative_texts(node.op, numbers, given, node.data, str(out_name), style)
    except SymbolicError:
        if style == "code":
            raise
        return tuple(f"∂{out_name}/∂{n}" for n, v in zip(names, is_value) if v)
    return tuple(t for (t, _), v in zip(texts, is_value) if v)


DEFAULT_KERNELS = Kernels(reserved=keyword.kwlist)


def namespace() -> dict[str, Any]:
    """The globals that ``style="code"`` texts of :func:`local_derivative_texts` need.

    >>> from autograd_lite import Value
    >>> z = Value(0.0)
    >>> text, = local_derivative_texts(z.relu(), ["z"], "r", style="code")
    >>> text
    '0.0 if z <= 0 else 1.0'
    >>> eval(text, namespace(), {"z": -2.0, "r": 0.0})
    0.0
    """
    for op, entry in OPS.items():
        if entry.forward not in _INFIX and entry.forward is not operator.neg:
            DEFAULT_KERNELS.name(entry.forward, op)
    return DEFAULT_KERNELS.namespace()


__all__ = [
    "Kernels",
    "Symbol",
    "SymbolicError",
    "derivative_texts",
    "local_derivative_texts",
    "namespace",
]
