"""Each op's lines as templates: its forward (the kernel's own arithmetic, or a call)
and its local derivatives (its rule, read by :mod:`autograd_lite.symbolic`), written once
per op and pattern of constants with ``_o<i>_`` for operand i and ``_out_`` for the node."""

from __future__ import annotations

import builtins
import keyword
import math
import re
from collections.abc import Sequence
from typing import Any

from autograd_lite._text import ATOM, Kernels, code_call, number_text
from autograd_lite.engine import Value
from autograd_lite.jit.trace import data_of
from autograd_lite.ops import OPS
from autograd_lite.symbolic import SymbolicError, derivative_texts, forward_text

RESERVED = {"make", "forward", "backward", "params", "gradient", "gradients", "S", "inf"}
RESERVED |= {"nan", "isfinite", "forward_anomaly", "backward_anomaly"}
RESERVED |= set(keyword.kwlist) | set(dir(builtins))
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
PLACEHOLDER = re.compile(r"\b_o(\d+)_\b|\b_out_\b")
TEMP = re.compile(r"_[lc]\d+$")  # a checked program's per-node temporaries

KERNELS = Kernels(reserved=sorted(RESERVED))
_local_cache: dict[tuple, tuple[tuple[str, int], ...]] = {}
_forward_cache: dict[tuple, str] = {}
_sequence_ops: dict[str, bool] = {}


def register_kernels() -> None:
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


def fill(template: str, names: Sequence[str], me: str) -> str:
    """A template's placeholders replaced: ``_o<i>_`` by operand i, ``_out_`` by the node."""
    return PLACEHOLDER.sub(lambda m: me if m.group(1) is None else names[int(m.group(1))], template)
