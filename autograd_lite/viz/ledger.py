"""The chain-rule ledger of a backward pass: one row per step, printable as a table.

A row says: node ``name`` had gradient ``upstream`` (d root / d node); times each local
derivative d node / d input, that gives the ``contributions`` added to its inputs' grads.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_lite.engine import Value
from autograd_lite.viz.names import fmt


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
    """The ledger as a text table, one line per (step, input) pair."""
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
