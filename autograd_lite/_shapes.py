"""Shape handling shared by the losses and metrics: flattening, pairing, rows, reductions.

Private to the package: every function takes the calling loss's ``name`` so its messages
say which loss refused the input.

>>> pairs([[1.0], [2.0]], [0.0, 1.0], "mse")[1]
[0.0, 1.0]
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import _checks
from autograd_lite.engine import Value

Data = Value | float | Sequence[Any] | np.ndarray
LossResult = Value | list[Value]

REDUCTIONS = ("mean", "sum", "none")
ROW_SUM_TOL = 1e-6


def is_sequence(x: Any) -> bool:
    return isinstance(x, np.ndarray) or (
        isinstance(x, Sequence) and not isinstance(x, (str, bytes))
    )


def flatten(x: Any) -> list[Any]:
    """All scalars of a Value / number / nested sequence / numpy array, in row-major order."""
    if isinstance(x, np.ndarray):
        return x.ravel().tolist() if x.dtype.kind in "biuf" else flatten(list(x.ravel()))
    if is_sequence(x):
        out: list[Any] = []
        for item in x:
            if is_sequence(item):
                out.extend(flatten(item))
            else:
                out.append(item)
        return out
    return [x]


def as_value(x: Any, name: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(f"{name}: predictions must be Values or real numbers, got {type(x).__name__}")


def as_float(x: Any, name: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{name}: targets must be real numbers, got {type(x).__name__}: {x!r:.40}")


def check_reduction(reduction: str, name: str) -> None:
    if not isinstance(reduction, str):
        raise TypeError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r:.60}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: unknown reduction {reduction!r}; expected one of {REDUCTIONS}")


def reduce(terms: list[Value], reduction: str) -> LossResult:
    if reduction == "none":
        return terms
    total = Value.sum(terms)
    return total / len(terms) if reduction == "mean" else total


def pairs(
    predictions: Data, targets: Data, name: str, reduction: str | None = None
) -> tuple[list[Value], list[float]]:
    """Flattened predictions (as Values) and targets (as floats) of equal, non-zero length;
    ``reduction``, when given, is checked first."""
    if reduction is not None:
        check_reduction(reduction, name)
    preds = [as_value(p, name) for p in flatten(predictions)]
    ts = [as_float(t, name) for t in flatten(targets)]
    if len(preds) != len(ts):
        raise ValueError(f"{name}: length mismatch: {len(preds)} predictions but {len(ts)} targets")
    if not preds:
        raise ValueError(f"{name}: empty input: got no predictions and no targets")
    for i, t in enumerate(ts):
        if not math.isfinite(t):
            raise ValueError(f"{name}: targets must be finite, got targets[{i}] = {t!r}")
    return preds, ts


def as_rows(x: Data, what: str, name: str) -> tuple[list[list[Any]], bool]:
    """(rows, single): a list of equally long rows, and whether ``x`` was a single row."""
    if isinstance(x, np.ndarray) and x.ndim in (1, 2):
        rows, single = ([list(x)], True) if x.ndim == 1 else ([list(r) for r in x], False)
    elif is_sequence(x) and not isinstance(x, np.ndarray):
        items = list(x)
        nested = [is_sequence(item) for item in items]
        if items and all(nested):
            rows, single = [list(r) for r in items], False
        elif not any(nested):
            rows, single = [items], True
        else:
            raise ValueError(f"{name}: {what} mix rows and scalars; expected one row or rows")
    else:
        raise ValueError(f"{name}: {what} must be one row or a list of rows (2-D), got {x!r:.60}")
    if not rows or not rows[0]:
        raise ValueError(f"{name}: empty input: {what} have no rows or no columns")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                f"{name}: {what} rows differ in length: row 0 has {width}, row {i} has {len(row)}"
            )
        for item in row:
            if is_sequence(item):
                raise ValueError(f"{name}: {what} must be at most 2-D (rows of scalars)")
    return rows, single


def depth(x: Any) -> int:
    """Nesting depth: 0 for a scalar, 1 for a flat row, 2 for rows."""
    if isinstance(x, np.ndarray):
        return x.ndim
    return 1 + depth(x[0]) if is_sequence(x) and len(x) else int(is_sequence(x))


def check_distribution(row: Sequence[float], what: str, i: int, name: str) -> None:
    """A probability row: entries >= 0 summing to 1 within 1e-6 (nan fails both)."""
    if not all(v >= 0 for v in row):
        raise ValueError(f"{name}: {what} row {i} has a negative or nan entry: {list(row)!r:.80}")
    total = math.fsum(row)
    if not abs(total - 1.0) <= ROW_SUM_TOL:
        raise ValueError(
            f"{name}: {what} row {i} sums to {total!r}, expected 1 within {ROW_SUM_TOL}"
        )


def class_indices(targets: Data, n_rows: int, n_classes: int, name: str) -> list[int]:
    indices = [as_float(t, name) for t in flatten(targets)]
    if len(indices) != n_rows:
        raise ValueError(
            f"{name}: length mismatch: {n_rows} rows of predictions but {len(indices)} "
            f"class indices"
        )
    for i, k in enumerate(indices):
        if not (float(k).is_integer() and 0 <= k < n_classes):
            hint = (
                "; each row has a single score, so there is one class: for two classes give "
                "the model 2 outputs, or use binary_cross_entropy_with_logits on its one output"
                if n_classes == 1
                else ""
            )
            raise ValueError(
                f"{name}: class index out of range: targets[{i}] = {k!r}, expected an "
                f"integer in [0, {n_classes - 1}]{hint}"
            )
    return [int(k) for k in indices]


def prediction_rows(predictions: Data, name: str) -> tuple[list[list[Value]], bool]:
    rows, single = as_rows(predictions, "predictions", name)
    return [[as_value(v, name) for v in row] for row in rows], single


def target_rows(targets: Data, shape: tuple[int, int], what: str, name: str) -> list[list[float]]:
    rows, _ = as_rows(targets, what, name)
    if (len(rows), len(rows[0])) != shape:
        raise ValueError(
            f"{name}: shape mismatch: predictions are {shape[0]} x {shape[1]} but {what} are "
            f"{len(rows)} x {len(rows[0])}"
        )
    return [[as_float(v, name) for v in row] for row in rows]


def input_row(x: Any, nin: int) -> list[Value]:
    """Inputs as a list of Values (numbers become input leaves, drawn as such in a graph,
    and every ``dot`` node then takes the engine's all-Values path); wrong length is a
    ValueError, anything but Values and real numbers a TypeError.

    >>> input_row(np.array([1.0, 2.0]), 2)[1].data
    2.0
    """
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(
                f"expected a 1-d input row of {nin} numbers, got an array of shape {x.shape}; "
                f"pass one row at a time"
            )
        x = x.tolist()
    elif isinstance(x, (Value, numbers.Real)):
        x = [x]
    elif isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Sequence):
        raise TypeError(
            f"x must be an input row: a list or 1-d array of {nin} numbers or Values, "
            f"got {_checks.describe(x)}"
        )
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(x)}")
    out = []
    for i, v in enumerate(x):
        if isinstance(v, Value):
            out.append(v)
        elif isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
            out.append(Value(v))
        else:
            raise TypeError(f"x[{i}] must be a real number or a Value, got {_checks.describe(v)}")
    return out
