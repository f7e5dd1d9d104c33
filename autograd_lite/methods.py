"""``Value``'s op methods, made from the registry, and ``apply``, an op by its name.

For every ``ops.OPS`` entry ``install`` gives ``Value`` its methods: an infix op its
operator and the reflected one (``__add__``, ``__radd__``), a prefix op its operator
(``__neg__``), a function its method (``Value.tanh``; a constant parameter becomes a
keyword, ``Value.leaky_relu(slope=0.01)``), each with a docstring and, for one input, an
example. ``to_float`` and ``number`` say which plain numbers an op takes. The engine
hands over the functions that make nodes (a ``Core``), so this module
imports nothing from it: the node-making hot path stays in ``engine.py``, beside the
grad-mode flags it reads on every op.

>>> from autograd_lite import Value
>>> Value.__radd__.__doc__
"``other + self`` (chain rule: ``ops.OPS['+'].derivative``)."
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from autograd_lite import _checks
from autograd_lite.ops import OPS, Op


class Core(NamedTuple):
    """What the engine lends: the node class and the functions that make nodes."""

    value: type  # engine.Value
    unary: Callable[[str], Callable[..., Any]]  # op -> the method of a one-input op
    binary: Callable[[str, Any, Any], Any]  # (op, a, b) -> node; one side at least a Value
    nary: Callable[[str, tuple], Any]  # (op, operands) -> one node for sum or dot
    operand: Callable[[Any], Any]  # a Value or a plain float/int, else NotImplemented


def to_float(data: Any) -> float:
    """A Value's data as a float: a real number, a numpy real scalar or a 0-d real array.

    >>> to_float(np.float32(0.5)), to_float(np.array(2))
    (0.5, 2.0)
    """
    if isinstance(data, (float, int, np.bool_, np.integer, np.floating)):
        return float(data)
    if isinstance(data, np.ndarray) and data.ndim == 0 and data.dtype.kind in "biuf":
        return float(data)
    raise TypeError(
        f"Value data must be a real number (int, float, bool, a numpy real scalar or a 0-d "
        f"numpy real array), got {type(data).__name__}: {data!r:.60}"
    )


def number(core: Core, o: Any) -> float:
    """A plain number operand for an n-ary op, or a TypeError saying what is accepted."""
    operand = core.operand(o)
    if operand is NotImplemented or isinstance(operand, core.value):
        raise TypeError(f"expected a Value or a real number, got {type(o).__name__}: {o!r:.60}")
    return operand


def with_numbers(core: Core, forward: Any, operands: tuple) -> tuple[tuple, list, float]:
    """An n-ary op's operands mixing Values and numbers: plain floats as they are (a
    network's inputs), anything else through ``number`` (a Python float, or a TypeError
    saying what is wrong). Returns the operands, their data and the op's result."""
    value = core.value
    xs = [o.data if type(o) is value else o for o in operands]
    try:
        data = forward(xs)
    except TypeError:
        data = None
    if type(data) is not float:
        operands = tuple([o if isinstance(o, value) else number(core, o) for o in operands])
        xs = [o.data if isinstance(o, value) else o for o in operands]
        data = float(forward(xs))
    return operands, xs, data


def apply(core: Core, op: str, operands: tuple) -> Any:
    """``engine.apply``'s work: ``op`` on Values and numbers, a float when all are numbers."""
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}; the ops are {', '.join(OPS)}")
    entry, value = OPS[op], core.value
    if entry.syntax == "nary":
        if any(isinstance(o, value) for o in operands):
            return core.nary(op, operands)
        return float(entry.forward([number(core, o) for o in operands]))
    if len(operands) != entry.arity:
        if len(operands) == entry.inputs:  # parameters left out take their defaults
            operands = (*operands, *[default for _, default in entry.params])
        else:
            raise TypeError(f"{op} takes {entry.arity} operands, got {len(operands)}")
    if not any(isinstance(o, value) for o in operands):
        return entry.forward(*[number(core, o) for o in operands])
    if entry.arity == 1:
        return getattr(value, entry.dunder or op)(operands[0])
    return core.binary(op, *[o if isinstance(o, value) else number(core, o) for o in operands])


def _arithmetic(core: Core, op: str, reflected: bool = False) -> Callable[..., Any]:
    """The method behind ``value op other`` (or, reflected, ``other op value``).

    ``other`` may be a Value or a real number; anything else gets ``NotImplemented``, so
    Python raises its usual TypeError.
    """
    binary, operand = core.binary, core.operand

    def method(self: Any, other: Any) -> Any:
        other = operand(other)
        if other is NotImplemented:
            return NotImplemented
        return binary(op, other, self) if reflected else binary(op, self, other)

    return method


def _with_param(core: Core, op: str) -> Callable[..., Any]:
    """The method behind ``value.op(param=default)``: the parameter is a constant operand."""
    ((name, default),) = OPS[op].params
    binary = core.binary
    signature = inspect.Signature(
        [
            inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY),
            inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default),
        ]
    )

    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != 1:  # the common call, value.op(number), needs no binding
            bound = signature.bind(self, *args, **kwargs)
            args = (bound.arguments.get(name, default),)
        return binary(op, self, _checks.real(name, args[0], finite=False))

    method.__signature__ = signature  # type: ignore[attr-defined]
    return method


def _example(name: str, entry: Op) -> str:
    """A runnable example for a generated one-input method's docstring."""
    call = f"({entry.text('Value(0.5)')})" if name == entry.dunder else f"Value(0.5).{name}()"
    return f">>> {call}.data\n{entry.forward(0.5, *[d for _, d in entry.params])!r}"


def _install(cls: type, name: str, method: Callable[..., Any], text: str, op: str) -> None:
    entry = OPS[op]
    method.__name__ = name
    method.__qualname__ = f"{cls.__name__}.{name}"
    doc = f"``{text}`` (chain rule: ``ops.OPS[{op!r}].derivative``)."
    method.__doc__ = f"{doc}\n\n{_example(name, entry)}" if entry.inputs == 1 else doc
    setattr(cls, name, method)


def install(core: Core) -> None:
    """Give ``core.value`` the methods of every registry op: operators and functions."""
    cls = core.value
    for op, entry in OPS.items():
        if entry.syntax == "infix":
            _install(cls, entry.dunder, _arithmetic(core, op), entry.text("self", "other"), op)
            reflected = _arithmetic(core, op, reflected=True)
            _install(cls, f"__r{entry.dunder[2:]}", reflected, entry.text("other", "self"), op)
            continue
        if entry.syntax == "nary":  # Value.sum and Value.dot: their own signatures
            continue
        text = entry.text("self", *[name for name, _ in entry.params])
        for name in (entry.dunder, op if entry.syntax == "call" else ""):
            if name:
                method = _with_param(core, op) if entry.params else core.unary(op)
                _install(cls, name, method, text, op)
