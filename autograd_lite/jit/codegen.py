"""Code generation: a trace becomes straight-line Python, one statement per node and edge.

The forward is one statement per node, calling the op's float kernel (or Python's own
operator where the kernel is one). The backward walks the nodes in the order of
``engine.backward_steps`` and writes one statement per edge, ``d_parent (+)= d_node *
local``, where ``local`` is the formula that ``symbolic`` reads out of the op's rule, so
each gradient is the same sum of the same products, in the same order, as eager
``backward()`` computes. Captured Values (parameters) are read (``w.data``) and
accumulated into (``w.grad +=``) at each call. Programs above ``MAX_STATEMENTS`` are split
into several functions that hand values over in a dict.
"""

from __future__ import annotations

import builtins
import keyword
import linecache
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.engine import Value
from autograd_lite.jit.trace import Guard, Trace, data_of
from autograd_lite.ops import OPS
from autograd_lite.symbolic import (
    ATOM,
    MUL,
    Kernels,
    SymbolicError,
    _wrap,
    code_call,
    derivative_texts,
    forward_text,
    number_text,
)

MAX_STATEMENTS = 4000  # per generated function: CPython compiles huge functions slowly
_RESERVED = {"make", "forward", "backward", "params", "gradient", "gradients", "S", "inf"}
_RESERVED |= {"nan", "isfinite", "forward_anomaly", "backward_anomaly"}
_RESERVED |= set(keyword.kwlist) | set(dir(builtins))
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"\b_o(\d+)_\b|\b_out_\b")
_TEMP = re.compile(r"_[lc]\d+$")  # a checked program's per-node temporaries

KERNELS = Kernels(reserved=sorted(_RESERVED))
_local_cache: dict[tuple, tuple[tuple[str, int], ...]] = {}
_forward_cache: dict[tuple, str] = {}
_sequence_ops: dict[str, bool] = {}


def _register_kernels() -> None:
    """Give every op's kernel and rule its alias now, so no node can take the name."""
    for op, entry in OPS.items():
        KERNELS.name(entry.forward, op)
        KERNELS.name(entry.derivative, op, "derivative")


def takes_sequence(op: str, operands: Sequence[float], data: float) -> bool:
    """Whether ``OPS[op].forward`` takes its operands as one list (``sum``, ``dot``)."""
    known = _sequence_ops.get(op)
    if known is None:
        try:
            result = OPS[op].forward(*operands)
            known = not (result == data or (result != result and data != data))
        except TypeError:
            known = True
        _sequence_ops[op] = known
    return known


def local_texts(op: str, operands: Sequence[Any], is_value: Sequence[bool]) -> tuple:
    """(text, precedence) of each local derivative, with ``_o<i>_`` for Value operand i
    and ``_out_`` for the node: the op's rule read as code (cached per op and constants)."""
    key = (op, *[None if v else (type(o), o) for o, v in zip(operands, is_value)])
    texts = _local_cache.get(key)
    if texts is None:
        names = [f"_o{i}_" if v else None for i, v in enumerate(is_value)]
        numbers = [data_of(o) if v else o for o, v in zip(operands, is_value)]
        out = OPS[op].forward(numbers) if takes_sequence(op, numbers, math.nan) else None
        try:
            if out is None:
                out = OPS[op].forward(*numbers)
            texts = derivative_texts(op, numbers, names, out, "_out_", "code", KERNELS)
        except SymbolicError:  # the rule itself, called on the floats
            rule = KERNELS.name(OPS[op].derivative, op, "derivative")
            xs = ", ".join(n or number_text(o, "code")[0] for n, o in zip(names, operands))
            texts = tuple((f"{rule}(({xs},), _out_)[{i}]", ATOM) for i in range(len(names)))
        _local_cache[key] = texts
    return texts


def forward_template(op: str, operands: Sequence[Any], xs: Sequence[float], data: float) -> str:
    """Code for the node's value with ``_o<i>_`` for Value operand i (cached per op and
    constants), checked once against the kernel's own result."""
    is_value = [isinstance(o, Value) for o in operands]
    key = (op, *[None if v else (type(o), o) for o, v in zip(operands, is_value)])
    text = _forward_cache.get(key)
    if text is None:
        sequence = takes_sequence(op, xs, data)
        names = [f"_o{i}_" if v else None for i, v in enumerate(is_value)]
        texts = [(n, ATOM) if n else number_text(o, "code") for n, o in zip(names, operands)]
        call = code_call(op, texts, KERNELS, sequence)[0]
        text = forward_text(op, xs, names, sequence, KERNELS)[0]
        env = {n: x for n, x in zip(names, xs) if n}
        got = eval(text, KERNELS.namespace(), env)
        if not _same(got, data):
            text = call
        _forward_cache[key] = text
    return text


def _same(a: Any, b: float) -> bool:
    return type(a) is float and (
        (a == b and math.copysign(1, a) == math.copysign(1, b)) or (a != a and b != b)
    )


@dataclass
class Stmt:
    """A line of the program: its text (for a guard, the condition that must hold) and
    the local names it reads and writes (for splitting into functions)."""

    text: str
    reads: tuple[str, ...] = ()
    writes: str | None = None
    guard: bool = False


@dataclass
class Program:
    """A trace compiled: ``forward(*args)`` and ``backward(*args, gradient)``, each
    returning None when a guard fails (another trace is needed)."""

    source: str
    params: list[Value]
    forward: Callable[..., Any]
    backward: Callable[..., Any]
    trace: Trace
    names: dict[int, str] = field(repr=False, default_factory=dict)
    checked: Program | None = field(repr=False, default=None)


class _Builder:
    """Names and statements for one trace."""

    def __init__(self, trace: Trace, arg_names: Sequence[str], paths: dict[int, str]) -> None:
        _register_kernels()
        self.trace = trace
        self.taken = set(_RESERVED) | set(KERNELS.namespace())
        self.names: dict[int, str] = {}
        self.kind: dict[int, str] = {}  # "arg", "param" or "node"
        for v, name in zip(trace.inputs, arg_names):
            self._name(v, name, "arg")
        # a module's parameters in the module's order, then other captured Values
        order = {key: k for k, key in enumerate(paths)}
        self.params = sorted(trace.captured, key=lambda v: order.get(id(v), len(order)))
        for k, v in enumerate(self.params):
            path = paths.get(id(v))
            self._name(v, path.replace(".", "_") if path else v.label or f"p{k}", "param")
        count = 0
        for v in trace.nodes:
            if v.parents:
                label = v.label if _usable(v.label) else f"t{count}"
                count += label.startswith("t")
                self._name(v, label, "node")
        self.locals = {n for i, n in self.names.items() if self.kind[i] != "param"}
        self.locals |= {f"d_{n}" for n in self.locals} | {"gradient", "gradients"}
        self.text = {
            i: f"{n}.data" if self.kind[i] == "param" else n for i, n in self.names.items()
        }

    def _name(self, v: Value, wanted: str, kind: str) -> None:
        base = wanted if _usable(wanted) else f"{kind[0]}_{wanted}"
        base = base if _usable(base) else f"{kind[0]}{len(self.names)}"
        name, k = base, 1
        while name in self.taken or f"d_{name}" in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken |= {name, f"d_{name}"}
        self.names[id(v)] = name
        self.kind[id(v)] = kind

    def operand(self, o: Any) -> tuple[str, int]:
        if isinstance(o, Value):
            return self.text[id(o)], ATOM
        return number_text(o if type(o) in (int, float) else float(o), "code")

    def labels(self, operands: Sequence[Any]) -> str:
        """The operands' names (None for constants), as anomaly messages show them."""
        return repr(tuple(self.names[id(o)] if isinstance(o, Value) else None for o in operands))

    def reads(self, text: str) -> tuple[str, ...]:
        local = self.locals
        return tuple({w: 0 for w in _WORD.findall(text) if w in local or _TEMP.match(w)})

    # ------------------------------------------------------------------ forward
    def forward(self, checked: bool) -> list[Stmt]:
        position = {id(v): i for i, v in enumerate(self.trace.nodes) if v.parents}
        due: dict[int, list[Guard]] = {}
        for g in self.trace.guards:
            at = max(position.get(id(v), -1) for v in (g.left, g.right) if isinstance(v, Value))
            due.setdefault(at, []).append(g)
        out = [self.guard(g) for g in due.get(-1, [])]
        for i, v in enumerate(self.trace.nodes):
            if not v.parents:
                continue
            name = self.names[id(v)]
            operands = v.operands
            args = [self.operand(o)[0] for o in operands]
            xs = [data_of(o) if isinstance(o, Value) else o for o in operands]
            text = _fill(forward_template(v.op, operands, xs, data_of(v)), args, name)
            out.append(Stmt(f"{name} = {text}", self.reads(text), name))
            if checked:
                values = ", ".join(args)
                call = f"forward_anomaly({v.op!r}, {name}, {self.labels(operands)}, ({values},))"
                out.append(Stmt(f"if not isfinite({name}): {call}", self.reads(f"{values} {name}")))
            out += [self.guard(g) for g in due.get(i, [])]
        return out

    def guard(self, g: Guard) -> Stmt:
        """The condition under which the trace does not hold (the call then returns None)."""
        left = self.operand(g.left)[0]
        if g.op == "bool":
            miss = f"not {left}" if g.outcome else left
        elif g.op == "==":
            right = g.right
            miss = f"{left} == {left}" if right != right else f"{left} != {self.operand(right)[0]}"
        else:
            condition = f"{left} {g.op} {self.operand(g.right)[0]}"
            miss = f"not ({condition})" if g.outcome else condition
        return Stmt(miss, self.reads(miss), guard=True)

    # ----------------------------------------------------------------- backward
    def backward(self, order: list[Value], checked: bool) -> list[Stmt]:
        out: list[Stmt] = []
        assigned: set[int] = set()
        outputs = self.trace.outputs
        for k, root in enumerate(outputs):
            seed = "gradient" if self.trace.single else f"gradients[{k}]"
            out.append(self._accumulate(root, seed, assigned, seed))
        for node in reversed(order):
            d_node = f"d_{self.names[id(node)]}"
            operands = node.operands
            is_value = [isinstance(o, Value) for o in operands]
            texts = local_texts(node.op, operands, is_value)
            names = [self.operand(o)[0] for o in operands]
            me = self.names[id(node)]
            local = [(_fill(t, names, me), p) for (t, p), v in zip(texts, is_value) if v]
            if checked:
                out += self._checked_edges(node, d_node, local, assigned)
                continue
            for parent, (text, prec) in zip(node.parents, local):
                if text in ("1.0", "1"):
                    contribution = d_node
                elif text in ("-1.0", "-1"):
                    contribution = f"-{d_node}"
                else:
                    contribution = f"{d_node} * {_wrap(text, prec, MUL + 1)}"
                out.append(self._accumulate(parent, contribution, assigned, d_node + " " + text))
        return out

    def _accumulate(self, target: Value, contribution: str, assigned: set[int], used: str) -> Stmt:
        name = self.names[id(target)]
        negative = contribution.startswith("-") and contribution[1:].isidentifier()
        if self.kind[id(target)] == "param":
            op = "-=" if negative else "+="
            value = contribution[1:] if negative else contribution
            return Stmt(f"{name}.grad {op} {value}", self.reads(used))
        d = f"d_{name}"
        if id(target) in assigned:
            op = "-=" if negative else "+="
            value = contribution[1:] if negative else contribution
            return Stmt(f"{d} {op} {value}", (*self.reads(used), d), d)
        assigned.add(id(target))
        return Stmt(f"{d} = {contribution}", self.reads(used), d)

    def _checked_edges(self, node: Value, d_node: str, local: list, assigned: set[int]) -> list:
        out = []
        n = len(local)
        for i, (text, _) in enumerate(local):
            out.append(Stmt(f"_l{i} = {text}", self.reads(text), f"_l{i}"))
            out.append(Stmt(f"_c{i} = {d_node} * _l{i}", (d_node, f"_l{i}"), f"_c{i}"))
        contributions = ", ".join(f"_c{i}" for i in range(n))
        locals_ = ", ".join(f"_l{i}" for i in range(n))
        finite = " and ".join(f"isfinite(_c{i})" for i in range(n))
        values = ", ".join(self.operand(o)[0] for o in node.operands)
        call = (
            f"backward_anomaly({node.op!r}, {d_node}, ({locals_},), ({contributions},), "
            f"{self.labels(node.operands)}, ({values},))"
        )
        out.append(Stmt(f"if not ({finite}): {call}", self.reads(d_node + " " + values)))
        for i, parent in enumerate(node.parents):
            out.append(self._accumulate(parent, f"_c{i}", assigned, f"_c{i}"))
        return out


def _fill(template: str, names: Sequence[str], me: str) -> str:
    """A template's placeholders replaced: ``_o<i>_`` by operand i, ``_out_`` by the node."""
    return _PLACEHOLDER.sub(
        lambda m: me if m.group(1) is None else names[int(m.group(1))], template
    )


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith(("_", "d_"))
        and name not in _RESERVED
    )


def _function(header: str, body: list[str], indent: str = "    ") -> list[str]:
    return [f"{indent}{header}", *[f"{indent}    {line}" for line in body]]


def _guarded(stmts: list[Stmt], miss: str) -> list[str]:
    """Statements as lines; a guard returns ``miss`` when the trace's branch is not taken."""
    return [f"if {s.text}: return {miss}  # guard" if s.guard else s.text for s in stmts]


def _split(stmts: list[Stmt], size: int) -> list[list[Stmt]]:
    return [stmts[i : i + size] for i in range(0, len(stmts), size)]


def _parts(groups: list[list[Stmt]], final: set[str], prefix: str) -> tuple[list[str], list[bool]]:
    """Functions ``_<prefix><k>(S)`` for statement groups, values handed over in ``S``."""
    last_read: dict[str, int] = {}
    for k, group in enumerate(groups):
        for s in group:
            for name in s.reads:
                last_read[name] = k
    lines: list[str] = []
    guarded = []
    for k, group in enumerate(groups):
        written: set[str] = set()
        live_in: list[str] = []
        for s in group:
            live_in += [n for n in s.reads if n not in written and n not in live_in]
            if s.writes:
                written.add(s.writes)
        live_out = sorted(n for n in written if last_read.get(n, -1) > k or n in final)
        body = [f"{n} = S[{n!r}]" for n in live_in] + _guarded(group, "False")
        body += [f"S[{n!r}] = {n}" for n in live_out] + ["return True"]
        lines += _function(f"def _{prefix}{k}(S):", body)
        guarded.append(any(s.guard for s in group))
    return lines, guarded


def _calls(prefix: str, guarded: list[bool], miss: str) -> list[str]:
    return [
        f"if not _{prefix}{k}(S): return {miss}" if g else f"_{prefix}{k}(S)"
        for k, g in enumerate(guarded)
    ]


def generate(
    trace: Trace, arg_names: Sequence[str], paths: dict[int, str], title: str, checked: bool
) -> tuple[str, list[Value], dict[int, str]]:
    """The program's source, the captured Values it takes (in order), and each Value's name."""
    b = _Builder(trace, arg_names, paths)
    fwd = b.forward(checked)
    bwd = b.backward(_backward_order(trace), checked)
    outs = [b.operand(o)[0] for o in trace.outputs]
    written = {s.writes for s in bwd}
    grads = [f"d_{b.names[id(v)]}" for v in trace.inputs]
    grads = [g if g in written else "0.0" for g in grads]
    signature = ", ".join([*arg_names, "gradient=1.0" if trace.single else "gradients"])
    if len(fwd) + len(bwd) <= MAX_STATEMENTS:
        result, grad_tuple = _tuple(outs, trace.single), _tuple(grads, False)
        body = _function(
            f"def forward({', '.join(arg_names)}):", [*_guarded(fwd, "None"), f"return {result}"]
        )
        body += [
            "",
            *_function(
                f"def backward({signature}):",
                [*_guarded(fwd, "None"), *_guarded(bwd, "None"), f"return {result}, {grad_tuple}"],
            ),
        ]
    else:  # several functions, values handed over in the dict S
        final = {*outs, *grads}
        fparts, fguards = _parts(_split(fwd, MAX_STATEMENTS), final | _reads(bwd), "f")
        bgroups = _split(bwd, MAX_STATEMENTS)
        bparts, _ = _parts(bgroups, final, "b")

        def get(e: str) -> str:
            return e if e == "0.0" or "." in e else f"S[{e!r}]"

        result = _tuple([get(o) for o in outs], trace.single)
        grad_tuple = _tuple([get(g) for g in grads], False)
        start = "S = {" + ", ".join(f"{a!r}: {a}" for a in arg_names) + "}"
        seed = "gradient" if trace.single else "gradients"
        body = [*fparts, *bparts]
        body += _function(
            f"def forward({', '.join(arg_names)}):",
            [start, *_calls("f", fguards, "None"), f"return {result}"],
        )
        body += [
            "",
            *_function(
                f"def backward({signature}):",
                [
                    start,
                    f"S[{seed!r}] = {seed}",
                    *_calls("f", fguards, "None"),
                    *[f"_b{k}(S)" for k in range(len(bgroups))],
                    f"return {result}, {grad_tuple}",
                ],
            ),
        ]
    text = "\n".join(body)
    used = {w for w in (*KERNELS.namespace(), "isfinite") if w in text}
    imports = KERNELS.imports(used)
    if checked:
        imports.append("from autograd_lite.jit.anomaly import backward_anomaly, forward_anomaly")
    if {"isfinite", "inf", "nan"} & used:
        imports.append(f"from math import {', '.join(sorted({'isfinite', 'inf', 'nan'} & used))}")
    lines = [
        f'"""{title}"""',
        *(["", *sorted(imports)] if imports else []),
        "",
        "",
        "def make(params):",
    ]
    lines.append(
        '    """Forward and backward, bound to the captured Values (read at each call)."""'
    )
    params = [b.names[id(v)] for v in b.params]
    if params:
        wrapped = _wrap_names(params, 88)
        if len(wrapped) == 1:
            lines.append(f"    {wrapped[0]} = params")
        else:
            lines += ["    (", *[f"        {w}" for w in wrapped], "    ) = params"]
    lines += ["", *body, "", "    return forward, backward", ""]
    return "\n".join(lines), b.params, b.names


def _wrap_names(names: list[str], width: int) -> list[str]:
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


def _tuple(items: list[str], single: bool) -> str:
    if single:
        return items[0]
    if not items:
        return "()"
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _reads(stmts: list[Stmt]) -> set[str]:
    return {n for s in stmts for n in s.reads}


def _backward_order(trace: Trace) -> list[Value]:
    from autograd_lite.engine import topological_order

    roots = trace.outputs[0] if trace.single else trace.outputs
    return topological_order(roots, leaves=False)


_counter = [0]


def compile_program(
    trace: Trace, arg_names: Sequence[str], paths: dict[int, str], title: str, checked: bool = False
) -> Program:
    """Generate, compile and bind a trace's program."""
    source, params, names = generate(trace, arg_names, paths, title, checked)
    _counter[0] += 1
    filename = f"<jit {_counter[0]}{' checked' if checked else ''}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    forward, backward = namespace["make"](params)
    return Program(source, params, forward, backward, trace, names)
