"""The layout of a program: statements as lines, and programs too big for one function
split into several that hand values over in a dict ``S``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Stmt:
    """A line of the program: its text (for a guard, the condition under which the trace
    does not hold) and the local names it reads and writes (for splitting into functions)."""

    text: str
    reads: tuple[str, ...] = ()
    writes: str | None = None
    guard: bool = False


def function(header: str, body: list[str], indent: str = "    ") -> list[str]:
    return [f"{indent}{header}", *[f"{indent}    {line}" for line in body]]


def guarded(stmts: list[Stmt], miss: str) -> list[str]:
    """Statements as lines; a guard returns ``miss`` when the trace's branch is not taken."""
    return [f"if {s.text}: return {miss}  # guard" if s.guard else s.text for s in stmts]


def split(stmts: list[Stmt], size: int) -> list[list[Stmt]]:
    return [stmts[i : i + size] for i in range(0, len(stmts), size)]


def parts(groups: list[list[Stmt]], final: set[str], prefix: str) -> tuple[list[str], list[bool]]:
    """Functions ``_<prefix><k>(S)`` for statement groups, values handed over in ``S``."""
    last_read: dict[str, int] = {}
    for k, group in enumerate(groups):
        for s in group:
            for name in s.reads:
                last_read[name] = k
    lines: list[str] = []
    has_guard = []
    for k, group in enumerate(groups):
        written: set[str] = set()
        live_in: dict[str, None] = {}  # in order of first use
        for s in group:
            for n in s.reads:
                if n not in written:
                    live_in.setdefault(n)
            if s.writes:
                written.add(s.writes)
        live_out = sorted(n for n in written if last_read.get(n, -1) > k or n in final)
        body = [f"{n} = S[{n!r}]" for n in live_in] + guarded(group, "False")
        body += [f"S[{n!r}] = {n}" for n in live_out] + ["return True"]
        lines += function(f"def _{prefix}{k}(S):", body)
        has_guard.append(any(s.guard for s in group))
    return lines, has_guard


def calls(prefix: str, has_guard: list[bool], miss: str) -> list[str]:
    """Calls of the parts ``_<prefix><k>(S)``; one with a guard returns ``miss`` if it fails."""
    return [
        f"if not _{prefix}{k}(S): return {miss}" if g else f"_{prefix}{k}(S)"
        for k, g in enumerate(has_guard)
    ]


def wrap_names(names: list[str], width: int) -> list[str]:
    """``a, b, c`` as lines of about ``width`` characters (a lone name keeps its comma)."""
    lines: list[str] = []
    line: list[str] = []
    for name in names:
        if line and len(", ".join([*line, name])) > width:
            lines.append(", ".join(line) + ",")
            line = []
        line.append(name)
    lines.append(", ".join(line) + ("," if len(names) == 1 else ""))
    return lines


def tuple_text(items: list[str], single: bool) -> str:
    """The one item, or a tuple of the items, as Python."""
    if single:
        return items[0]
    if not items:
        return "()"
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def reads(stmts: list[Stmt]) -> set[str]:
    """Every local name the statements read."""
    return {n for s in stmts for n in s.reads}
