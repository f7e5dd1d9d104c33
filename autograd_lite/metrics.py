"""The one metrics registry: label metrics (accuracy, ...) and output metrics (mae, mse).

A metric is registered with what it reads: ``on="labels"`` metrics compare class labels
(``fit`` turns model outputs into labels first, see ``output_labels``), ``on="outputs"``
metrics compare the raw outputs with the targets. Every metric is called as
``metric(y_true, y_pred) -> float``.

>>> METRICS["accuracy"]([0, 1, 1], [0, 1, 0])
0.6666666666666666
>>> METRICS["accuracy"].on
'labels'
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograd_lite import _checks
from autograd_lite._shapes import flatten, is_sequence
from autograd_lite.engine import Value

ON = ("labels", "outputs")


@dataclass(frozen=True)
class Metric:
    """A registered metric: its name, its function and what it reads (labels or outputs).

    >>> METRICS["mse"]([1.0, 2.0], [1.0, 4.0])
    2.0
    """

    name: str
    fn: Callable[[Any, Any], float]
    on: str

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return self.fn(y_true, y_pred)


METRICS: dict[str, Metric] = {}
"""Every metric by name."""


def register_metric(on: str, name: str | None = None) -> Callable[[Callable], Callable]:
    """Decorator adding a ``fn(y_true, y_pred) -> float`` to ``METRICS`` (under ``name``,
    by default the function's name); ``on`` is "labels" or "outputs".

    >>> @register_metric("outputs", name="max_error")
    ... def max_error(y_true, y_pred):
    ...     return float(max(abs(a - b) for a, b in zip(y_true, y_pred)))
    >>> METRICS["max_error"]([1, 2], [1.5, 0])
    2.0
    >>> del METRICS["max_error"]
    """
    _checks.choice("on", on, ON)

    def decorate(fn: Callable[[Any, Any], float]) -> Callable[[Any, Any], float]:
        key = fn.__name__ if name is None else _checks.text("name", name)
        if key in METRICS:
            raise ValueError(f"a metric named {key!r} is already registered")
        METRICS[key] = Metric(key, fn, on)
        return fn

    return decorate


def _values(y: Any, what: str) -> list[Any]:
    """The scalars of ``y`` (a sequence or array; Values give their data), checked."""
    if not is_sequence(y):
        raise TypeError(f"{what} must be a sequence or array of labels, got {_checks.describe(y)}")
    out = [v.data if isinstance(v, Value) else v for v in flatten(y)]
    for i, v in enumerate(out):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, str)):
            raise TypeError(f"{what}[{i}] must be a number or a string, got {_checks.describe(v)}")
    return out


def _paired_values(y_true: Any, y_pred: Any, name: str) -> tuple[list[Any], list[Any]]:
    truth, guess = _values(y_true, "y_true"), _values(y_pred, "y_pred")
    if len(truth) != len(guess):
        raise ValueError(
            f"{name}: length mismatch: {len(truth)} true labels but {len(guess)} predictions"
        )
    if not truth:
        raise ValueError(f"{name}: empty input: got no labels")
    return truth, guess


@register_metric("labels")
def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of labels predicted exactly, a float in [0, 1]. Pass labels, not
    probabilities: e.g. ``[int(p.data > 0.5) for p in outputs]``.

    >>> accuracy([1, 0, 1, 1], [1, 0, 0, 1])
    0.75
    """
    truth, guess = _paired_values(y_true, y_pred, "accuracy")
    return sum(1 for a, b in zip(truth, guess, strict=True) if a == b) / len(truth)


@register_metric("labels")
def zero_one_loss(y_true: Any, y_pred: Any) -> float:
    """Mean misclassification error, the fraction of labels predicted wrong: 1 - accuracy.

    >>> zero_one_loss([1, 0, 1, 1], [1, 0, 0, 1])
    0.25
    """
    return 1.0 - accuracy(y_true, y_pred)


mean_misclassification_error = zero_one_loss
register_metric("labels", name="mean_misclassification_error")(zero_one_loss)


def _numbers(y_true: Any, y_pred: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    truth, guess = _paired_values(y_true, y_pred, name)
    if any(isinstance(v, str) for v in (*truth, *guess)):
        raise TypeError(f"{name}: needs numbers, got strings")
    return np.asarray(truth, dtype=float), np.asarray(guess, dtype=float)


@register_metric("outputs", name="mae")
def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """Mean of |y_pred - y_true| over the outputs (a number, unlike ``losses.mae``).

    >>> mean_absolute_error([1.0, 2.0], [2.0, 2.0])
    0.5
    """
    truth, guess = _numbers(y_true, y_pred, "mae")
    return float(np.mean(np.abs(guess - truth)))


@register_metric("outputs", name="mse")
def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """Mean of (y_pred - y_true)^2 over the outputs (a number, unlike ``losses.mse``).

    >>> mean_squared_error([1.0, 2.0], [2.0, 2.0])
    0.5
    """
    truth, guess = _numbers(y_true, y_pred, "mse")
    return float(np.mean((guess - truth) ** 2))


def output_labels(
    y_true: np.ndarray, outputs: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, predicted labels) from targets and model outputs.

    Rows of outputs (several per sample) give their argmax, and one-hot target rows theirs.
    One output per sample is the positive class where it exceeds ``threshold``; the
    negative class is -1 when the targets contain -1 (margin targets), else 0.

    >>> output_labels(np.array([0, 1]), np.array([0.2, 0.9]), 0.5)
    (array([0, 1]), array([0, 1]))
    """
    if outputs.ndim == 2:
        true = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
        return true, outputs.argmax(axis=1)
    negative = -1 if np.any(y_true == -1) else 0
    return y_true, np.where(outputs > threshold, 1, negative)


def get_metric(metric: str) -> Metric:
    """The metric registered under ``metric``.

    >>> get_metric("accuracy").name
    'accuracy'
    """
    _checks.text("metric", metric)
    if metric not in METRICS:
        raise ValueError(
            f"unknown metric {metric!r}; valid names: {', '.join(METRICS)} "
            "(or pass a callable metric(y_true, outputs) -> float)"
        )
    return METRICS[metric]
