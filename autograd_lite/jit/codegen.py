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

import gc
import keyword
import linecache
import weakref
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite._text import ATOM, MUL, number_text, wrap
from autograd_lite.engine import Value, topological_order
from autograd_lite.jit.layout import (
    Stmt,
    calls,
    function,
    guarded,
    parts,
    reads,
    split,
    tuple_text,
    wrap_names,
)
from autograd_lite.jit.templates import (
    KERNELS,
    RESERVED,
    TEMP,
    WORD,
    fill,
    forward_template,
    local_texts,
    register_kernels,
)
from autograd_lite.jit.trace import Guard, Trace, data_of

MAX_STATEMENTS = 4000  # per generated function: CPython compiles huge functions slowly


class Program:
    """A trace compiled: ``forward(*args)`` and ``backward(*args, gradient)``, each
    returning None when a guard fails (another trace is needed). ``source`` is the program
    as shown; the backward is compiled at once, the forward when first called."""

    def __init__(
        self, sources: dict[str, str], params: list[Value], trace: Trace, names: dict[int, str]
    ) -> None:
        self.source = sources["both"]
        self.params = params
        self.trace = trace
        self.names = names
        self.checked: Program | None = None
        self._sources = sources
        self._forward: Callable[..., Any] | None = None
        self.backward: Callable[..., Any] = self._compile("backward")

    @property
    def forward(self) -> Callable[..., Any]:
        if self._forward is None:
            self._forward = self._compile("forward")
        return self._forward

    def _compile(self, kind: str) -> Callable[..., Any]:
        source = self._sources[kind]
        _counter[0] += 1
        filename = f"<jit {_counter[0]} {kind}>"
        namespace: dict[str, Any] = {}
        # No reference cycles are made here, and a big program makes millions of objects:
        # the collector's passes over them would cost time growing with the size squared.
        paused = gc.isenabled()
        gc.disable()
        try:
            exec(compile(source, filename, "exec"), namespace)
        finally:
            if paused:
                gc.enable()
        function = namespace["make"](self.params)[kind == "backward"]
        # Tracebacks through the program show its lines, for as long as the program lives.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        weakref.finalize(self, linecache.cache.pop, filename, None)
        return function


class _Builder:
    """Names and statements for one trace."""

    def __init__(
        self, trace: Trace, arg_names: Sequence[str], paths: dict[int, str], checked: bool
    ) -> None:
        register_kernels()
        self.trace = trace
        self.taken = set(RESERVED) | set(KERNELS.namespace())
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
            if v.parents and _usable(v.label):
                self._name(v, v.label, "node")
            elif v.parents:
                self._name(v, f"t{count}", "node")
                count += 1
        self.locals = {n for i, n in self.names.items() if self.kind[i] != "param"}
        self.locals |= {f"d_{n}" for n in self.locals} | {"gradient", "gradients"}
        self.templates: set[str] = set()  # the texts the lines are made from, once each
        # Splitting into functions needs each line's reads; a small program skips them.
        lines = sum(len(v.parents) + 1 for v in trace.nodes) + len(trace.guards)
        self.split = lines * (3 if checked else 1) > MAX_STATEMENTS
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
        """An operand as code: its name (``w.data`` for a parameter) or its number."""
        if isinstance(o, Value):
            return self.text[id(o)], ATOM
        return number_text(o if type(o) in (int, float) else float(o), "code")

    def labels(self, operands: Sequence[Any]) -> str:
        """The operands' names (None for constants), as anomaly messages show them."""
        return repr(tuple(self.names[id(o)] if isinstance(o, Value) else None for o in operands))

    def reads(self, text: str) -> tuple[str, ...]:
        """The local names ``text`` reads, each once (none when the program is not split)."""
        if not self.split:
            return ()
        local = self.locals
        return tuple({w: 0 for w in WORD.findall(text) if w in local or TEMP.match(w)})

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
            template = forward_template(v.op, operands, xs, data_of(v))
            self.templates.add(template)
            text = fill(template, args, name)
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
        self.templates.add(miss)
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
            self.templates.update(t for t, _ in texts)
            names = [self.operand(o)[0] for o in operands]
            me = self.names[id(node)]
            local = [(fill(t, names, me), p) for (t, p), v in zip(texts, is_value) if v]
            if checked:
                out += self._checked_edges(node, d_node, local, assigned)
                continue
            for parent, (text, prec) in zip(node.parents, local):
                if text in ("1.0", "1"):
                    contribution = d_node
                elif text in ("-1.0", "-1"):
                    contribution = f"-{d_node}"
                else:
                    contribution = f"{d_node} * {wrap(text, prec, MUL + 1)}"
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


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith(("_", "d_"))
        and name not in RESERVED
    )


def generate(
    trace: Trace, arg_names: Sequence[str], paths: dict[int, str], title: str, checked: bool
) -> tuple[dict[str, str], list[Value], dict[int, str]]:
    """The program's sources, the captured Values it takes (in order), each Value's name.

    Sources by what ``make(params)`` defines: ``"both"`` (the program as shown: forward and
    backward), ``"forward"`` and ``"backward"`` alone (compiled when first needed)."""
    b = _Builder(trace, arg_names, paths, checked)
    fwd = b.forward(checked)
    bwd = b.backward(_backward_order(trace), checked)
    outs = [b.operand(o)[0] for o in trace.outputs]
    written = {s.writes for s in bwd}
    grads = [f"d_{b.names[id(v)]}" for v in trace.inputs]
    grads = [g if g in written else "0.0" for g in grads]
    signature = ", ".join([*arg_names, "gradient=1.0" if trace.single else "gradients"])
    if not b.split:
        result, grad_tuple = tuple_text(outs, trace.single), tuple_text(grads, False)
        shared: list[str] = []
        forward = function(
            f"def forward({', '.join(arg_names)}):", [*guarded(fwd, "None"), f"return {result}"]
        )
        backward = function(
            f"def backward({signature}):",
            [*guarded(fwd, "None"), *guarded(bwd, "None"), f"return {result}, {grad_tuple}"],
        )
        backward_only: list[str] = []
    else:  # several functions, values handed over in the dict S
        final = {*outs, *grads}
        fparts, fguards = parts(split(fwd, MAX_STATEMENTS), final | reads(bwd), "f")
        bgroups = split(bwd, MAX_STATEMENTS)
        bparts, _ = parts(bgroups, final, "b")

        def get(e: str) -> str:
            return e if e == "0.0" or "." in e else f"S[{e!r}]"

        result = tuple_text([get(o) for o in outs], trace.single)
        grad_tuple = tuple_text([get(g) for g in grads], False)
        start = "S = {" + ", ".join(f"{a!r}: {a}" for a in arg_names) + "}"
        seed = "gradient" if trace.single else "gradients"
        shared, backward_only = fparts, bparts
        forward = function(
            f"def forward({', '.join(arg_names)}):",
            [start, *calls("f", fguards, "None"), f"return {result}"],
        )
        backward = function(
            f"def backward({signature}):",
            [
                start,
                f"S[{seed!r}] = {seed}",
                *calls("f", fguards, "None"),
                *[f"_b{k}(S)" for k in range(len(bgroups))],
                f"return {result}, {grad_tuple}",
            ],
        )
    words = {w for t in b.templates for w in WORD.findall(t)}
    used = (words & set(KERNELS.namespace())) | ({"isfinite"} if checked else set())
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
        wrapped = wrap_names(params, 88)
        if len(wrapped) == 1:
            lines.append(f"    {wrapped[0]} = params")
        else:
            lines += ["    (", *[f"        {w}" for w in wrapped], "    ) = params"]
    texts = {
        "both": [
            *shared,
            *backward_only,
            *forward,
            "",
            *backward,
            "",
            "    return forward, backward",
        ],
        "forward": [*shared, *forward, "", "    return forward, None"],
        "backward": [*shared, *backward_only, *backward, "", "    return None, backward"],
    }
    sources = {kind: "\n".join([*lines, "", *body, ""]) for kind, body in texts.items()}
    return sources, b.params, b.names


def _backward_order(trace: Trace) -> list[Value]:
    roots = trace.outputs[0] if trace.single else trace.outputs
    return topological_order(roots, leaves=False)


_counter = [0]


def compile_program(
    trace: Trace, arg_names: Sequence[str], paths: dict[int, str], title: str, checked: bool = False
) -> Program:
    """Generate a trace's program and compile its backward (the forward when first used)."""
    paused = gc.isenabled()
    gc.disable()  # generating makes no cycles either (see Program._compile)
    try:
        sources, params, names = generate(trace, arg_names, paths, title, checked)
    finally:
        if paused:
            gc.enable()
    return Program(sources, params, trace, names)
