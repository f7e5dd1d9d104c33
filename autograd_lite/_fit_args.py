"""Checking and resolving ``fit``'s, ``evaluate``'s and ``predict``'s arguments: the model,
the data, the loss, the metrics, the optimizer, the scheduler, the validation data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograd_lite import _checks, losses
from autograd_lite import metrics as metrics_
from autograd_lite.data import paired
from autograd_lite.engine import Value
from autograd_lite.optim import make_optimizer

LossLike = str | Callable[..., Value]
MetricLike = str | Callable[[np.ndarray, np.ndarray], float]
MetricFns = dict[str, Callable[[np.ndarray, np.ndarray], float]]


def resolve_loss(loss: LossLike) -> Callable[..., Value]:
    """A loss function from a callable or a name in ``losses.LOSSES``."""
    if not (isinstance(loss, str) or callable(loss)):
        raise TypeError(f"loss must be a name or a callable, got {_checks.describe(loss)}")
    return losses.get_loss(loss)


def on_outputs(metric: metrics_.Metric, threshold: float) -> Callable[..., float]:
    """A registered metric as ``f(y_true, outputs)``: label metrics see predicted classes."""
    if metric.on == "labels":
        return lambda y_true, outputs: metric(*metrics_.output_labels(y_true, outputs, threshold))

    def on_raw(y_true: np.ndarray, outputs: np.ndarray) -> float:
        if outputs.ndim != 1:
            raise ValueError(
                f"metric {metric.name!r} needs a model with one output, got {outputs.shape[1]}"
            )
        return metric(y_true, outputs)

    return on_raw


def resolve_metrics(metrics: Sequence[MetricLike], threshold: float) -> MetricFns:
    """Metric name -> ``f(y_true, outputs)``, from names in ``metrics.METRICS`` or callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    if not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be a list of names or callables, got {metrics!r:.60}")
    resolved: MetricFns = {}
    for metric in metrics:
        if isinstance(metric, str):
            resolved[metric] = on_outputs(metrics_.get_metric(metric), threshold)
        elif callable(metric):
            resolved[getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise TypeError(
                f"a metric must be a name or a callable, got {_checks.describe(metric)}"
            )
    return resolved


def decision_threshold(model: Any, loss_fn: Callable[..., Value] | None, threshold: Any) -> float:
    """The binary decision threshold: explicit, else 0.5 for probability outputs, else 0."""
    if threshold is not None:
        return _checks.real("threshold", threshold)
    layers = getattr(model, "layers", None)
    last = layers[-1] if layers else model
    info = None if loss_fn is None else losses.loss_info(loss_fn)
    probabilities = info is not None and info.output == "probability"
    return 0.5 if probabilities or getattr(last, "activation", None) == "sigmoid" else 0.0


def resolve_optimizer(optimizer: Any, model: Any, lr: float | None) -> Any:
    """An optimizer instance, built by name on ``model.parameters()`` when given a name."""
    if lr is not None:
        lr = _checks.non_negative("lr", lr)
    if isinstance(optimizer, str):
        kwargs = {} if lr is None else {"lr": lr}
        return make_optimizer(optimizer, model.parameters(), **kwargs)
    if lr is not None:
        raise ValueError(
            "lr= is only used with an optimizer name, e.g. optimizer='adam', lr=0.01; "
            "an optimizer instance keeps its own rate (set optimizer.lr instead)"
        )
    if not (callable(getattr(optimizer, "step", None)) and hasattr(optimizer, "zero_grad")):
        raise TypeError(
            f"optimizer must be a name or an object with step() and zero_grad(), "
            f"got {type(optimizer).__name__}"
        )
    owned = getattr(optimizer, "params", None)
    if owned is not None and not {id(p) for p in owned} & {id(p) for p in model.parameters()}:
        raise ValueError("the optimizer was built on other parameters than model.parameters()")
    return optimizer


def check_model(model: Any) -> Any:
    if not callable(model):
        raise TypeError(
            f"model must be a Module (or any callable taking one input row), "
            f"got {_checks.describe(model)}"
        )
    return model


def features(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a 2-d float array (n_samples, n_features)."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold real numbers, got {X!r:.60}") from None
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-d (n_samples, n_features), got shape {X.shape}")
    return X


def xy_arrays(X: Any, y: Any, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    X, y = paired(X, y)
    return features(X, name), y


def resolve_scheduler(scheduler: Any, optimizer: Any) -> Any:
    """None, an object with ``step()``, or a callable ``optimizer -> scheduler``."""
    if scheduler is None or (
        not isinstance(scheduler, type) and callable(getattr(scheduler, "step", None))
    ):
        return scheduler
    if not callable(scheduler):
        raise TypeError(
            f"scheduler must be an object with step() or a callable optimizer -> scheduler, "
            f"got {_checks.describe(scheduler)}"
        )
    built = scheduler(optimizer)
    if not callable(getattr(built, "step", None)):
        raise TypeError(
            f"scheduler(optimizer) must return an object with step(), got {_checks.describe(built)}"
        )
    return built


def validation_pair(validation_data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if validation_data is None:
        return None
    if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
        raise ValueError(
            f"validation_data must be a pair (X_val, y_val), got {validation_data!r:.60}"
        )
    return xy_arrays(*validation_data, name="X_val")
