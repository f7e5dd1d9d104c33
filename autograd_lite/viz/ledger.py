"""The chain-rule ledger of a backward pass: one row per step, printable as a table.

A row says: node ``name`` had gradient ``upstream`` (d root / d node); times each local
derivative d node / d input, that gives the ``contributions`` added to its inputs' grads.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_lite.engine import Value
from autograd_lite.symbolic import local_derivative_texts
from autograd_lite.viz.names import derivative_name, fmt


@dataclass(frozen=True, repr=False)
class TraceRow:
    """One backward step: ``node``'s gradient (``upstream``) times each local derivative
    d node / d parent gives the ``contributions`` added to the parents' grads, which are
    ``grads_after`` once the step is done.

    >>> from autograd_lite import Value, BackwardStepper
    >>> a = Value(3.0, "a")
    >>> BackwardStepper(a * 2).step()
    <step 1: a*2 (*), upstream 1; a += 2>
    """

    step: int
    node: Value
    name: str
    op: str
    upstream: float
    parents: tuple[Value, ...]
    parent_names: tuple[str, ...]
    local_grads: tuple[float, ...]
    contributions: tuple[float, ...]
    grads_after: tuple[float, ...]
    upstream_name: str = ""

    def __repr__(self) -> str:
        flows = ", ".join(
            f"{name} += {fmt(c)}"
            for name, c in zip(self.parent_names, self.contributions, strict=True)
        )
        return (
            f"<step {self.step}: {self.name} ({self.op}), upstream {fmt(self.upstream)}; {flows}>"
        )


class Trace(list):
    """A list of ``TraceRow``; ``str()`` gives the printable ledger.

    >>> from autograd_lite import Value, backward_trace
    >>> print(backward_trace(Value(3.0, "a") * 2).__str__().splitlines()[2])
    1     a*2   *   1         a      2        2             2
    """

    def __str__(self) -> str:
        return format_trace(self)

    def __repr__(self) -> str:
        return f"<Trace of {len(self)} steps; print() it for the ledger>"


def format_trace(rows: list[TraceRow]) -> str:
    """The ledger as a text table, one line per (step, input) pair.

    >>> from autograd_lite import Value, backward_trace
    >>> print(format_trace(backward_trace(Value(3.0, "x") * 2)).splitlines()[0])
    step  node  op  upstream  input  local d  contribution  input grad
    """
    header = ("step", "node", "op", "upstream", "input", "local d", "contribution", "input grad")
    lines = [header]
    for row in rows:
        for j, name in enumerate(row.parent_names):
            lead = (
                (str(row.step), row.name, row.op, f"{row.upstream + 0.0:.6g}")
                if j == 0
                else ("",) * 4
            )
            numbers = (row.local_grads[j], row.contributions[j], row.grads_after[j])
            lines.append((*lead, name, *(f"{x + 0.0:.6g}" for x in numbers)))
    widths = [max(len(line[k]) for line in lines) for k in range(len(header))]
    text = [
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def chain_rule(row: TraceRow, root_name: str) -> list[tuple[str, str]]:
    """For each input of the row's node: the local derivative from the op's own rule, in
    symbols and in numbers, and the chain rule that gives the input's contribution.

    >>> from autograd_lite import Value, BackwardStepper
    >>> u = Value(4.0, "u")
    >>> e = u.tanh()
    >>> e.label = "e"
    >>> for local, chain in chain_rule(BackwardStepper(e).step(), "e"):
    ...     print(local)
    ...     print(chain)
    de/du = 1 - e^2 = 1 - 0.9993^2 = 0.001341
    de/du += de/de × de/du = 1 × 0.001341
    """
    out = []
    for d_root, d_local, symbol, number, local in _chain_parts(row, root_name):
        parts = [d_local]
        for text in (symbol, number, fmt(local)):
            if text != parts[-1]:
                parts.append(text)
        chain = f"{d_root} += {row.upstream_name} × {d_local} = {fmt(row.upstream)} × {fmt(local)}"
        out.append((" = ".join(parts), chain))
    return out


def chain_rule_questions(row: TraceRow, root_name: str) -> list[tuple[str, str]]:
    """``chain_rule`` as a quiz: the local derivative in symbols only and the chain rule with
    the upstream number, each ending in "?" where the answer goes. A rule that is a constant
    (d(a+b)/da = 1) is itself the answer, so it is asked for, not shown.

    >>> from autograd_lite import Value, BackwardStepper
    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> e = a * b + 1.0
    >>> e.label = "e"
    >>> st = BackwardStepper(e)
    >>> chain_rule_questions(st.step(), "e")
    [('de/d(a*b) = ?', 'de/d(a*b) += de/de × de/d(a*b) = 1 × ?')]
    >>> chain_rule_questions(st.step(), "e")[0]
    ('d(a*b)/da = b = ?', 'de/da += de/d(a*b) × d(a*b)/da = 1 × ?')
    """
    out = []
    for d_root, d_local, symbol, _, local in _chain_parts(row, root_name):
        question = d_local if symbol == fmt(local) else f"{d_local} = {symbol}"
        chain = f"{d_root} += {row.upstream_name} × {d_local} = {fmt(row.upstream)} × ?"
        out.append((f"{question} = ?", chain))
    return out


def _chain_parts(row: TraceRow, root_name: str) -> list[tuple[str, str, str, str, float]]:
    """Per input: d root/d input, d node/d input, the rule in symbols, in numbers, the value."""
    node = row.node
    by_id = dict(zip(map(id, row.parents), row.parent_names))
    operands = node.operands
    names = [by_id[id(o)] if isinstance(o, Value) else fmt(o) for o in operands]
    numbers = [fmt(o.data if isinstance(o, Value) else o) for o in operands]
    symbols = local_derivative_texts(node, names, row.name)
    numeric = local_derivative_texts(node, numbers, fmt(node.data))
    return [
        (derivative_name(root_name, name), derivative_name(row.name, name), symbol, number, local)
        for name, symbol, number, local in zip(
            row.parent_names, symbols, numeric, row.local_grads, strict=True
        )
    ]
