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
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import TqdmExperimentalWarning, TqdmWarning

with warnings.catch_warnings():  # tqdm.auto warns in Jupyter without ipywidgets; it still works
    warnings.simplefilter("ignore", (TqdmWarning, TqdmExperimentalWarning))
    from tqdm.auto import tqdm

from autograd_lite import _checks
from autograd_lite._fit_args import (
    LossLike,
    MetricFns,
    MetricLike,
    check_model,
    decision_threshold,
    features,
    resolve_loss,
    resolve_metrics,
    resolve_optimizer,
    resolve_scheduler,
    validation_pair,
    xy_arrays,
)
from autograd_lite._jupyter import in_kernel
from autograd_lite.data import Seed, batches
from autograd_lite.engine import Value, no_grad
from autograd_lite.history import History
from autograd_lite.jit.training import ModelProgram


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
    check_model(model)
    X = features(X)
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
    check_model(model)
    X, y = xy_arrays(X, y)
    loss_fn = None if loss is None else resolve_loss(loss)
    metric_fns = resolve_metrics(metrics, decision_threshold(model, loss_fn, threshold))
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


def _bar_disabled(progress: bool) -> bool | None:
    """tqdm's ``disable``: off when asked; in a terminal only on a TTY (None); always shown in
    Jupyter, whose output streams are no TTY but render the bar fine."""
    if not progress:
        return True
    return False if in_kernel() else None


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
    check_model(model)
    X, y = xy_arrays(X, y)
    epochs = _checks.integer("epochs", epochs, minimum=1)
    shuffle = _checks.flag("shuffle", shuffle)
    progress = _checks.flag("progress", progress)
    loss_fn = resolve_loss(loss)
    metric_fns = resolve_metrics(metrics, decision_threshold(model, loss_fn, threshold))
    optimizer = resolve_optimizer(optimizer, model, lr)
    scheduler = resolve_scheduler(scheduler, optimizer)
    validation = validation_pair(validation_data)
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
            threshold=decision_threshold(model, loss_fn, threshold), live_every=live_every,
            live_sample=live_sample, live_dir=live_dir, record_every=record_every,
        )  # fmt: skip
        progress = progress and not watch.in_kernel  # the panel shows the progress
    run = _Run(
        model, X, y, loss_fn, optimizer, history, program=program, watch=watch,
        metric_fns=metric_fns, metrics=metrics, threshold=threshold, validation=validation,
        scheduler=scheduler, batch_size=batch_size, shuffle=shuffle, rng=rng,
    )  # fmt: skip
    total = epochs * per_epoch
    if watch is not None:
        return watch.start(lambda: run.epochs(epochs, total, progress))
    run.epochs(epochs, total, progress)
    return history


@dataclass
class _Run:
    """One ``fit`` call's training loop: epochs of batches, each an update of the model."""

    model: Any
    X: np.ndarray
    y: np.ndarray
    loss_fn: Callable[..., Value]
    optimizer: Any
    history: History
    program: ModelProgram | None  # the jitted per-sample program, with jit=True
    watch: Any  # the live view (autograd_lite.live.LiveRun), or None
    metric_fns: MetricFns
    metrics: Sequence[MetricLike]
    threshold: float | None
    validation: tuple[np.ndarray, np.ndarray] | None
    scheduler: Any
    batch_size: int | None
    shuffle: bool
    rng: np.random.Generator

    def epochs(self, epochs: int, total: int, progress: bool) -> None:
        """Train ``epochs`` epochs (a live view's stop ends it early); on Ctrl-C mark the
        History interrupted, attach it to the exception and let the exception go on."""
        try:
            with tqdm(total=total, unit="batch", disable=_bar_disabled(progress)) as bar:
                for epoch in range(epochs):
                    bar.set_description(f"epoch {epoch + 1}/{epochs}")
                    if not self.epoch(epoch, bar):
                        return
        except KeyboardInterrupt as interrupt:
            self.history.interrupted = True
            interrupt.history = self.history
            raise

    def epoch(self, epoch: int, bar: Any) -> bool:
        """One epoch and its History entry; False when the live view stopped the run."""
        running = _Epoch(keep_outputs=bool(self.metric_fns))
        for Xb, yb in batches(self.X, self.y, self.batch_size, shuffle=self.shuffle, seed=self.rng):
            if self.watch is not None and not self.watch.gate():
                return False
            batch_loss, preds = self.update(Xb.tolist(), yb.tolist())
            running.add(batch_loss, preds, yb)
            bar.set_postfix(loss=f"{running.loss:.4g}", refresh=False)
            bar.update()
            if self.watch is not None:
                self.watch.after_batch(running.loss)
        logs = {"loss": running.loss}
        if self.metric_fns:
            outputs = np.asarray(running.outputs, dtype=float)
            logs.update(_metric_logs(self.metric_fns, np.concatenate(running.targets), outputs))
        if self.validation is not None:
            val = evaluate(self.model, *self.validation, loss=self.loss_fn, metrics=self.metrics,
                           threshold=self.threshold)  # fmt: skip
            logs.update({f"val_{k}": v for k, v in val.items()})
        if self.scheduler is not None:
            self.scheduler.step()
        self.history._record(epoch, logs)
        if self.watch is not None:
            self.watch.after_epoch()
        return True

    def update(self, rows: list, targets: list) -> tuple[Value, list]:
        """One gradient-descent update on a batch: forward, zero_grad, backward, step (through
        the jitted per-sample program with ``jit=True``); the batch loss and the outputs."""
        self.optimizer.zero_grad()
        if self.program is None:
            preds = [self.model(row) for row in rows]
            batch_loss = _batch_loss(self.loss_fn, preds, targets)
            batch_loss.backward()
        else:
            batch_loss, preds = self.program.step(
                rows, targets, lambda p, t: _batch_loss(self.loss_fn, p, t)
            )
        self.optimizer.step()
        return batch_loss, preds
