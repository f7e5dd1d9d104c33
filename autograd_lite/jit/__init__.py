"""``jit``: a recorded graph as readable straight-line Python, as fast as hand-written floats.

``jit(fn, *example_args)`` runs ``fn`` once on Values (a trace), then writes its graph as
a Python program: one statement per node forward, one per edge backward, each backward
line the formula of the op's own rule (read by :mod:`autograd_lite.symbolic`), in the
order eager ``backward()`` adds them, so the numbers are the eager ones. Values that
``fn`` captures (a model's parameters) are the program's parameters: their ``.data`` is
read at every call and ``backward`` adds into their ``.grad``, as eager backward does.

Comparisons of Values that ``fn`` makes while tracing (``if x > 0:``) are guards: a call
whose inputs take another branch is traced again, and the traces are cached. The ops'
own branches (relu, abs, the IEEE cases of ``/`` and ``**``) are code in the program and
need no guard. Under ``detect_anomaly()`` a checked variant of the program raises at the
first non-finite value, naming the op, as the eager engine does.

>>> from autograd_lite import Value
>>> w = Value(2.0, "w")
>>> f = jit(lambda x: (w * x).tanh(), 0.5)
>>> round(f(0.25), 6)
0.462117
>>> out, (d_x,) = f.backward(0.25)
>>> round(d_x, 6), round(w.grad, 6)
(1.572895, 0.196612)
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import engine
from autograd_lite.engine import Value
from autograd_lite.jit.codegen import MAX_STATEMENTS, Program, compile_program
from autograd_lite.jit.trace import Trace, trace

__all__ = ["MAX_STATEMENTS", "MAX_TRACES", "Jitted", "jit"]

MAX_TRACES = 64  # traces (branches) kept per function; more are made again when needed


class Jitted:
    """A function compiled by :func:`jit`: call it for the value, ``backward`` for the
    gradients, read ``source`` for the program.

    >>> from autograd_lite import Value
    >>> w = Value(-1.0, "w")
    >>> def neuron(x):
    ...     z = w * x
    ...     z.label = "z"
    ...     a = z.sigmoid()
    ...     a.label = "a"
    ...     return a
    >>> f = jit(neuron, 2.0)
    >>> [line.strip() for line in f.source.splitlines() if line.strip().startswith("d_z")]
    ['d_z = d_a * (a * (1.0 - a))']
    """

    def __init__(
        self, fn: Callable[..., Any], example_args: Sequence[Any], module: Any = None
    ) -> None:
        if not callable(fn):
            raise TypeError(f"jit: fn must be callable, got {type(fn).__name__}")
        self.fn = fn
        self.arg_names = _argument_names(fn, len(example_args))
        self.module = module if module is not None else _find_module(fn)
        self._programs: list[Program] = []
        self._last: Program | None = None
        self._warned = False
        self._trace(tuple(_arguments(example_args)))

    # ----------------------------------------------------------------- tracing
    def _paths(self) -> dict[int, str]:
        named = getattr(self.module, "named_parameters", None)
        return {} if named is None else {id(p): name for name, p in named()}

    def _trace(self, args: tuple[float, ...]) -> Program:
        t = trace(self.fn, args, self.arg_names)
        if any(g.op == "==" for g in t.guards) and not self._warned:
            self._warned = True
            warnings.warn(
                f"jit: {self._name()} reads the number of a Value outside the engine (float(v) "
                "or v.data); the program is only valid for that very number and re-traces for "
                "every other one. Compute with Values (targets as arguments, not .data) instead.",
                stacklevel=4,
            )
        program = compile_program(t, self.arg_names, self._paths(), self._title(t))
        self._programs.append(program)
        if len(self._programs) > MAX_TRACES:  # the oldest branch makes room, as in a cache
            del self._programs[0]
        return program

    def _name(self) -> str:
        return getattr(self.fn, "__name__", type(self.fn).__name__)

    def _title(self, t: Trace) -> str:
        args = ", ".join(f"{n}={v!r}" for n, v in zip(self.arg_names, t.example))
        ops = sum(1 for v in t.nodes if v.parents)
        counts = [(ops, "op node"), (len(t.captured), "captured Value"), (len(t.guards), "guard")]
        summary = ", ".join(f"{n} {what}{'' if n == 1 else 's'}" for n, what in counts)
        return f"{self._name()}({', '.join(self.arg_names)}) as traced at ({args}): {summary}."

    # ------------------------------------------------------------------ calling
    def _run(self, args: tuple, kind: str, *extra: Any) -> Any:
        if len(args) != len(self.arg_names):
            raise TypeError(
                f"jit: {self._name()} takes {len(self.arg_names)} arguments "
                f"({', '.join(self.arg_names)}), got {len(args)}"
            )
        args = tuple(a if type(a) is float else _number(a) for a in args)
        checked = engine.is_anomaly_enabled()
        for program in self._programs:
            result = getattr(_variant(program, checked, self), kind)(*args, *extra)
            if result is not None:
                self._last = program
                return result
        program = self._trace(args)
        self._last = program
        result = getattr(_variant(program, checked, self), kind)(*args, *extra)
        if result is None:
            raise RuntimeError(f"jit: a fresh trace of {self._name()} failed its own guards")
        return result

    def __call__(self, *args: Any) -> Any:
        """The value of ``fn(*args)`` as a float (a tuple for a list of outputs)."""
        return self._run(args, "forward")

    def backward(self, *args: Any, gradient: Any = 1.0) -> tuple[Any, tuple[float, ...]]:
        """``(value, d value / d args)``; adds ``gradient * d value / d p`` into the
        ``.grad`` of every captured Value, as eager ``backward(gradient)`` does. For a list
        of outputs, ``gradient`` is one weight per output."""
        if self._programs[0].trace.single:
            gradient = gradient if type(gradient) is float else float(gradient)
        else:
            gradient = tuple(float(g) for g in gradient)
        # The common case, run with as little Python around it as possible: float
        # arguments, no detect_anomaly, the branch of a trace already made.
        if len(args) == len(self.arg_names) and not engine.is_anomaly_enabled():
            for a in args:
                if type(a) is not float:
                    break
            else:
                for program in self._programs:
                    result = program.backward(*args, gradient)
                    if result is not None:
                        self._last = program
                        return result
        return self._run(args, "backward", gradient)

    # ------------------------------------------------------------- inspection
    @property
    def source(self) -> str:
        """The program of the trace used last (the first call's before any call)."""
        return (self._last or self._programs[0]).source

    @property
    def sources(self) -> tuple[str, ...]:
        """The programs of every trace so far, in the order they were made."""
        return tuple(p.source for p in self._programs)

    @property
    def parameters(self) -> list[Value]:
        """The captured Values of the trace used last, in the order ``make(params)`` takes them."""
        return list((self._last or self._programs[0]).params)

    def __repr__(self) -> str:
        return f"Jitted({self._name()}, traces={len(self._programs)})"


def _variant(program: Program, checked: bool, owner: Jitted) -> Program:
    if not checked:
        return program
    if program.checked is None:
        program.checked = compile_program(
            program.trace, owner.arg_names, owner._paths(), owner._title(program.trace), True
        )
    return program.checked


def jit(fn: Callable[..., Any], *example_args: Any, module: Any = None) -> Jitted:
    """Trace ``fn`` at ``example_args`` and compile its graph to Python (see module docs).

    ``fn`` takes numbers (Values while tracing) and returns a Value; the Values it captures
    are the program's parameters, named by their path in ``module`` (found among ``fn``'s
    closure variables when not given) or by their labels.

    >>> from autograd_lite import Value
    >>> b = Value(1.0, "b")
    >>> f = jit(lambda x, y: x * y + b, 2.0, 3.0)
    >>> f(4.0, 5.0), f.backward(4.0, 5.0)
    (21.0, (21.0, (5.0, 4.0)))
    >>> b.grad
    1.0
    """
    return Jitted(fn, example_args, module)


def _arguments(args: Sequence[Any]) -> list[float]:
    return [a if type(a) is float else _number(a) for a in args]


def _number(a: Any) -> float:
    """An argument as the float a Value holds (the engine's own conversion and checks)."""
    return a.data if isinstance(a, Value) else Value(a).data


def _argument_names(fn: Callable[..., Any], n: int) -> list[str]:
    """Names for the arguments from ``fn``'s signature (``x0, x1...`` for ``*args``)."""
    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    names: list[str] = []
    for p in parameters:
        if p.kind is p.VAR_POSITIONAL:
            names += [f"{p.name}{k}" for k in range(n - len(names))]
            break
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    names = names[:n] + [f"x{k}" for k in range(len(names), n)]
    fixed = []
    for name in names:
        name = (
            name if name.isidentifier() and not name.startswith(("_", "d_")) else f"a_{len(fixed)}"
        )
        while name in fixed:
            name += "_"
        fixed.append(name)
    return fixed


def _find_module(fn: Callable[..., Any]) -> Any:
    """A ``Module`` that ``fn`` is bound to or captures, for naming its parameters."""
    from autograd_lite.nn import Module

    candidates = [getattr(fn, "__self__", None)]
    candidates += [c.cell_contents for c in getattr(fn, "__closure__", None) or () if _full(c)]
    code = getattr(fn, "__code__", None)
    globals_ = getattr(fn, "__globals__", {})
    if code is not None:
        candidates += [globals_.get(n) for n in code.co_names]
    for c in candidates:
        if isinstance(c, Module):
            return c
    return None


def _full(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True
