"""Watch a network learn: a live panel while ``fit`` runs, frames on disk, snapshots for slides.

``fit(..., live=True)`` hands each batch and each finished epoch to a ``LiveRun``. In a
Jupyter kernel the run shows one panel (an anywidget) with the loss curves, the current
metric, the decision boundary or fitted surface for 2-D inputs, the graph of one sample
(``live_sample=i``, folded like ``draw_dot(module=)``) with its data and gradients, and a
table of every parameter with its gradient and the optimizer's state, plus pause / resume /
"step one batch" / stop buttons. Elsewhere (a script, ``autograd-lite train``) the same
frames go to a folder (``live_dir=``). ``record_every=k`` keeps a ``Snapshot`` every k
epochs in ``history.snapshots``; ``history.animate(path)`` turns them into a GIF or HTML.

Why a thread in a kernel: while a cell's code runs, ipykernel 7 handles no widget message
(a click waits until the cell ends, also when JupyterLab sends comms over subshells), and
jupyter-ui-poll has nothing to call on ipykernel 7. So there training runs in a background
thread: ``fit`` returns the History at once, the panel's buttons work, ``history.wait()``
blocks until the end and ``await history`` waits while still letting the buttons through
(ipykernel dispatches widget messages while an async cell awaits).

Watching costs a bounded share of the time: counters are updated every epoch, but a full
frame (grid of predictions, figure, sample graph, table) is drawn only while the time spent
drawing stays under ``overhead`` (a quarter) of the time spent training, and always last.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import _checks, _jupyter
from autograd_lite.engine import Value, no_grad
from autograd_lite.live.panel import FolderSink, PanelSink
from autograd_lite.live.table import MAX_TABLE_ROWS, STATE_NAMES, StateTable, sample_graph
from autograd_lite.viz.names import fmt

__all__ = ["GRID_SIZE", "MAX_TABLE_ROWS", "STATE_NAMES", "LiveRun", "Scene", "Snapshot",
           "StateTable", "current", "sample_graph", "wait_async"]  # fmt: skip
GRID_SIZE = 30  # predictions per side of the decision-boundary grid
_current: LiveRun | None = None


def current() -> LiveRun | None:
    """The ``LiveRun`` of the latest ``fit(..., live=True)`` in this process (or None).

    >>> current() is None or isinstance(current(), LiveRun)
    True
    """
    return _current


@dataclass
class Scene:
    """What stays fixed during a run: the training points, the task and the grid's axes."""

    X: np.ndarray
    y: np.ndarray
    task: str  # "classification" or "regression"
    threshold: float
    epochs: int
    metric: str | None
    grid_x: np.ndarray | None = None
    grid_y: np.ndarray | None = None


@dataclass
class Snapshot:
    """The state of a run after ``epoch`` finished epochs and ``step`` optimizer steps.

    ``loss`` is the History's loss of the latest finished epoch (the running mean of the
    current one for a mid-epoch frame), ``logs`` its other numbers, ``curves`` the History so
    far, ``grid`` the model's outputs over ``scene.grid_x`` x ``scene.grid_y`` (2-D inputs).
    """

    epoch: int
    step: int
    loss: float
    logs: dict[str, float]
    curves: dict[str, list[float]]
    scene: Scene = field(repr=False)
    grid: np.ndarray | None = field(default=None, repr=False)


def _task(loss_fn: Callable[..., Value]) -> str:
    """ "regression" for a registered regression loss, else "classification" (the boundary)."""
    from autograd_lite.loss_registry import REGISTRY

    info = REGISTRY.get(getattr(loss_fn, "__name__", ""))
    return "regression" if info is not None and info.task == "regression" else "classification"


class _Control:
    """Pause / resume / step-one-batch / stop, shared by the panel and the training thread."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.paused = False
        self.stopping = False
        self._credit = 0  # batches allowed while paused ("step one batch")

    def pause(self) -> None:
        with self._cond:
            self.paused = True

    def resume(self) -> None:
        with self._cond:
            self.paused = False
            self._cond.notify_all()

    def step(self) -> None:
        with self._cond:
            if self.paused:
                self._credit += 1
                self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.stopping, self.paused = True, False
            self._cond.notify_all()

    def gate(self, on_wait: Callable[[], None]) -> tuple[bool, bool]:
        """Block while paused; return (go on?, was this a single step?)."""
        with self._cond:
            if self.paused and not self._credit and not self.stopping:
                on_wait()
            while self.paused and not self._credit and not self.stopping:
                self._cond.wait()
            single = self.paused and self._credit > 0
            if single:
                self._credit -= 1
            return not self.stopping, single


class LiveRun:
    """One watched training run: ``fit`` calls ``gate()`` before each batch, ``after_batch``
    after each optimizer step, ``after_epoch`` after each recorded epoch, and ``start(loop)``
    to run its loop (in a background thread inside a Jupyter kernel, else right here).

    ``live``: show the panel (kernel) or write frames to ``live_dir`` (elsewhere);
    ``live_every``: a frame every that many steps instead of every epoch; ``live_sample``:
    the row of X whose graph is drawn (None: no graph); ``record_every``: keep a snapshot
    every that many epochs (and after the last) in ``history.snapshots``; ``overhead``: the
    largest share of the training time spent drawing frames.

    In Jupyter the model belongs to the run until it ends: grad mode (``no_grad``) is
    process-wide, so ``predict`` in another cell while it trains would disturb the training;
    ``await history`` first.

    >>> from autograd_lite.data import make_moons
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.train import fit
    >>> X, y = make_moons(20, noise=0.1, seed=0)
    >>> h = fit(MLP(2, [3, 1], seed=0), X, y, loss="mse", epochs=3, record_every=2,
    ...         progress=False)
    >>> current().status, [s.epoch for s in h.snapshots]
    ('done', [2, 3])
    """

    def __init__(
        self,
        model: Any,
        optimizer: Any,
        X: np.ndarray,
        y: np.ndarray,
        history: Any,
        *,
        loss_fn: Callable[..., Value],
        epochs: int,
        threshold: float = 0.0,
        live: bool = True,
        live_every: int | None = None,
        live_sample: int | None = 0,
        live_dir: str | Path | None = None,
        record_every: int | None = None,
        overhead: float = 0.25,
        in_kernel: bool | None = None,
    ) -> None:
        global _current
        self.live = _checks.flag("live", live)
        self.live_every = (
            None if live_every is None else _checks.integer("live_every", live_every, minimum=1)
        )
        self.record_every = (
            None
            if record_every is None
            else _checks.integer("record_every", record_every, minimum=1)
        )
        if live_sample is not None:
            live_sample = _checks.integer("live_sample", live_sample, minimum=0)
            if live_sample >= len(X):
                raise ValueError(f"live_sample must be a row of X (< {len(X)}), got {live_sample}")
        self.live_sample = live_sample
        self.overhead = _checks.positive("overhead", overhead)
        self.model, self.optimizer, self.loss_fn, self.history = model, optimizer, loss_fn, history
        task = _task(loss_fn)
        self.scene = Scene(
            np.asarray(X, float), np.asarray(y), task, float(threshold), epochs, None
        )
        if self.scene.X.shape[1] == 2:
            low, high = self.scene.X.min(axis=0), self.scene.X.max(axis=0)
            pad = 0.1 * np.maximum(high - low, 1e-9)
            self.scene.grid_x = np.linspace(low[0] - pad[0], high[0] + pad[0], GRID_SIZE)
            self.scene.grid_y = np.linspace(low[1] - pad[1], high[1] + pad[1], GRID_SIZE)
        if not hasattr(history, "snapshots"):
            history.snapshots = []
        history._live = self
        self.control = _Control()
        self.epoch = self.step = self.frames = 0
        self.table: StateTable | None = None  # the table of the latest frame
        self.error: BaseException | None = None
        self.status = "starting"
        self._running_loss = float("nan")
        self._force = False
        self._view_time = 0.0
        self._t0 = time.perf_counter()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if in_kernel is None:
            in_kernel = _jupyter.in_kernel()
        self.in_kernel = in_kernel and self.live
        self.sink: Any = None
        if self.live:
            self.sink = PanelSink(self) if self.in_kernel else FolderSink(self, live_dir)
        _current = self

    # --- the hooks fit calls ---------------------------------------------------------------

    def gate(self) -> bool:
        """Before a batch: wait while paused; False when the run should stop."""
        go, single = self.control.gate(self._paused)
        if single:
            self._force = True
        if go and self.status != "running":
            self._set_status("running")
        return go

    def after_batch(self, running_loss: float) -> None:
        """After an optimizer step; ``running_loss`` is the epoch's loss so far."""
        self.step += 1
        self._running_loss = running_loss
        if self.live and (self._force or (self.live_every and self.step % self.live_every == 0)):
            self._frame(lambda: self._snapshot(mid_epoch=True), force=self._force)
            self._force = False

    def after_epoch(self) -> None:
        """After ``history`` recorded an epoch."""
        self.epoch = len(self.history.epoch)
        if self.scene.metric is None:
            self.scene.metric = next(
                (k for k in self.history.history if k != "loss" and not k.startswith("val_")), None
            )
        snapshot = None
        if self.record_every and self.epoch % self.record_every == 0:
            snapshot = self._snapshot()
            self.history.snapshots.append(snapshot)
        if self.sink is not None:
            self.sink.counters()
            if self.live_every is None or self._force:
                self._frame(lambda: snapshot or self._snapshot(), force=self._force)
                self._force = False

    def start(self, loop: Callable[[], Any]) -> Any:
        """Run ``loop`` (the training loop) and return the History: at once, with the loop in a
        background thread, inside a Jupyter kernel; else when it ends."""
        self._set_status("running")
        if not self.in_kernel:
            try:
                loop()
            except BaseException as error:
                self.error = error
                raise
            finally:
                self._finish()
            return self.history

        def guarded() -> None:
            try:
                loop()
            except BaseException as error:  # shown in the panel, raised again by wait()
                self.error = error
            finally:
                self._finish()

        self._thread = threading.Thread(target=guarded, name="autograd_lite fit", daemon=True)
        self._thread.start()
        return self.history

    # --- controls --------------------------------------------------------------------------

    def pause(self) -> None:
        """Pause before the next batch (the panel then shows the current state)."""
        self.control.pause()

    def resume(self) -> None:
        """Go on after ``pause``."""
        self.control.resume()

    def step_batch(self) -> None:
        """While paused: train one more batch, then show it and stay paused."""
        self.control.step()

    def stop(self) -> None:
        """Stop before the next batch; the History keeps the finished epochs."""
        self.control.stop()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the run ended; raise what the training loop raised; return the History."""
        if not self._done.wait(timeout):
            raise TimeoutError(f"training still running after {timeout} s")
        if self.error is not None:
            raise self.error
        return self.history

    @property
    def done(self) -> bool:
        """True once the run ended (finished, stopped or failed)."""
        return self._done.is_set()

    # --- drawing ---------------------------------------------------------------------------

    def _paused(self) -> None:
        self._frame(lambda: self._snapshot(mid_epoch=True), force=True)
        self._set_status("paused")

    def _set_status(self, status: str) -> None:
        self.status = status
        if self.sink is not None:
            self.sink.counters()

    def _snapshot(self, mid_epoch: bool = False) -> Snapshot:
        curves = {k: list(v) for k, v in self.history.history.items()}
        logs = {k: v[-1] for k, v in curves.items() if v}
        if mid_epoch and self.step and not np.isnan(self._running_loss):
            logs = {"loss": self._running_loss}
        loss = logs.get("loss", float("nan"))
        grid = None
        if self.scene.grid_x is not None:
            from autograd_lite.train import predict

            gx, gy = np.meshgrid(self.scene.grid_x, self.scene.grid_y)
            out = predict(self.model, np.c_[gx.ravel(), gy.ravel()])
            grid = out.reshape((*gx.shape, *out.shape[1:]))
        return Snapshot(self.epoch, self.step, loss, logs, curves, self.scene, grid)

    def _due(self) -> bool:
        training = time.perf_counter() - self._t0 - self._view_time
        return self.frames == 0 or self._view_time <= self.overhead * training

    def _frame(self, make_snapshot: Callable[[], Snapshot], force: bool = False) -> None:
        """Draw a frame if one is due (or forced); the snapshot is only computed then."""
        if self.sink is None or not (force or self._due()):
            return
        from autograd_lite.plots import frame_png

        start = time.perf_counter()
        snapshot = make_snapshot()
        table = StateTable(self.model, self.optimizer)
        graph = ""
        if self.live_sample is not None:
            with contextlib.suppress(Exception):  # no renderer: the panel shows no graph
                x, y = self.scene.X[self.live_sample], self.scene.y[self.live_sample]
                graph = sample_graph(self.model, self.loss_fn, x, y).svg()
        self.frames += 1
        self.sink.frame(snapshot, frame_png(snapshot), graph, table._repr_html_())
        self.table = table
        self._view_time += time.perf_counter() - start

    def _finish(self) -> None:
        try:
            with no_grad():
                last = self.history.snapshots[-1].epoch if self.history.snapshots else 0
                if self.record_every and self.epoch and last != self.epoch:
                    self.history.snapshots.append(self._snapshot())
            if self.error is not None:
                self.status = f"failed: {type(self.error).__name__}: {self.error}"
            else:
                self.status = "stopped" if self.control.stopping else "done"
            if self.sink is not None:
                self._frame(self._snapshot, force=True)
                self.sink.close()
        except Exception as error:  # the last frame failed: wait() reports it
            self.error = self.error or error
        finally:
            self._done.set()

    def summary(self) -> str:
        """ "epoch 3/20 · step 30 · loss 0.41 · accuracy 0.82" for the latest numbers."""
        logs = {k: v[-1] for k, v in self.history.history.items() if v}
        parts = [f"epoch {self.epoch}/{self.scene.epochs}", f"step {self.step}"]
        return " · ".join(parts + [f"{k} {fmt(v)}" for k, v in logs.items()])


async def wait_async(history: Any) -> Any:
    """Wait for ``history``'s run without blocking the kernel's event loop (``await history``);
    an interrupt or a cancelled cell stops the run.

    >>> import asyncio
    >>> from autograd_lite.train import History
    >>> h = History()
    >>> asyncio.run(wait_async(h)) is h
    True
    """
    import asyncio

    run = history._live
    try:
        while run is not None and not run.done:
            await asyncio.sleep(0.05)
    except BaseException:
        run.stop()
        raise
    return history.wait()
