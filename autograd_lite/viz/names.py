"""How nodes and numbers are written in graphs, ledgers and the player.

A node is called by its label; an unlabeled one by its sub-expression when that is short
(``a*b``, ``tanh(u)``), by its neuron inside a module (``l0.n3.dot``), else ``#k`` (its
topological index). A module parameter is called by its short path (``l0.n1.w0``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from autograd_lite.engine import Value
from autograd_lite.ops import OPS

SHORT = 16  # longest sub-expression used as a name; longer ones are called "#k"
_INFIX = frozenset(name for name, op in OPS.items() if op.syntax == "infix")
_PREFIX = frozenset(name for name, op in OPS.items() if op.syntax == "prefix")
# How tightly Python's operators bind; an infix op missing here gets its non-atomic
# operands in parentheses.
_LEVEL = {"+": 1, "-": 1, "*": 2, "/": 2, "neg": 3, "**": 4}
_ATOM = 5  # a name, a number, a call
_PLAIN = re.compile(r"[\w.#]+")
_CALL = re.compile(r"\w+\([^()]*(\([^()]*\))*[^()]*\)")


def fmt(x: float) -> str:
    """A number to 4 significant digits, as every label shows it (never ``-0``).

    >>> fmt(3.14159), fmt(-0.0), fmt(1e-7)
    ('3.142', '0', '1e-07')
    """
    return f"{x + 0.0:.4g}"


def short_name(path: str) -> str:
    """A module parameter's path, shortened.

    >>> short_name("layers.0.neurons.2.w.1")
    'l0.n2.w1'
    """
    out: list[str] = []
    for part in path.split("."):
        if part.isdigit() and out and not out[-1][-1:].isdigit():
            out[-1] = out[-1][0] + part
        else:
            out.append(part)
    return ".".join(out)


def natural_key(key: str) -> list[tuple[int, int, str]]:
    """Sort key putting "w2" before "w10" and "layers.9" before "layers.10".

    >>> sorted(["w10", "b", "w2", "w1"], key=natural_key)
    ['b', 'w1', 'w2', 'w10']
    """
    parts = re.findall(r"\d+|\D+", key)
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts]


def derivative_name(of: str, by: str) -> str:
    """d ``of`` / d ``by``: a space before a call, parentheses around an expression.

    >>> derivative_name("L", "u"), derivative_name("e", "a*b"), derivative_name("tanh(u)", "u")
    ('dL/du', 'de/d(a*b)', 'd tanh(u)/du')
    """
    return f"d{_atom(of)}/d{_atom(by)}"


def _atom(name: str) -> str:
    if _PLAIN.fullmatch(name):
        return name
    return f" {name}" if _CALL.fullmatch(name) else f"({name})"


def _operand(
    o: object, names: Mapping[int, str], level: Mapping[int, int], op: str, right: bool
) -> str:
    """An operand's text inside ``left op right``, in parentheses when precedence needs."""
    if isinstance(o, Value):
        text, inner = names[id(o)], level.get(id(o), _ATOM)
    else:
        text = fmt(o)  # type: ignore[arg-type]
        inner = _LEVEL["neg"] if text.startswith("-") else _ATOM
    if op not in _LEVEL:
        wrap = inner < _ATOM
    elif op == "**":
        wrap = inner < _LEVEL[op] if right else inner <= _LEVEL[op]  # ** groups right to left
    else:  # the order the graph computes
        wrap = inner <= _LEVEL[op] if right else inner < _LEVEL[op]
    return f"({text})" if wrap or (right and text.startswith("-")) else text


def _expression(v: Value, names: Mapping[int, str], level: Mapping[int, int]) -> tuple[str, int]:
    """The sub-expression computing ``v``, and its precedence level."""
    entry = OPS.get(v.op)
    if v.op in _INFIX and len(v.operands) == 2:
        a, b = (_operand(o, names, level, v.op, right) for o, right in zip(v.operands, (0, 1)))
        space = " " if _LEVEL.get(v.op, 1) == 1 else ""
        return f"{a}{space}{entry.display}{space}{b}", _LEVEL.get(v.op, 0)
    if v.op in _PREFIX:
        x = v.parents[0]
        text = names[id(x)]
        wrap = level.get(id(x), _ATOM) < _LEVEL["**"]
        return f"{entry.display}({text})" if wrap else f"{entry.display}{text}", _LEVEL["neg"]
    args = [names[id(o)] if isinstance(o, Value) else fmt(o) for o in v.operands]
    if v.op == "abs":
        return f"|{args[0]}|", _ATOM
    if entry is not None and entry.params:
        args = args[: entry.inputs]  # a constant parameter is part of the op, not an input
    return f"{v.op}({', '.join(args)})", _ATOM


def node_names(
    order: Sequence[Value],
    params: Mapping[int, str] | None = None,
    neurons: Mapping[int, str] | None = None,
) -> dict[int, str]:
    """Each node's name by id: ``params`` (id -> name) first, then the label, then for an
    unlabeled op node its neuron's path and op (``neurons``: id -> "l0.n3"), its short
    sub-expression, or ``#k``. ``order`` is topological (parents before children).

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, "a"), Value(3.0, "b")
    >>> u = a * b + 1
    >>> from autograd_lite.engine import topological_order
    >>> order = topological_order(u)
    >>> [node_names(order)[id(v)] for v in order]
    ['a', 'b', 'a*b', 'a*b + 1']
    """
    params = params or {}
    neurons = neurons or {}
    names: dict[int, str] = {}
    level: dict[int, int] = {}  # precedence of names that are expressions
    for k, v in enumerate(order):
        key = id(v)
        if key in params:
            names[key] = params[key]
        elif v.label:
            names[key] = v.label
        elif v.parents and key in neurons:
            names[key] = f"{neurons[key]}.{v.op}"
        elif v.parents:
            text, precedence = _expression(v, names, level)
            if len(text) <= SHORT:
                names[key] = text
                level[key] = precedence
            else:
                names[key] = f"#{k}"
        else:
            names[key] = f"#{k}"
    return names
