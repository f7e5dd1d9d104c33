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

import base64
import contextlib
import datetime as _dt
import html
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import _checks
from autograd_lite._fileio import atomic_write
from autograd_lite.engine import Value, no_grad

GRID_SIZE = 30  # predictions per side of the decision-boundary grid
MAX_TABLE_ROWS = 64  # larger models get one row per layer (largest and median) in the table
STATE_NAMES = {
    "momentum_buffer": "momentum",
    "exp_avg": "m (exp_avg)",
    "exp_avg_sq": "v (exp_avg_sq)",
    "max_exp_avg_sq": "max v",
    "sum": "sum of g²",
    "square_avg": "E[g²]",
    "grad_avg": "E[g]",
    "exp_inf": "u (exp_inf)",
    "acc_delta": "E[Δx²]",
}
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


def _layer(name: str) -> str:
    """ "layers.1.neurons.3.w.0" -> "layers.1" (the first two parts of a dotted name)."""
    return ".".join(name.split(".")[:2]) if name.count(".") >= 2 else name


class StateTable:
    """Every parameter's value, gradient and optimizer state, as numbers and as coloured HTML.

    ``model``: a Module (its parameter names label the rows) or a dict name -> Value.
    ``rows`` holds one ``(name, {column: float})`` per parameter in the optimizer's order,
    or, past ``max_rows`` parameters, per layer and column the entry of largest magnitude
    and the median (names "layers.0 largest", "layers.0 median"). Cells are blue when
    positive and red when negative, stronger the larger they are within their column.

    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.optim import Adam
    >>> model = MLP(1, [1], seed=0)
    >>> table = StateTable(model, Adam(model.parameters(), lr=0.1))
    >>> table.columns
    ['value', 'grad', 'm (exp_avg)', 'v (exp_avg_sq)']
    """

    def __init__(self, model: Any, optimizer: Any, max_rows: int = MAX_TABLE_ROWS) -> None:
        named = model.items() if isinstance(model, dict) else model.named_parameters()
        names = {id(p): n for n, p in named}
        params = list(getattr(optimizer, "params", None) or model.parameters())
        states = getattr(optimizer, "state", None) or [{} for _ in params]
        keys = list(dict.fromkeys(k for st in states for k in st if k != "step"))
        self.columns = ["value", "grad", *(STATE_NAMES.get(k, k) for k in keys)]
        self.title = f"{type(optimizer).__name__}, step {_step(states)}"
        rows = []
        for i, (p, state) in enumerate(zip(params, states)):
            numbers = {"value": p.data, "grad": p.grad}
            numbers.update({STATE_NAMES.get(k, k): state[k] for k in keys if k in state})
            rows.append((names.get(id(p), f"param {i}"), numbers))
        self.per_layer = len(rows) > max_rows
        self.rows = _per_layer(rows, self.columns) if self.per_layer else rows

    def _repr_html_(self) -> str:
        from autograd_lite.plots import SIGNS

        scale = {
            c: max((abs(r[c]) for _, r in self.rows if c in r), default=0) for c in self.columns
        }

        def cell(row: dict[str, float], column: str) -> str:
            if column not in row:
                return "<td></td>"
            x = row[column]
            strength = abs(x) / scale[column] if scale[column] and np.isfinite(x) else 0.0
            rgb = SIGNS[0] if x >= 0 else SIGNS[1]
            alpha = f"{int(255 * 0.6 * strength**0.5):02x}"
            return f'<td style="background:{rgb}{alpha}" title="{x!r}">{_fmt(x)}</td>'

        head = "".join(f"<th>{html.escape(c)}</th>" for c in ["parameter", *self.columns])
        body = "".join(
            f"<tr><th>{html.escape(name)}</th>{''.join(cell(r, c) for c in self.columns)}</tr>"
            for name, r in self.rows
        )
        note = " (per layer: largest and median)" if self.per_layer else ""
        return (
            f'<table class="al-state"><caption>{html.escape(self.title)}{note}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    def __repr__(self) -> str:
        return f"StateTable({len(self.rows)} rows, columns={self.columns})"


def _step(states: list[dict[str, float]]) -> int:
    return int(max((s.get("step", 0) for s in states), default=0))


def _per_layer(rows: list[tuple[str, dict[str, float]]], columns: list[str]) -> list:
    layers: dict[str, list[dict[str, float]]] = {}
    for name, numbers in rows:
        layers.setdefault(_layer(name), []).append(numbers)
    out = []
    for layer, members in layers.items():
        largest, median = {}, {}
        for c in columns:
            xs = np.array([m[c] for m in members if c in m], dtype=float)
            if len(xs):
                largest[c] = float(xs[np.argmax(np.abs(xs))])
                median[c] = float(np.median(xs))
        out += [(f"{layer} largest", largest), (f"{layer} median", median)]
    return out


def _fmt(x: float) -> str:
    return f"{x + 0.0:.4g}"


def sample_graph(model: Any, loss_fn: Callable[..., Value], x: np.ndarray, y: Any) -> Any:
    """The graph of one sample's loss with its current data and gradients, parameters folded
    per neuron like ``draw_dot(module=model, fold_params=True)``; the parameters' ``.grad``
    (the batch gradients) are left as they were."""
    from autograd_lite.viz import draw_dot

    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        for p in params:
            p.grad = 0.0
        pred = model(list(map(float, x)))
        target = y.tolist() if isinstance(y, np.ndarray) else y
        root = loss_fn([pred], [target])
        root.label = "loss"
        root.backward()
        return draw_dot(root, module=model, fold_params=True)
    finally:
        for p, g in zip(params, saved):
            p.grad = g


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
            from autograd_lite.train import _in_jupyter_kernel

            in_kernel = _in_jupyter_kernel()
        self.in_kernel = in_kernel and self.live
        self.sink: Any = None
        if self.live:
            self.sink = _PanelSink(self) if self.in_kernel else _FolderSink(self, live_dir)
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
        return " · ".join(parts + [f"{k} {_fmt(v)}" for k, v in logs.items()])


def _panel_html(
    run: LiveRun, png: bytes, graph: str, table: str, image_src: str | None = None
) -> str:
    """A frame as a static HTML fragment (for files and for notebooks opened without kernel)."""
    src = image_src or "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    css = files("autograd_lite").joinpath("live.css").read_text(encoding="utf-8")
    return (
        f"<style>{css}</style><div class='al-live al-static'>"
        f"<div class='al-head'><span class='al-status'>{html.escape(run.status)}</span> "
        f"<span class='al-summary'>{html.escape(run.summary())}</span></div>"
        f"<img class='al-plot' alt='training curves' src='{src}'>"
        f"<div class='al-table'>{table}</div><div class='al-graph al-fit'>{graph}</div></div>"
    )


class _FolderSink:
    """Frames written to a folder: frame_0001.png (+ .html with the graph and the table),
    index.html showing the latest frame and run.json with the run's numbers."""

    def __init__(self, run: LiveRun, live_dir: str | Path | None) -> None:
        self.run = run
        if live_dir is None:
            stamp = _dt.datetime.now().strftime("live-%Y%m%d-%H%M%S")
            for k in itertools.count(1):
                folder = Path.cwd() / (stamp if k == 1 else f"{stamp}-{k}")
                with contextlib.suppress(FileExistsError):
                    folder.mkdir(parents=True)
                    break
        else:
            folder = Path(live_dir)
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder

    def counters(self) -> None:
        """Nothing to do between frames: files are written per frame."""

    def frame(self, snapshot: Snapshot, png: bytes, graph: str, table: str) -> None:
        run = self.run
        name = f"frame_{run.frames:04d}"
        atomic_write(self.folder / f"{name}.png", png)
        page = "<!doctype html><meta charset='utf-8'>" + _panel_html(
            run, png, graph, table, f"{name}.png"
        )
        atomic_write(self.folder / f"{name}.html", page)
        atomic_write(self.folder / "index.html", page)
        numbers = {"epoch": snapshot.epoch, "step": snapshot.step, "loss": snapshot.loss,
                   "logs": snapshot.logs, "status": run.status, "frames": run.frames}  # fmt: skip
        atomic_write(self.folder / "run.json", json.dumps(numbers, default=str, indent=1))

    def close(self) -> None:
        """The last frame is already on disk."""


class _PanelSink:
    """The anywidget panel in a Jupyter kernel."""

    def __init__(self, run: LiveRun) -> None:
        from IPython.display import display

        self.run = run
        self.widget = _panel_class()(epochs=run.scene.epochs)
        self.widget.on_msg(self._command)
        self.handle = display(self.widget, display_id=True)
        self._last = ("", b"", "", "")

    def _command(self, _widget: Any, content: Any, _buffers: Any) -> None:
        action = {"pause": self.run.pause, "resume": self.run.resume,
                  "step": self.run.step_batch, "stop": self.run.stop}  # fmt: skip
        command = content.get("command") if isinstance(content, dict) else None
        if command in action:
            action[command]()

    def counters(self) -> None:
        w, run = self.widget, self.run
        with w.hold_sync():
            w.epoch, w.step, w.status, w.summary = run.epoch, run.step, run.status, run.summary()

    def frame(self, snapshot: Snapshot, png: bytes, graph: str, table: str) -> None:
        self._last = (snapshot, png, graph, table)
        w = self.widget
        with w.hold_sync():
            w.plot = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            w.graph, w.table, w.frames = graph, table, self.run.frames
        self.counters()

    def close(self) -> None:
        self.counters()
        _, png, graph, table = self._last
        bundle = self.widget._repr_mimebundle_()
        if isinstance(bundle, tuple):  # (data, metadata)
            bundle = bundle[0]
        bundle["text/html"] = _panel_html(self.run, png, graph, table)
        bundle["image/png"] = base64.b64encode(png).decode("ascii")
        self.handle.update(bundle, raw=True)


_PANEL: Any = None


def _panel_class() -> Any:
    """The anywidget class, built on first use so that importing the library needs no anywidget."""
    global _PANEL
    if _PANEL is None:
        try:
            import anywidget
            import traitlets
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(
                "the live panel needs anywidget: pip install 'autograd-lite[notebook]' "
                "(or pass live=False and record_every= for snapshots)"
            ) from error
        asset = files("autograd_lite")

        class LivePanel(anywidget.AnyWidget):
            """The live training panel: counters, plots, the sample's graph, the state table."""

            _esm = asset.joinpath("live.js").read_text(encoding="utf-8")
            _css = asset.joinpath("live.css").read_text(encoding="utf-8")
            epoch = traitlets.Int(0).tag(sync=True)
            epochs = traitlets.Int(0).tag(sync=True)
            step = traitlets.Int(0).tag(sync=True)
            frames = traitlets.Int(0).tag(sync=True)
            status = traitlets.Unicode("starting").tag(sync=True)
            summary = traitlets.Unicode("").tag(sync=True)
            plot = traitlets.Unicode("").tag(sync=True)
            graph = traitlets.Unicode("").tag(sync=True)
            table = traitlets.Unicode("").tag(sync=True)

        _PANEL = LivePanel
    return _PANEL


async def wait_async(history: Any) -> Any:
    """Wait for ``history``'s run without blocking the kernel's event loop (``await history``);
    an interrupt or a cancelled cell stops the run."""
    import asyncio

    run = history._live
    try:
        while run is not None and not run.done:
            await asyncio.sleep(0.05)
    except BaseException:
        run.stop()
        raise
    return history.wait()
