"""A Keras-like training loop for autograd_lite models: ``fit``, ``evaluate`` and ``predict``.

``fit`` runs the three gradient-descent variants of the lectures (batch, stochastic and
mini-batch GD, as in M. Othman's "ANNs Training: Loss Functions & Optimizers") through one
knob, ``batch_size``:
``None`` is batch GD (one update per epoch), ``1`` is stochastic GD (one update per sample)
and ``k`` is mini-batch GD (``ceil(n / k)`` updates, the last batch keeping the remainder).
Each update builds one graph: a forward pass per sample, the batch loss over all of them,
then ``zero_grad``, ``backward`` and ``optimizer.step()``.

Metrics are given by name or as callables ``metric(y_true, outputs) -> float`` (outputs as
``predict`` returns them). Named metrics: the registry ``metrics.METRICS``, label
metrics (``"accuracy"``, ``"zero_one_loss"``, ...) and output metrics (``"mae"``, ``"mse"``).
Label metrics take the argmax of each output row for multi-output models (targets are class
indices or one-hot rows). For one output it calls ``output > threshold`` the positive class,
the threshold being 0.5 when the outputs are probabilities (the loss is registered with
output "probability", or the model ends in a sigmoid) and 0 otherwise (logits, tanh or
margin outputs); the negative class is -1 when the targets contain -1 (hinge targets),
else 0. Pass ``threshold=`` to override.
"""

from __future__ import annotations

import contextlib
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

from autograd_lite import _checks, losses
from autograd_lite import metrics as metrics_
from autograd_lite.data import Seed, batches, paired
from autograd_lite.engine import Value, no_grad
from autograd_lite.jit.training import ModelProgram
from autograd_lite.optim import make_optimizer

LossLike = str | Callable[..., Value]
MetricLike = str | Callable[[np.ndarray, np.ndarray], float]
MetricFns = dict[str, Callable[[np.ndarray, np.ndarray], float]]


class History:
    """What ``fit`` records, like Keras' History object.

    ``history.history`` maps ``"loss"``, each metric name, and with validation data
    ``"val_loss"`` and ``"val_<metric>"``, to one value per epoch; ``history.epoch`` lists the
    epoch indices (0-based). ``"loss"`` is the sample-weighted mean of the batch losses seen
    during the epoch (each taken before its update), training metrics likewise use the outputs
    seen during the epoch; validation values are computed after the epoch's last update.
    ``interrupted`` is True when a ``KeyboardInterrupt`` stopped ``fit``: the History then
    holds the epochs that finished (``fit`` also leaves it on ``model.history`` and on the
    exception's ``history``).

    >>> h = History()
    >>> h._record(0, {"loss": 0.5})
    >>> h.history, h.epoch
    ({'loss': [0.5]}, [0])
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.interrupted = False
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
        stopped = ", interrupted" if self.interrupted else ""
        return f"History(epochs={len(self.epoch)}, keys={list(self.history)}{stopped})"


def _resolve_loss(loss: LossLike) -> Callable[..., Value]:
    """A loss function from a callable or a name in ``losses.LOSSES``."""
    if not (isinstance(loss, str) or callable(loss)):
        raise TypeError(f"loss must be a name or a callable, got {_checks.describe(loss)}")
    return losses.get_loss(loss)


def _on_outputs(metric: metrics_.Metric, threshold: float) -> Callable[..., float]:
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


def _resolve_metrics(metrics: Sequence[MetricLike], threshold: float) -> MetricFns:
    """Metric name -> ``f(y_true, outputs)``, from names in ``metrics.METRICS`` or callables."""
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    if not isinstance(metrics, Sequence):
        raise TypeError(f"metrics must be a list of names or callables, got {metrics!r:.60}")
    resolved: MetricFns = {}
    for metric in metrics:
        if isinstance(metric, str):
            resolved[metric] = _on_outputs(metrics_.get_metric(metric), threshold)
        elif callable(metric):
            resolved[getattr(metric, "__name__", type(metric).__name__)] = metric
        else:
            raise TypeError(
                f"a metric must be a name or a callable, got {_checks.describe(metric)}"
            )
    return resolved


def _threshold(model: Any, loss_fn: Callable[..., Value] | None, threshold: Any) -> float:
    """The binary decision threshold: explicit, else 0.5 for probability outputs, else 0."""
    if threshold is not None:
        return _checks.real("threshold", threshold)
    layers = getattr(model, "layers", None)
    last = layers[-1] if layers else model
    info = None if loss_fn is None else losses.loss_info(loss_fn)
    probabilities = info is not None and info.output == "probability"
    return 0.5 if probabilities or getattr(last, "activation", None) == "sigmoid" else 0.0


def _resolve_optimizer(optimizer: Any, model: Any, lr: float | None) -> Any:
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


def _check_model(model: Any) -> Any:
    if not callable(model):
        raise TypeError(
            f"model must be a Module (or any callable taking one input row), "
            f"got {_checks.describe(model)}"
        )
    return model


def _features(X: Any, name: str = "X") -> np.ndarray:
    """``X`` as a 2-d float array (n_samples, n_features)."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold real numbers, got {X!r:.60}") from None
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-d (n_samples, n_features), got shape {X.shape}")
    return X


def _data(X: Any, y: Any, name: str = "X") -> tuple[np.ndarray, np.ndarray]:
    X, y = paired(X, y)
    return _features(X, name), y


def _output_data(output: Value | Sequence[Value]) -> float | list[float]:
    if isinstance(output, Value):
        return output.data
    return [v.data for v in output]


def _metric_logs(metrics: MetricFns, y_true: np.ndarray, outputs: np.ndarray) -> dict[str, float]:
    """Every metric on (targets, outputs); (n, 1) targets pair with one-output models."""
    if outputs.ndim == 1 and y_true.ndim == 2 and y_true.shape[1] == 1:
        y_true = y_true[:, 0]
    return {name: float(f(y_true, outputs)) for name, f in metrics.items()}


def predict(model: Any, X: Any) -> np.ndarray:
    """Model outputs for each row of ``X``, without recording a graph: shape (n,) for a
    one-output model, (n, k) for k outputs.

    >>> def double(row):
    ...     return Value(2 * row[0])
    >>> predict(double, [[1.0], [2.0]])
    array([2., 4.])
    """
    _check_model(model)
    X = _features(X)
    with no_grad():
        return np.asarray([_output_data(model(row)) for row in X.tolist()], dtype=float)


def _batch_loss(loss_fn: Callable[..., Value], preds: list[Any], targets: list[Any]) -> Value:
    """The loss of one batch, which must be a single Value (a graph to backpropagate)."""
    out = loss_fn(preds, targets)
    if not isinstance(out, Value):
        raise TypeError(
            f"loss must return a Value (one scalar node of the graph), got {_checks.describe(out)}"
            "; with a library loss keep reduction='mean' or 'sum'"
        )
    return out


def evaluate(
    model: Any,
    X: Any,
    y: Any,
    *,
    loss: LossLike | None = None,
    metrics: Sequence[MetricLike] = (),
    threshold: float | None = None,
) -> dict[str, float]:
    """``{"loss": ..., metric: ...}`` for the model on (X, y), computed without a graph.

    >>> def double(row):
    ...     return Value(2 * row[0])
    >>> evaluate(double, [[1.0], [2.0]], [2.0, 3.0], loss="mse")
    {'loss': 0.5}
    """
    _check_model(model)
    X, y = _data(X, y)
    loss_fn = None if loss is None else _resolve_loss(loss)
    metric_fns = _resolve_metrics(metrics, _threshold(model, loss_fn, threshold))
    if loss_fn is None and not metric_fns:
        raise ValueError("evaluate needs a loss= or at least one metric")
    logs: dict[str, float] = {}
    with no_grad():
        preds = [model(row) for row in X.tolist()]
        if loss_fn is not None:
            logs["loss"] = float(_batch_loss(loss_fn, preds, y.tolist()).data)
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


def _resolve_scheduler(scheduler: Any, optimizer: Any) -> Any:
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


def _validation(validation_data: Any) -> tuple[np.ndarray, np.ndarray] | None:
    if validation_data is None:
        return None
    if not (isinstance(validation_data, tuple | list) and len(validation_data) == 2):
        raise ValueError(
            f"validation_data must be a pair (X_val, y_val), got {validation_data!r:.60}"
        )
    return _data(*validation_data, name="X_val")


class _Epoch:
    """The running totals of one epoch: loss weighted by batch size, outputs and targets."""

    def __init__(self, keep_outputs: bool) -> None:
        self.total, self.seen = 0.0, 0
        self.keep_outputs = keep_outputs
        self.outputs: list[Any] = []
        self.targets: list[np.ndarray] = []

    def add(self, batch_loss: Value, preds: list[Any], yb: np.ndarray) -> None:
        self.total += batch_loss.data * len(yb)
        self.seen += len(yb)
        if self.keep_outputs:
            self.outputs.extend(_output_data(p) for p in preds)
            self.targets.append(yb)

    @property
    def loss(self) -> float:
        return self.total / self.seen


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
    jit: bool = False,
) -> History:
    """Train ``model`` on (X, y) and return a ``History`` (also kept as ``model.history``).

    ``loss``: a function from ``autograd_lite.losses`` (called as ``loss(predictions,
    targets)``) or its name. ``optimizer``: an instance built on ``model.parameters()``, or
    a name from ``optim.OPTIMIZERS`` whose learning rate comes from ``lr=``, e.g.
    ``fit(model, X, y, loss="mse", optimizer="adam", lr=0.01)`` (other hyperparameters: build
    the instance yourself). ``batch_size``: ``None`` batch GD, ``1`` SGD, ``k`` mini-batch.
    ``shuffle`` reorders the data every epoch from ``seed``. ``scheduler``: an object whose
    ``step()`` runs once after every epoch (e.g. ``optim.StepLR(opt, 10)``), or a callable
    ``optimizer -> scheduler`` for use with an optimizer name. ``progress`` shows a tqdm bar
    with the running loss when the output is a terminal or notebook. ``jit=True`` runs the
    model through its per-sample program compiled by ``autograd_lite.jit``: the same numbers
    as eager training, in about half the time (the loss is still built eagerly).

    Watching (``autograd_lite.live``): ``live=True`` shows a panel that updates while training
    runs (loss curves, metric, decision boundary for 2-D inputs, the graph of row
    ``live_sample`` of X, parameters with the optimizer's state; pause / step one batch /
    stop). In Jupyter training then runs in a background thread: ``fit`` returns the History
    at once, ``await history`` or ``history.wait()`` waits for the end. Elsewhere the frames go
    to ``live_dir`` (default: a new ``live-<time>`` folder in the working directory).
    ``live_every=k`` draws every k steps instead of every epoch; ``record_every=k`` keeps a
    snapshot every k epochs in ``history.snapshots`` for ``history.animate(path)``.

    Ctrl-C (``KeyboardInterrupt``) stops training and propagates; the History of the epochs
    that finished stays reachable as ``model.history`` and as the exception's ``history``
    (``history.interrupted`` is True), and the model keeps its weights.

    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.data import make_moons
    >>> X, y = make_moons(20, noise=0.1, seed=0)
    >>> model = MLP(2, [4, 1], seed=0)
    >>> h = fit(model, X, y, loss="binary_cross_entropy_with_logits", epochs=2, progress=False)
    >>> len(h.history["loss"]), model.history is h
    (2, True)
    """
    _check_model(model)
    X, y = _data(X, y)
    epochs = _checks.integer("epochs", epochs, minimum=1)
    shuffle = _checks.flag("shuffle", shuffle)
    progress = _checks.flag("progress", progress)
    loss_fn = _resolve_loss(loss)
    metric_fns = _resolve_metrics(metrics, _threshold(model, loss_fn, threshold))
    optimizer = _resolve_optimizer(optimizer, model, lr)
    scheduler = _resolve_scheduler(scheduler, optimizer)
    validation = _validation(validation_data)
    rng = _checks.generator("seed", seed)
    program = ModelProgram(model) if _checks.flag("jit", jit) else None
    batches(X, y, batch_size, shuffle=False)  # checks batch_size before any work is done
    per_epoch = 1 if batch_size is None else math.ceil(len(X) / batch_size)

    history = History()
    with contextlib.suppress(AttributeError):  # Keras keeps the History on the model
        model.history = history
    watch = None
    if live or record_every is not None:  # the live view (autograd_lite.live) watches the loop
        from autograd_lite.live import LiveRun

        watch = LiveRun(
            model, optimizer, X, y, history, loss_fn=loss_fn, epochs=epochs, live=live,
            threshold=_threshold(model, loss_fn, threshold), live_every=live_every,
            live_sample=live_sample, live_dir=live_dir, record_every=record_every,
        )  # fmt: skip
        progress = progress and not watch.in_kernel  # the panel shows the progress

    def loop() -> None:
        try:
            with tqdm(
                total=epochs * per_epoch, unit="batch", disable=_bar_disabled(progress)
            ) as bar:
                for epoch in range(epochs):
                    bar.set_description(f"epoch {epoch + 1}/{epochs}")
                    running = _Epoch(keep_outputs=bool(metric_fns))
                    for Xb, yb in batches(X, y, batch_size, shuffle=shuffle, seed=rng):
                        if watch is not None and not watch.gate():
                            return
                        if program is None:
                            preds = [model(row) for row in Xb.tolist()]
                            batch_loss = _batch_loss(loss_fn, preds, yb.tolist())
                            optimizer.zero_grad()
                            batch_loss.backward()
                        else:
                            optimizer.zero_grad()
                            batch_loss, preds = program.step(
                                Xb.tolist(), yb.tolist(), lambda p, t: _batch_loss(loss_fn, p, t)
                            )
                        optimizer.step()
                        running.add(batch_loss, preds, yb)
                        bar.set_postfix(loss=f"{running.loss:.4g}", refresh=False)
                        bar.update()
                        if watch is not None:
                            watch.after_batch(running.loss)
                    logs = {"loss": running.loss}
                    if metric_fns:
                        outputs = np.asarray(running.outputs, dtype=float)
                        logs.update(
                            _metric_logs(metric_fns, np.concatenate(running.targets), outputs)
                        )
                    if validation is not None:
                        val = evaluate(model, *validation, loss=loss_fn, metrics=metrics,
                                       threshold=threshold)  # fmt: skip
                        logs.update({f"val_{k}": v for k, v in val.items()})
                    if scheduler is not None:
                        scheduler.step()
                    history._record(epoch, logs)
                    if watch is not None:
                        watch.after_epoch()
        except KeyboardInterrupt as interrupt:
            history.interrupted = True
            interrupt.history = history
            raise

    if watch is not None:
        return watch.start(loop)
    loop()
    return history
