"""Training plots written as PNG files with matplotlib's Agg canvas (headless, no pyplot).

``plot_loss_curve`` draws a ``train.History``; ``plot_decision_boundary`` draws a 2-D
classifier's regions and its data; ``draw_frame`` draws one frame of a watched run (see
``autograd_lite.live``) and ``animate`` turns a run's snapshots into a GIF or HTML
animation. matplotlib is imported on first use, so importing this module (and the command
line) stays fast. Every file goes through ``atomic_write``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd_lite import train as training
from autograd_lite._fileio import atomic_write
from autograd_lite.nn import MLP

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DARK = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
LIGHT = ("#c6dbef", "#fdd0a2", "#c7e9c0", "#fcbba1", "#dadaeb", "#e7cfc5")


def _figure(width: float, height: float) -> Figure:
    """A matplotlib Figure on the Agg canvas: headless, no pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save_png(figure: Figure, path: Path) -> Path:
    """Write the figure as PNG through ``atomic_write`` (whole or not at all)."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return atomic_write(path, buffer.getvalue())


def plot_loss_curve(
    history: training.History, path: str | Path, title: str, loss_name: str = "loss"
) -> Path:
    """Write a PNG of the loss per epoch (train, and test when recorded) to ``path``, with the
    metric (accuracy or MAE) beside it when one was recorded; log scale for a positive loss."""
    from matplotlib.ticker import MaxNLocator

    path = Path(path)
    logs = history.history
    metric = next((m for m in ("accuracy", "mae") if m in logs), None)
    figure = _figure(10 if metric else 6, 4)
    axes = figure.subplots(1, 2 if metric else 1, squeeze=False)[0]
    epochs = np.arange(1, len(history.epoch) + 1)
    panels = [("loss", loss_name.replace("_", " "))]
    if metric:
        panels.append((metric, {"accuracy": "accuracy", "mae": "mean absolute error"}[metric]))
    for ax, (key, label) in zip(axes, panels):
        ax.plot(epochs, logs[key], marker="o", markersize=3, label="train")
        if f"val_{key}" in logs:
            ax.plot(epochs, logs[f"val_{key}"], marker="s", markersize=3, label="test")
        if key == "loss" and min(logs[key]) > 0:
            ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per epoch")
        ax.grid(True, alpha=0.3)
        ax.legend()
    figure.suptitle(title)
    return _save_png(figure, path)


def plot_decision_boundary(
    model: MLP,
    scores: Callable[[np.ndarray], np.ndarray],
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    path: str | Path,
    title: str,
    resolution: int = 80,
) -> Path:
    """Write a PNG of the model's predicted class over the plane, with the training (o) and
    test (x) points on top, to ``path``; 2-D inputs only.

    ``scores`` maps model outputs to one score per class (n, k); the predicted class is the
    argmax. Each region is filled where its margin over the best other class is positive,
    so the boundaries are interpolated lines rather than grid-cell staircases.
    """
    path = Path(path)
    X = np.vstack([train[0], test[0]])
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"a decision boundary needs 2 input features, got data of shape {X.shape}")
    low, high = X.min(axis=0), X.max(axis=0)
    margin = 0.1 * (high - low)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    grid_scores = scores(training.predict(model, np.c_[gx.ravel(), gy.ravel()]))
    figure = _figure(6.4, 5.6)
    ax = figure.subplots()
    for c in range(grid_scores.shape[1]):
        others = np.delete(grid_scores, c, axis=1).max(axis=1)
        lead = (grid_scores[:, c] - others).reshape(gx.shape)
        if lead.max() > 0:
            fill = LIGHT[c % len(LIGHT)]
            ax.contourf(gx, gy, lead, levels=[0, np.inf], colors=[fill])
            ax.contour(gx, gy, lead, levels=[0], colors="#444444", linewidths=1.2)
    for c in np.unique(np.concatenate([train[1], test[1]])).astype(int):
        color = DARK[c % len(DARK)]
        for (Xs, labels), split in ((train, "train"), (test, "test")):
            mask = labels == c
            ax.scatter(
                Xs[mask, 0], Xs[mask, 1], c=color, label=f"class {c} ({split})",
                **({"marker": "o", "s": 28, "edgecolors": "white", "linewidths": 0.6}
                   if split == "train" else
                   {"marker": "X", "s": 60, "edgecolors": "black", "linewidths": 0.6}),
            )  # fmt: skip
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    n_classes = len(np.unique(np.concatenate([train[1], test[1]])))
    figure.legend(loc="outside lower center", ncol=n_classes, fontsize=8, frameon=False)
    return _save_png(figure, path)


# --- frames of a training run (the live view and History.animate) ---------------------------

FRAME_SIZE = (7.2, 2.6)  # inches: 9 pt ticks stay >= 10 px when shown 590 px wide (1024 screen)
FRAME_DPI = 120  # 864 x 312 px
FRAME_FONTS = {"font.size": 9, "axes.titlesize": 11, "axes.labelsize": 9, "legend.fontsize": 8}
SIGNS = ("#2166ac", "#b2182b")  # positive blue, negative red, in the frame and the state table


def _loss_axes(ax: Any, snapshot: Any, epochs: int) -> None:
    curves = snapshot.curves
    x = np.arange(1, len(curves.get("loss", ())) + 1)
    for key, style, label in (("loss", "-", "train"), ("val_loss", "--", "validation")):
        if curves.get(key):
            ax.plot(x, curves[key], style, color=DARK[0], lw=1.8, label=label)
    ax.set_xlim(0.5, max(epochs, 1) + 0.5)
    ax.set_xlabel("epoch")
    ax.set_title("loss")
    ax.grid(True, alpha=0.3)
    if len(x):
        ax.legend(loc="upper right")


def _metric_axes(ax: Any, snapshot: Any, epochs: int) -> None:
    curves = snapshot.curves
    name = snapshot.scene.metric
    x = np.arange(1, len(curves.get(name, ())) + 1)
    for key, style, label in ((name, "-", "train"), (f"val_{name}", "--", "validation")):
        if curves.get(key):
            ax.plot(x, curves[key], style, color=DARK[2], lw=1.8, label=label)
    ax.set_xlim(0.5, max(epochs, 1) + 0.5)
    ax.set_xlabel("epoch")
    ax.set_title(name.replace("_", " "))
    ax.grid(True, alpha=0.3)
    if len(x):
        ax.legend(loc="lower right")


def _field_axes(ax: Any, snapshot: Any) -> None:
    """The model over the plane: class regions (classification) or the fitted surface."""
    scene, grid = snapshot.scene, snapshot.grid
    gx, gy = np.meshgrid(scene.grid_x, scene.grid_y)
    X, y = scene.X, scene.y
    if scene.task == "regression":
        filled = ax.contourf(gx, gy, grid, levels=14, cmap="viridis", alpha=0.85)
        ax.figure.colorbar(filled, ax=ax, fraction=0.05, pad=0.02)
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", s=14, edgecolors="white", lw=0.5,
                   norm=filled.norm)  # fmt: skip
        ax.set_title("fitted surface")
    else:
        if grid.ndim == 3:  # several outputs: the argmax class
            classes = grid.argmax(axis=2)
            levels = np.arange(grid.shape[2] + 1) - 0.5
            ax.contourf(gx, gy, classes, levels=levels, colors=LIGHT[: grid.shape[2]])
        else:
            low, high = min(grid.min(), scene.threshold), max(grid.max(), scene.threshold)
            span = max(high - low, 1e-12)
            levels = np.linspace(low - 1e-9 * span, high + 1e-9 * span, 12)
            ax.contourf(gx, gy, grid, levels=levels, cmap="RdBu_r", alpha=0.45)
            if grid.min() < scene.threshold < grid.max():
                ax.contour(gx, gy, grid, levels=[scene.threshold], colors="black", linewidths=1.5)
        labels = y if y.ndim == 1 else y.argmax(axis=1)
        for k, c in enumerate(np.unique(labels)):
            mask = labels == c
            ax.scatter(X[mask, 0], X[mask, 1], s=14, color=DARK[k % len(DARK)],
                       edgecolors="white", lw=0.5, label=f"class {c:g}")  # fmt: skip
        ax.set_title("decision boundary")
        ax.legend(loc="upper right", framealpha=0.7)
    ax.set_xlim(scene.grid_x[0], scene.grid_x[-1])
    ax.set_ylim(scene.grid_y[0], scene.grid_y[-1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def frame_title(snapshot: Any) -> str:
    """The one-line caption of a frame: epoch, step, loss and the latest metrics."""
    scene = snapshot.scene
    parts = [f"epoch {snapshot.epoch}/{scene.epochs}", f"step {snapshot.step}"]
    parts += [f"{k} {v:.4g}" for k, v in snapshot.logs.items()]
    return "   ".join(parts)


def draw_frame(figure: Figure, snapshot: Any) -> Figure:
    """Draw one frame of a training run on ``figure`` (cleared first): the loss curves, the
    metric when one is recorded, and the decision boundary or fitted surface for 2-D inputs."""
    import matplotlib

    with matplotlib.rc_context(FRAME_FONTS):
        return _draw_frame(figure, snapshot)


def _draw_frame(figure: Figure, snapshot: Any) -> Figure:
    figure.clear()
    figure.subplots_adjust(left=0.07, right=0.985, bottom=0.16, top=0.8, wspace=0.32)
    scene = snapshot.scene
    panels = [_loss_axes]
    if scene.metric:
        panels.append(_metric_axes)
    if snapshot.grid is not None:
        panels.append(_field_axes)
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for ax, panel in zip(axes, panels):
        if panel is _field_axes:
            panel(ax, snapshot)
        else:
            panel(ax, snapshot, scene.epochs)
    figure.suptitle(frame_title(snapshot), fontsize=10)
    return figure


def _frame_figure() -> Figure:
    """A figure for frames: a fixed layout, since constrained layout doubles the drawing time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FRAME_SIZE, dpi=FRAME_DPI)
    FigureCanvasAgg(figure)
    return figure


def frame_png(snapshot: Any) -> bytes:
    """One frame (see ``draw_frame``) as PNG bytes."""
    import io

    figure = _frame_figure()
    draw_frame(figure, snapshot)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=FRAME_DPI)
    return buffer.getvalue()


class JSAnimation:
    """An HTML animation (matplotlib's ``to_jshtml``): shown inline by Jupyter and nbviewer."""

    def __init__(self, html: str, frames: int) -> None:
        self.html = html
        self.frames = frames

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"JSAnimation(frames={self.frames})"


def animate(snapshots: Sequence[Any], path: str | Path | None = None, fps: float = 4) -> Any:
    """Turn a run's snapshots into an animation, one frame per snapshot.

    ``path`` ending in ``.gif`` writes a GIF (Pillow), ``.html`` a self-contained HTML page
    (``to_jshtml``); ``None`` returns a ``JSAnimation`` to show in a notebook.

    >>> from autograd_lite.data import make_moons
    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.train import fit
    >>> X, y = make_moons(20, noise=0.1, seed=0)
    >>> h = fit(MLP(2, [3, 1], seed=0), X, y, loss="mse", epochs=2, record_every=1,
    ...         progress=False)
    >>> animate(h.snapshots).frames
    2
    >>> frame_png(h.snapshots[-1])[:4]
    b'\\x89PNG'
    """
    from matplotlib.animation import FuncAnimation, PillowWriter

    if not snapshots:
        raise ValueError("animate needs at least one snapshot: pass record_every= to fit")
    suffix = None if path is None else Path(path).suffix.lower()
    if suffix not in (None, ".gif", ".html"):
        raise ValueError(f"animate writes a .gif or .html file, got {str(path)!r}")
    figure = _frame_figure()
    animation = FuncAnimation(
        figure, lambda i: draw_frame(figure, snapshots[i]).axes, frames=len(snapshots),
        interval=1000 / fps, repeat=True, cache_frame_data=False,
    )  # fmt: skip
    if suffix == ".gif":
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            scratch = Path(folder) / "animation.gif"
            animation.save(scratch, writer=PillowWriter(fps=fps), dpi=FRAME_DPI)
            return atomic_write(path, scratch.read_bytes())
    html = animation.to_jshtml(fps=fps, default_mode="once")
    if suffix == ".html":
        return atomic_write(path, f"<!doctype html><meta charset='utf-8'>{html}")
    return JSAnimation(html, len(snapshots))
