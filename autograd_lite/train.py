"""A Keras-like training loop for autograd_lite models: ``fit``, ``evaluate`` and ``predict``.

``fit`` runs the seeds' three gradient-descent variants through one knob, ``batch_size``:
``None`` is batch GD (one update per epoch), ``1`` is stochastic GD (one update per sample)
and ``k`` is mini-batch GD (``ceil(n / k)`` updates, the last batch keeping the remainder).
Each update builds one graph: a forward pass per sample, the batch loss over all of them,
then ``zero_grad``, ``backward`` and ``optimizer.step()``.

Metrics are given by name or as callables ``metric(y_true, outputs) -> float`` (outputs as
``predict`` returns them). Named metrics: the label metrics of ``losses.METRICS``
(``"accuracy"``, ``"zero_one_loss"``, ...) and ``"mae"``, ``"mse"`` on raw outputs.
Label metrics take the argmax of each output row for multi-output models (targets are class
indices or one-hot rows). For one output it calls ``output > threshold`` the positive class,
the threshold being 0.5 when the outputs are probabilities (the loss is
``binary_cross_entropy`` or the model ends in a sigmoid) and 0 otherwise (logits, tanh or
margin outputs); the negative class is -1 when the targets contain -1 (hinge targets),
else 0. Pass ``threshold=`` to override.
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import TqdmExperimentalWarning, TqdmWarning

with warnings.catch_warnings():  # tqdm.auto warns in Jupyter without ipywidgets; it still works
    warnings.simplefilter("ignore", (TqdmWarning, TqdmExperimentalWarning))
    from tqdm.auto import tqdm

from autograd_lite import losses
from autograd_lite.data import Seed, _paired, batches
from autograd_lite.engine import Value, no_grad
from autograd_lite.optim import make_optimizer

LossLike = str | Callable[..., Value]
MetricLike = str | Callable[[np.ndarray, np.ndarray], float]


class History:
    """What ``fit`` records, like Keras' History object.

    ``history.history`` maps ``"loss"``, each metric name, and with validation data
    ``"val_loss"`` and ``"val_<metric>"``, to one value per epoch; ``history.epoch`` lists the
    epoch indices (0-based). ``"loss"`` is the sample-weighted mean of the batch losses seen
    during the epoch (each taken before its update), training metrics likewise use the outputs
    seen during the epoch; validation values are computed after the epoch's last update.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.snapshots: list[Any] = []  # live.Snapshot every record_every epochs
        self._live: Any = None  # the live.LiveRun of fit(..., live=True / record_every=)

    def wait(self, timeout: float | None = None) -> History:
        """Block until the run ended (``fit(..., live=True)`` trains in the background in
        Jupyter) and return this History; raise what the training raised."""
        return self if self._live is None else self._live.wait(timeout)

    def __await__(self) -> Any:
        """``await history``: wait in a notebook while the live panel's buttons still work."""
        from autograd_lite.live import wait_async

        return wait_async(self).__await__()

    def animate(self, path: str | Path | None = None, fps: float = 4) -> Any:
        """The ``snapshots`` as a GIF (``path`` ending .gif), an HTML page (.html), or, with no
        ``path``, an HTML animation shown inline by Jupyter; see ``plots.animate``."""
        from autograd_lite.plots import animate

        return animate(self.snapshots, path, fps=fps)

    def _record(self, epoch: int, logs: dict[str, float]) -> None:
        self.epoch.append(epoch)
        for name, value in logs.items():
            self.history.setdefault(name, []).append(value)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)})"


def _resolve_loss(loss: LossLike) -> Callable[..., Value]:
    """A loss function from a callable or a name in ``losses.LOSSES``."""
    if not (isinstance(loss, str) or callable(loss)):
        raise TypeError(f"loss must be a name or a callable, got {type(loss).__name__}")
    return losses.get_loss(loss)


def _class_labels(
    y_true: np.ndarray, outputs: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, predicted labels) from targets and raw outputs (see module docstring)."""
    if outputs.ndim == 2:
        true = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
        return true, outputs.argmax(axis=1)
    negative = -1 if np.any(y_true == -1) else 0
    return y_true, np.where(outputs > threshold, 1, negative)


def _on_labels(metric: Callable[[Any, Any], float]) -> Callable[..., float]:
    """A label metric ``f(y_true, y_pred)`` turned into ``f(y_true, outputs, threshold)``."""
    return lambda y_true, outputs, threshold: metric(*_class_labels(y_true, outputs, threshold))


def _single_output(name: str, outputs: np.ndarray) -> None:
    if outputs.ndim != 1:
        raise ValueError(f"metric {name!r} needs a model with one output, got {outputs.shape[1]}")


def _mae(y_true: np.ndarray, outputs: np.ndarray, threshold: float) -> float:
    _single_output("mae", outputs)
    return float(np.mean(np.abs(outputs - y_true)))


def _mse(y_true: np.ndarray, outputs: np.ndarray, threshold: float) -> float:
    _single_output("mse", outputs)
    return float(np.mean((outputs - y_true) ** 2))


METRICS: dict[str, Callable[[np.ndarray, np.ndarray, float], float]] = {
    **{name: _on_labels(metric) for name, metric in losses.METRICS.items()},
    "mae": _mae,
    "mse": _mse,
}
"""Metrics by name, each ``f(y_true, outputs, threshold)``: the label metrics of ``losses``
(accuracy, zero_one_loss, ...) on predicted classes, and mae / mse on raw outputs."""


def _resolve_metrics(
    metrics: Sequence[MetricLike], threshold: float
) -> dict[str, Callable[[np.ndarray, np.ndarray], float]]:
    """Metric name -> ``f(y_true, outputs)``, from names in ``METRICS`` or callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    resolved: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {}
    for metric in metrics:
        if isinstance(metric, str):
            if metric not in METRICS:
                raise ValueError(
                    f"unknown metric {metric!r}; valid names: {', '.join(METRICS)} "
                    "(or pass a callable metric(y_true, outputs) -> float)"
                )
            named = METRICS[metric]
            resolved[metric] = lambda t, o, f=named: f(t, o, threshold)
        elif callable(metric):
            resolved[getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise TypeError(f"a metric must be a name or a callable, got {type(metric).__name__}")
    return resolved


def _threshold(model: Any, loss_fn: Callable[..., Value] | None, threshold: float | None) -> float:
    """The binary decision threshold: explicit, else 0.5 for probability outputs, else 0."""
    if threshold is not None:
        return float(threshold)
    layers = getattr(model, "layers", None)
    last = layers[-1] if layers else model
    probabilities = getattr(loss_fn, "__name__", "") == "binary_cross_entropy"
    return 0.5 if probabilities or getattr(last, "activation", None) == "sigmoid" else 0.0


def _resolve_optimizer(optimizer: Any, model: Any, lr: float | None) -> Any:
    """An optimizer instance, built by name on ``model.parameters()`` when given a name."""
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


def _check_X(X: np.ndarray) -> np.ndarray:
    if X.ndim != 2:
        raise ValueError(f"X must be 2-d (n_samples, n_features), got shape {X.shape}")
    return X


def _output_data(output: Value | Sequence[Value]) -> float | list[float]:
    if isinstance(output, Value):
        return output.data
    return [v.data for v in output]


def _metric_logs(
    metrics: dict[str, Callable[[np.ndarray, np.ndarray], float]],
    y_true: np.ndarray,
    outputs: np.ndarray,
) -> dict[str, float]:
    """Every metric on (targets, outputs); (n, 1) targets pair with one-output models."""
    if outputs.ndim == 1 and y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    return {name: float(f(y_true, outputs)) for name, f in metrics.items()}


def predict(model: Any, X: Any) -> np.ndarray:
    """Model outputs for each row of ``X``, without recording a graph: shape (n,) for a
    one-output model, (n, k) for k outputs."""
    X = _check_X(np.asarray(X, dtype=float))
    with no_grad():
        return np.asarray([_output_data(model(row)) for row in X.tolist()], dtype=float)


def evaluate(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: LossLike | None = None,
    metrics: Sequence[MetricLike] = (),
    threshold: float | None = None,
) -> dict[str, float]:
    """``{"loss": ..., metric: ...}`` for the model on (X, y), computed without a graph."""
    X, y = _paired(X, y)
    X = _check_X(X.astype(float))
    loss_fn = None if loss is None else _resolve_loss(loss)
    metric_fns = _resolve_metrics(metrics, _threshold(model, loss_fn, threshold))
    if loss_fn is None and not metric_fns:
        raise ValueError("evaluate needs a loss= or at least one metric")
    logs: dict[str, float] = {}
    with no_grad():
        preds = [model(row) for row in X.tolist()]
        if loss_fn is not None:
            logs["loss"] = float(loss_fn(preds, y.tolist()).data)
    outputs = np.asarray([_output_data(p) for p in preds], dtype=float)
    logs.update(_metric_logs(metric_fns, y, outputs))
    return logs


def _in_jupyter_kernel() -> bool:
    """True when this code runs in a Jupyter kernel (a process that merely imported
    ipykernel, as nbclient does when it runs notebooks, is not one)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def _bar_disabled(progress: bool) -> bool | None:
    """tqdm's ``disable``: off when asked; in a terminal only on a TTY (None); always shown in
    Jupyter, whose output streams are no TTY but render the bar fine."""
    if not progress:
        return True
    return False if _in_jupyter_kernel() else None


def fit(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: LossLike,
    optimizer: Any = "sgd",
    epochs: int = 1,
    batch_size: int | None = None,
    shuffle: bool = True,
    validation_data: tuple[Any, Any] | None = None,
    metrics: Sequence[MetricLike] = (),
    progress: bool = True,
    seed: Seed = None,
    scheduler: Any = None,
    lr: float | None = None,
    threshold: float | None = None,
    live: bool = False,
    live_every: int | None = None,
    live_sample: int | None = 0,
    live_dir: str | Path | None = None,
    record_every: int | None = None,
) -> History:
    """Train ``model`` on (X, y) and return a ``History``.

    ``loss``: a function from ``autograd_lite.losses`` (called as ``loss(predictions,
    targets)``) or its name. ``optimizer``: an instance built on ``model.parameters()``, or
    a name from ``optim.OPTIMIZERS`` whose learning rate comes from ``lr=``, e.g.
    ``fit(model, X, y, loss="mse", optimizer="adam", lr=0.01)`` (other hyperparameters: build
    the instance yourself). ``batch_size``: ``None`` batch GD, ``1`` SGD, ``k`` mini-batch.
    ``shuffle`` reorders the data every epoch from ``seed``. ``scheduler``: an object whose
    ``step()`` runs once after every epoch (e.g. ``optim.StepLR(opt, 10)``), or a callable
    ``optimizer -> scheduler`` for use with an optimizer name. ``progress`` shows a tqdm bar
    with the running loss when the output is a terminal or notebook.
    """
    X, y = _paired(X, y)
    X = _check_X(X.astype(float))
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    loss_fn = _resolve_loss(loss)
    metric_fns = _resolve_metrics(metrics, _threshold(model, loss_fn, threshold))
    optimizer = _resolve_optimizer(optimizer, model, lr)
    if scheduler is not None and (isinstance(scheduler, type) or not hasattr(scheduler, "step")):
        scheduler = scheduler(optimizer)
    if validation_data is not None:
        if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
            raise ValueError("validation_data must be a pair (X_val, y_val)")
        X_val, y_val = _paired(*validation_data)
        X_val = _check_X(X_val.astype(float))
    rng = np.random.default_rng(seed)
    n = len(X)
    batches(X, y, batch_size, shuffle=False)  # checks batch_size before any work is done
    per_epoch = 1 if batch_size is None else math.ceil(n / batch_size)

    history = History()
    watch = None
    if live or record_every is not None:
        from autograd_lite.live import LiveRun

        watch = LiveRun(
            model, optimizer, X, y, history, loss_fn=loss_fn, epochs=epochs, live=live,
            threshold=_threshold(model, loss_fn, threshold), live_every=live_every,
            live_sample=live_sample, live_dir=live_dir, record_every=record_every,
        )  # fmt: skip
        progress = progress and not watch.in_kernel  # the panel shows the progress

    def loop() -> None:
        with tqdm(total=epochs * per_epoch, unit="batch", disable=_bar_disabled(progress)) as bar:
            for epoch in range(epochs):
                bar.set_description(f"epoch {epoch + 1}/{epochs}")
                total, seen, outputs, targets = 0.0, 0, [], []
                for Xb, yb in batches(X, y, batch_size, shuffle=shuffle, seed=rng):
                    if watch is not None and not watch.gate():
                        return
                    preds = [model(row) for row in Xb.tolist()]
                    batch_loss = loss_fn(preds, yb.tolist())
                    optimizer.zero_grad()
                    batch_loss.backward()
                    optimizer.step()
                    total += batch_loss.data * len(yb)
                    seen += len(yb)
                    if metric_fns:
                        outputs.extend(_output_data(p) for p in preds)
                        targets.append(yb)
                    bar.set_postfix(loss=f"{total / seen:.4g}", refresh=False)
                    bar.update()
                    if watch is not None:
                        watch.after_batch(total / seen)
                logs = {"loss": total / seen}
                if metric_fns:
                    y_seen = np.concatenate(targets)
                    logs.update(_metric_logs(metric_fns, y_seen, np.asarray(outputs, dtype=float)))
                if validation_data is not None:
                    val = evaluate(
                        model, X_val, y_val, loss=loss_fn, metrics=metrics, threshold=threshold
                    )
                    logs.update({f"val_{k}": v for k, v in val.items()})
                if scheduler is not None:
                    scheduler.step()
                history._record(epoch, logs)
                if watch is not None:
                    watch.after_epoch()

    if watch is not None:
        return watch.start(loop)
    loop()
    return history
