"""Tracing: run ``fn`` once on Values and keep its graph, with the guards it depended on.

While ``fn`` runs, every comparison of a Value (``x > 0``, ``if v:``, ``min(a, b)``) is
recorded as a guard: the trace holds only while the comparisons come out the same. So is
every read of an argument's number outside the engine (``float(x)``, a loss that takes
``y.data`` as a constant): the program then depends on that very number, and the guard
is that the argument equals it (a warning says so, since such a program re-traces for
every new value).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite.engine import Value, enable_grad, topological_order

_COMPARISONS = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}
# Where Value's own reads of its number come from (the engine, its walks, the ops' rules).
_ENGINE_MODULES = ("autograd_lite.engine", "autograd_lite.ops", "autograd_lite.autograd")
_ENGINE_MODULES += ("autograd_lite.walk", "autograd_lite.methods")
_DATA = Value.__dict__["data"]  # the slot descriptor behind Value.data


@dataclass(frozen=True)
class Guard:
    """A condition the trace took: ``left <op> right`` came out ``outcome``.

    ``op`` is a comparison (``<``, ``<=``, ``>``, ``>=``), ``"bool"`` (``if v:``, with
    ``right`` None) or ``"=="`` for a number read outside the engine (``outcome`` True).
    """

    op: str
    left: Any
    right: Any
    outcome: bool


@dataclass
class Trace:
    """One run of ``fn``: its argument leaves, outputs, captured leaves and guards."""

    inputs: list[Value]
    outputs: list[Value]
    guards: list[Guard]
    example: tuple[float, ...]
    single: bool
    nodes: list[Value] = field(default_factory=list)  # forward order, leaves included
    captured: list[Value] = field(default_factory=list)  # leaves that are not arguments


class _Input(Value):
    """An argument while tracing: reads of its number from outside the engine are seen."""

    __slots__ = ()

    @property  # type: ignore[override]
    def data(self) -> float:
        value = _DATA.__get__(self, Value)
        recorder = _recorder
        if recorder is not None:
            caller = sys._getframe(1).f_globals.get("__name__")
            if not (caller or "").startswith(_ENGINE_MODULES):
                recorder.append(Guard("==", self, value, True))
        return value

    @data.setter
    def data(self, value: float) -> None:
        _DATA.__set__(self, value)


_recorder: list[Guard] | None = None


def _recording_comparison(name: str, original: Callable) -> Callable:
    op = _COMPARISONS[name]

    def compare(self: Value, other: Any) -> Any:
        result = original(self, other)
        if _recorder is not None and result is not NotImplemented:
            _recorder.append(Guard(op, self, other, bool(result)))
        return result

    return compare


def _recording_bool(name: str, original: Callable) -> Callable:
    def truth(self: Value) -> bool:
        result = original(self)
        if _recorder is not None:
            _recorder.append(Guard("bool", self, None, bool(result)))
        return result

    return truth


def _recording_float(name: str, original: Callable) -> Callable:
    def number(self: Value) -> float:
        result = original(self)
        if _recorder is not None:
            _recorder.append(Guard("==", self, result, True))
        return result

    return number


def _patches() -> dict[str, Callable]:
    """Value's data-dependent dunders (its own or inherited, not object's), wrapped to
    record guards."""
    wrappers = {n: _recording_comparison for n in _COMPARISONS}
    wrappers |= {"__bool__": _recording_bool, "__float__": _recording_float}
    patched = {}
    for name, wrapper in wrappers.items():
        method = getattr(Value, name, None)
        if method is not None and method is not getattr(object, name, None):
            patched[name] = wrapper(name, method)
    return patched


def trace(fn: Callable[..., Any], args: Sequence[float], names: Sequence[str]) -> Trace:
    """Run ``fn`` on Values made from ``args`` and return its graph and guards."""
    global _recorder
    inputs = [_Input(a, n) for a, n in zip(args, names)]
    guards: list[Guard] = []
    patches = _patches()
    saved = {name: Value.__dict__.get(name) for name in patches}
    previous = _recorder
    try:
        for name, method in patches.items():
            setattr(Value, name, method)
        _recorder = guards
        with enable_grad():
            result = fn(*inputs)
    finally:
        _recorder = previous
        for name, method in saved.items():
            if method is None:  # inherited: drop the wrapper, the base class's shows again
                delattr(Value, name)
            else:
                setattr(Value, name, method)
    single = isinstance(result, Value)
    outputs = [result] if single else list(result) if isinstance(result, (list, tuple)) else []
    if not outputs or not all(isinstance(o, Value) for o in outputs):
        raise TypeError(
            f"jit: fn must return a Value (or a list of Values), got {type(result).__name__}"
        )
    out = Trace(inputs, outputs, _unique(guards), tuple(float(a) for a in args), single)
    guard_values = [v for g in out.guards for v in (g.left, g.right) if isinstance(v, Value)]
    out.nodes = topological_order([*outputs, *guard_values])
    argument = {id(v) for v in inputs}
    out.captured = [v for v in out.nodes if not v.parents and id(v) not in argument]
    return out


def _unique(guards: list[Guard]) -> list[Guard]:
    """Guards in the order met, each condition once (a loop may compare the same Values)."""
    seen: set[tuple] = set()
    kept = []
    for g in guards:
        key = (g.op, id(g.left), id(g.right) if isinstance(g.right, Value) else g.right)
        if key not in seen:
            seen.add(key)
            kept.append(g)
    return kept


def data_of(v: Value) -> float:
    """A Value's number, read without being recorded."""
    return _DATA.__get__(v, Value)
