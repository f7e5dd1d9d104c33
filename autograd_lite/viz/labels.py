"""The text inside a drawn node: an op with its plain-number operands, a grad field.

>>> from autograd_lite import Value
>>> op_label(Value(2.0) * 3)
'* 3'
"""

from __future__ import annotations

import re
from typing import Any

from autograd_lite.engine import Value
from autograd_lite.ops import OPS
from autograd_lite.viz.names import fmt

_ONE_LINE_OPS = frozenset(name for name, op in OPS.items() if op.syntax == "infix")
_RECORD_SPECIALS = re.compile(r'([\\{}|<>"])')


def escape_record(text: str) -> str:
    """``text`` safe inside a Graphviz record label (its special characters escaped)."""
    return _RECORD_SPECIALS.sub(r"\\\1", text)


def _operand_text(o: Any) -> str:
    return "·" if isinstance(o, Value) else fmt(o)


def _listing(group: tuple) -> str:
    if len(group) == 1:
        return _operand_text(group[0])
    shown = [_operand_text(o) for o in group[:4]]
    more = f", … {len(group)} in all" if len(group) > 4 else ""
    return f"({', '.join(shown)}{more})"


def op_label(v: Value) -> str:
    """The op's name, with its plain-number operands written in place."""
    ops = v.operands
    if all(isinstance(o, Value) for o in ops):
        return v.op
    if v.op in _ONE_LINE_OPS and len(ops) == 2:
        a, b = ops
        return f"{v.op} {fmt(b)}" if isinstance(a, Value) else f"{fmt(a)} {v.op}"
    if v.op == "sum":
        return "sum " + " ".join(f"{o:+.4g}" for o in ops if not isinstance(o, Value))
    if v.op == "dot":
        n = len(ops) // 2
        groups = (("w", ops[:n]), ("x", ops[n : 2 * n]), ("b", ops[2 * n :]))
        lines = [
            f"{name} = {_listing(g)}"
            for name, g in groups
            if g and any(not isinstance(o, Value) for o in g)
        ]
        return "\n".join(["dot", *lines])
    return f"{v.op}({', '.join(_operand_text(o) for o in ops)})"


def grad_text(grad: float, state: str) -> str:
    """A record's grad field: "grad ?" before any gradient arrived (or "grad 8 + ?" for a
    leaf still holding an earlier one), "(so far)" while more contributions are to come.

    >>> grad_text(0.0, "pending"), grad_text(8.0, "pending"), grad_text(0.5, "partial")
    ('grad ?', 'grad 8 + ?', 'grad 0.5 (so far)')
    """
    if state == "pending":
        return f"grad {fmt(grad)} + ?" if grad else "grad ?"
    return f"grad {fmt(grad)} (so far)" if state == "partial" else f"grad {fmt(grad)}"
