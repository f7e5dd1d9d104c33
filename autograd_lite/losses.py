"""Loss functions and classification metrics, built from ``Value`` ops so gradients flow.

Conventions, so that code written for PyTorch reads the same here:

* Every loss is ``loss(predictions, targets, *, reduction="mean")``, predictions first
  (PyTorch's order). The one exception is ``kl_divergence(p, q)``: target ``p`` first,
  prediction ``q`` second, as in the notation KL(p || q). ``LOSSES["kl_divergence"]``
  takes (predictions, targets) like every other registry entry.
* ``reduction="mean"`` averages over samples, ``"sum"`` adds them and ``"none"`` returns
  the list of per-sample losses (per element for element-wise losses, per row for the
  row-wise ones: ``cross_entropy``, ``categorical_cross_entropy``, ``kl_divergence``).
* Predictions are a ``Value``, a number, or a (nested) list / numpy array of them; plain
  numbers become leaf Values. Element-wise losses flatten both arguments, so a list of n
  predictions and an (n, 1) target array pair up element by element (no broadcasting).
* Targets are constants: numbers, numpy arrays, or Values whose ``data`` is used (no
  gradient flows into a target).

Equation numbers refer to the seed lecture 000 ("Optimizing the Loss Function").
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite.engine import Value

Data = Value | float | Sequence[Any] | np.ndarray
LossResult = Value | list[Value]

_REDUCTIONS = ("mean", "sum", "none")
_LOG_CLAMP = -100.0  # torch.nn.functional.binary_cross_entropy clamps log at -100
_KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), the clip for probabilities
_ROW_SUM_TOL = 1e-6
_LOG2 = math.log(2.0)


# ------------------------------------------------------------------ input handling
def _is_sequence(x: Any) -> bool:
    return isinstance(x, np.ndarray) or (
        isinstance(x, Sequence) and not isinstance(x, (str, bytes))
    )


def _flatten(x: Any) -> list[Any]:
    """All scalars of a Value / number / nested sequence / numpy array, in row-major order."""
    if isinstance(x, np.ndarray):
        return x.ravel().tolist() if x.dtype.kind in "biuf" else _flatten(list(x.ravel()))
    if _is_sequence(x):
        out: list[Any] = []
        for item in x:
            if _is_sequence(item):
                out.extend(_flatten(item))
            else:
                out.append(item)
        return out
    return [x]


def _as_value(x: Any, name: str) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return Value(x)
    raise TypeError(f"{name}: predictions must be Values or real numbers, got {type(x).__name__}")


def _as_float(x: Any, name: str) -> float:
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"{name}: targets must be real numbers, got {type(x).__name__}: {x!r:.40}")


def _check_reduction(reduction: str, name: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{name}: unknown reduction {reduction!r}; expected one of {_REDUCTIONS}")


def _reduce(terms: list[Value], reduction: str) -> LossResult:
    if reduction == "none":
        return terms
    total = Value.sum(terms)
    return total / len(terms) if reduction == "mean" else total


def _pairs(predictions: Data, targets: Data, name: str) -> tuple[list[Value], list[float]]:
    """Flattened predictions (as Values) and targets (as floats) of equal, non-zero length."""
    preds = [_as_value(p, name) for p in _flatten(predictions)]
    ts = [_as_float(t, name) for t in _flatten(targets)]
    if len(preds) != len(ts):
        raise ValueError(f"{name}: length mismatch: {len(preds)} predictions but {len(ts)} targets")
    if not preds:
        raise ValueError(f"{name}: empty input: got no predictions and no targets")
    for i, t in enumerate(ts):
        if not math.isfinite(t):
            raise ValueError(f"{name}: targets must be finite, got targets[{i}] = {t!r}")
    return preds, ts


def _rows(x: Data, what: str, name: str) -> tuple[list[list[Any]], bool]:
    """(rows, single): a list of equally long rows, and whether ``x`` was a single row."""
    if isinstance(x, np.ndarray) and x.ndim in (1, 2):
        rows, single = ([list(x)], True) if x.ndim == 1 else ([list(r) for r in x], False)
    elif _is_sequence(x) and not isinstance(x, np.ndarray):
        items = list(x)
        nested = [_is_sequence(item) for item in items]
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
            if _is_sequence(item):
                raise ValueError(f"{name}: {what} must be at most 2-D (rows of scalars)")
    return rows, single


def _depth(x: Any) -> int:
    """Nesting depth: 0 for a scalar, 1 for a flat row, 2 for rows."""
    if isinstance(x, np.ndarray):
        return x.ndim
    return 1 + _depth(x[0]) if _is_sequence(x) and len(x) else int(_is_sequence(x))


def _check_distribution(row: Sequence[float], what: str, i: int, name: str) -> None:
    """A probability row: entries >= 0 summing to 1 within 1e-6 (nan fails both)."""
    if not all(v >= 0 for v in row):
        raise ValueError(f"{name}: {what} row {i} has a negative or nan entry: {list(row)!r:.80}")
    total = math.fsum(row)
    if not abs(total - 1.0) <= _ROW_SUM_TOL:
        raise ValueError(
            f"{name}: {what} row {i} sums to {total!r}, expected 1 within {_ROW_SUM_TOL}"
        )


def _class_indices(targets: Data, n_rows: int, n_classes: int, name: str) -> list[int]:
    indices = [_as_float(t, name) for t in _flatten(targets)]
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


def _prediction_rows(predictions: Data, name: str) -> tuple[list[list[Value]], bool]:
    rows, single = _rows(predictions, "predictions", name)
    return [[_as_value(v, name) for v in row] for row in rows], single


def _target_rows(targets: Data, shape: tuple[int, int], what: str, name: str) -> list[list[float]]:
    rows, _ = _rows(targets, what, name)
    if (len(rows), len(rows[0])) != shape:
        raise ValueError(
            f"{name}: shape mismatch: predictions are {shape[0]} x {shape[1]} but {what} are "
            f"{len(rows)} x {len(rows[0])}"
        )
    return [[_as_float(v, name) for v in row] for row in rows]


# -------------------------------------------------------------- regression losses
def mae(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean absolute error, the L1 loss |yhat - y| (eq. 2, 10); torch's ``l1_loss``.
    Robust to outliers: each error counts linearly."""
    _check_reduction(reduction, "mae")
    preds, ts = _pairs(predictions, targets, "mae")
    return _reduce([abs(p - t) for p, t in zip(preds, ts, strict=True)], reduction)


def _squared_errors(predictions: Data, targets: Data, name: str) -> list[Value]:
    preds, ts = _pairs(predictions, targets, name)
    out = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        out.append(d * d)
    return out


def mse(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean squared error, the L2 loss (yhat - y)^2 (eq. 3, 11); torch's ``mse_loss``.
    Punishes large errors more than small ones."""
    _check_reduction(reduction, "mse")
    return _reduce(_squared_errors(predictions, targets, "mse"), reduction)


def rmse(predictions: Data, targets: Data, *, reduction: str = "mean") -> Value:
    """Root mean squared error sqrt(MSE) (eq. 12), in the units of the targets.
    Only ``reduction="mean"`` exists: the root is taken of the mean."""
    if reduction != "mean":
        raise ValueError(
            f"rmse: only reduction='mean' is defined (the square root of the mean squared "
            f"error), got {reduction!r}"
        )
    terms = _squared_errors(predictions, targets, "rmse")
    return (Value.sum(terms) / len(terms)).sqrt()


def _positive_delta(delta: float, name: str) -> float:
    if not (isinstance(delta, numbers.Real) and math.isfinite(delta) and delta > 0):
        raise ValueError(f"{name}: delta must be a finite number > 0, got {delta!r}")
    return float(delta)


def huber(
    predictions: Data, targets: Data, *, reduction: str = "mean", delta: float = 1.0
) -> LossResult:
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); torch's
    ``huber_loss``. Quadratic near zero, linear (outlier-robust) beyond delta."""
    _check_reduction(reduction, "huber")
    delta = _positive_delta(delta, "huber")
    preds, ts = _pairs(predictions, targets, "huber")
    terms = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        terms.append(0.5 * (d * d) if abs(d.data) < delta else delta * (abs(d) - 0.5 * delta))
    return _reduce(terms, reduction)


def pseudo_huber(
    predictions: Data, targets: Data, *, reduction: str = "mean", delta: float = 1.0
) -> LossResult:
    """Pseudo-Huber loss delta^2 (sqrt(1 + (d/delta)^2) - 1): a smooth Huber.

    Computed as delta^2 x / (sqrt(1 + x) + 1) with x = (d/delta)^2, the same number
    without the cancellation of sqrt(1 + x) - 1 for small d."""
    _check_reduction(reduction, "pseudo_huber")
    delta = _positive_delta(delta, "pseudo_huber")
    preds, ts = _pairs(predictions, targets, "pseudo_huber")
    terms = []
    for p, t in zip(preds, ts, strict=True):
        r = (p - t) / delta
        x = r * r
        terms.append(x / ((x + 1.0).sqrt() + 1.0) * (delta * delta))
    return _reduce(terms, reduction)


def log_cosh(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """log(cosh(d)) as Keras computes it, d + softplus(-2d) - log 2 (no overflow of cosh).
    About d^2 / 2 for small errors and |d| - log 2 for large ones."""
    _check_reduction(reduction, "log_cosh")
    preds, ts = _pairs(predictions, targets, "log_cosh")
    terms = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        terms.append(d + (d * -2.0).softplus() - _LOG2)
    return _reduce(terms, reduction)


def mape(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean absolute percentage error 100 |y - yhat| / |y|, in percent like Keras.
    A zero target has no percentage error: ``ValueError`` (Keras divides by 1e-7)."""
    _check_reduction(reduction, "mape")
    preds, ts = _pairs(predictions, targets, "mape")
    for i, t in enumerate(ts):
        if t == 0:
            raise ValueError(
                f"mape: targets must be non-zero (percent of the target), got targets[{i}] = 0"
            )
    return _reduce(
        [abs(p - t) * (100.0 / abs(t)) for p, t in zip(preds, ts, strict=True)], reduction
    )


# ----------------------------------------------------------- binary classification
def _check_unit_targets(ts: list[float], name: str) -> None:
    for i, t in enumerate(ts):
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"{name}: targets must be in [0, 1], got targets[{i}] = {t!r}")


def _clamped_log(x: Value) -> Value | float:
    """log(x), replaced by the constant -100 below -100 (torch's BCE clamp)."""
    out = x.log()
    return out if out.data >= _LOG_CLAMP else _LOG_CLAMP


def binary_cross_entropy(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """-(y log p + (1 - y) log(1 - p)) on probabilities p (eq. 5, 8); torch's
    ``binary_cross_entropy``, each log clamped at -100 so p = 0 or 1 costs at most 100.

    The gradient is the exact derivative of that clamped loss. It matches torch's except
    where p(1 - p) < 1e-12, where torch uses (p - y) / max(p(1 - p), 1e-12) instead."""
    name = "binary_cross_entropy"
    _check_reduction(reduction, name)
    preds, ts = _pairs(predictions, targets, name)
    _check_unit_targets(ts, name)
    terms = []
    for i, (p, t) in enumerate(zip(preds, ts, strict=True)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{name}: predictions must be probabilities in [0, 1], got predictions[{i}] = "
                f"{p.data!r} (use binary_cross_entropy_with_logits for raw scores)"
            )
        if t == 1.0:
            term = -_clamped_log(p)
        elif t == 0.0:
            term = -_clamped_log(1.0 - p)
        else:
            term = -(t * _clamped_log(p) + (1.0 - t) * _clamped_log(1.0 - p))
        terms.append(term if isinstance(term, Value) else Value(term))
    return _reduce(terms, reduction)


def binary_cross_entropy_with_logits(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """BCE of sigmoid(x) from the logit x, computed stably as softplus(x) - y x
    (= (1 - y) x + softplus(-x)); torch's ``binary_cross_entropy_with_logits``.
    Finite for any logit, with gradient sigmoid(x) - y."""
    name = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, name)
    preds, ts = _pairs(predictions, targets, name)
    _check_unit_targets(ts, name)
    terms = []
    for x, t in zip(preds, ts, strict=True):
        if t == 0.0:
            terms.append(x.softplus())
        elif t == 1.0:
            terms.append((-x).softplus())
        elif t < 0.5:
            terms.append(x.softplus() - t * x)
        else:
            terms.append((-x).softplus() + (1.0 - t) * x)
    return _reduce(terms, reduction)


def _check_signs(ts: list[float], name: str) -> None:
    for i, t in enumerate(ts):
        if t not in (-1.0, 1.0):
            raise ValueError(f"{name}: targets must be -1 or +1, got targets[{i}] = {t!r}")


def _margins(predictions: Data, targets: Data, name: str) -> list[Value]:
    """max(0, 1 - y yhat) for each pair (relu, so the subgradient at the kink is 0)."""
    preds, ts = _pairs(predictions, targets, name)
    _check_signs(ts, name)
    return [((1.0 - p) if t == 1.0 else (p + 1.0)).relu() for p, t in zip(preds, ts, strict=True)]


def hinge(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Hinge loss max(0, 1 - y yhat) with y in {-1, +1} (the SVM's margin loss, Keras's
    ``hinge``): zero once a score is on the right side with margin 1."""
    _check_reduction(reduction, "hinge")
    return _reduce(_margins(predictions, targets, "hinge"), reduction)


def squared_hinge(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """max(0, 1 - y yhat)^2 with y in {-1, +1} (Keras's ``squared_hinge``): a hinge that is
    smooth at the margin and punishes large violations more."""
    _check_reduction(reduction, "squared_hinge")
    return _reduce([m * m for m in _margins(predictions, targets, "squared_hinge")], reduction)


# -------------------------------------------------------------- row-wise losses
def cross_entropy(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Softmax cross-entropy of logit rows against class indices; torch's ``cross_entropy``.

    Each row costs log(sum_j exp(z_j)) - z_k for its class k, with the log-sum-exp shifted
    by the row's maximum so no exp overflows. One row (a flat list) takes one index."""
    name = "cross_entropy"
    _check_reduction(reduction, name)
    rows, _ = _prediction_rows(predictions, name)
    indices = _class_indices(targets, len(rows), len(rows[0]), name)
    terms = []
    for row, k in zip(rows, indices, strict=True):
        m = max(z.data for z in row)
        shifted = [z - m for z in row]
        terms.append(Value.sum([s.exp() for s in shifted]).log() - shifted[k])
    return _reduce(terms, reduction)


def categorical_cross_entropy(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """-sum_j y_j log(p_j) on probability rows (seed 001), exactly as Keras's
    ``categorical_crossentropy``: each row divided by its sum, then clipped to
    [1e-7, 1 - 1e-7] (a clipped entry passes no gradient).

    Prediction rows must sum to 1 within 1e-6 (e.g. a softmax). Targets are one-hot (or
    any probability) rows of the same shape, or class indices, one per row."""
    name = "categorical_cross_entropy"
    _check_reduction(reduction, name)
    rows, single = _prediction_rows(predictions, name)
    for i, row in enumerate(rows):
        _check_distribution([v.data for v in row], "predictions", i, name)
    shape = (len(rows), len(rows[0]))
    if _depth(targets) < (1 if single else 2):
        indices = _class_indices(targets, shape[0], shape[1], name)
        target_rows = [[float(j == k) for j in range(shape[1])] for k in indices]
    else:
        target_rows = _target_rows(targets, shape, "targets", name)
        for i, row in enumerate(target_rows):
            _check_distribution(row, "targets", i, name)
    low, high = _KERAS_EPSILON, 1.0 - _KERAS_EPSILON
    terms = []
    for row, target in zip(rows, target_rows, strict=True):
        total = Value.sum(row)
        weights, logs = [], []
        for p, y in zip(row, target, strict=True):
            if y != 0.0:
                q = p / total
                clipped = min(max(q.data, low), high)
                logs.append(q.log() if clipped == q.data else math.log(clipped))
                weights.append(-y)
        terms.append(Value.dot(weights, logs))
    return _reduce(terms, reduction)


def kl_divergence(p: Data, q: Data, *, reduction: str = "mean") -> LossResult:
    """KL(p || q) = sum_j p_j log(p_j / q_j) per row, target p first, prediction q second.

    Both are probability rows (each summing to 1 within 1e-6). ``"mean"`` averages the row
    sums over rows: torch's ``kl_div(q.log(), p, reduction="batchmean")``. Terms with
    p_j = 0 contribute 0, as in torch."""
    name = "kl_divergence"
    _check_reduction(reduction, name)
    rows, _ = _prediction_rows(q, name)
    for i, row in enumerate(rows):
        _check_distribution([v.data for v in row], "predictions q", i, name)
    target_rows = _target_rows(p, (len(rows), len(rows[0])), "targets p", name)
    terms = []
    for i, (row, target) in enumerate(zip(rows, target_rows, strict=True)):
        _check_distribution(target, "targets p", i, name)
        support = [(pj, qj) for pj, qj in zip(target, row, strict=True) if pj > 0.0]
        entropy_part = math.fsum(pj * math.log(pj) for pj, _ in support)
        terms.append(
            Value.dot([-pj for pj, _ in support], [qj.log() for _, qj in support], entropy_part)
        )
    return _reduce(terms, reduction)


def _kl_predictions_first(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """``kl_divergence(targets, predictions)``: the registry's (predictions, targets) order."""
    return kl_divergence(targets, predictions, reduction=reduction)


# -------------------------------------------------------------------- metrics
def _labels(y: Any) -> list[Any]:
    return [v.data if isinstance(v, Value) else v for v in _flatten(y)]


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of labels predicted exactly (eq. 9), a float in [0, 1]. Pass labels, not
    probabilities: e.g. ``[int(p.data > 0.5) for p in outputs]``."""
    truth, guess = _labels(y_true), _labels(y_pred)
    if len(truth) != len(guess):
        raise ValueError(
            f"accuracy: length mismatch: {len(truth)} true labels but {len(guess)} predictions"
        )
    if not truth:
        raise ValueError("accuracy: empty input: got no labels")
    return sum(1 for a, b in zip(truth, guess, strict=True) if a == b) / len(truth)


def zero_one_loss(y_true: Any, y_pred: Any) -> float:
    """Mean misclassification error (eq. 4, 7): the fraction of labels predicted wrong,
    1 - accuracy."""
    return 1.0 - accuracy(y_true, y_pred)


mean_misclassification_error = zero_one_loss


# ------------------------------------------------------------------ registries
LOSSES: dict[str, Callable[..., LossResult]] = {
    "mae": mae,
    "mse": mse,
    "rmse": rmse,
    "huber": huber,
    "pseudo_huber": pseudo_huber,
    "log_cosh": log_cosh,
    "mape": mape,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "categorical_cross_entropy": categorical_cross_entropy,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "kl_divergence": _kl_predictions_first,
}
"""Every loss by name; each entry is called as ``fn(predictions, targets, reduction=...)``."""

METRICS: dict[str, Callable[[Any, Any], float]] = {
    "accuracy": accuracy,
    "zero_one_loss": zero_one_loss,
    "mean_misclassification_error": mean_misclassification_error,
}
"""Label metrics by name; each is called as ``fn(y_true, y_pred)`` and returns a float."""


def get_loss(loss: str | Callable[..., LossResult]) -> Callable[..., LossResult]:
    """The loss registered under ``loss`` (a callable is returned as is)."""
    if callable(loss):
        return loss
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[loss]
