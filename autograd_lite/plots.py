"""Training plots written as PNG files with matplotlib's Agg canvas (headless, no pyplot).

``plot_loss_curve`` draws a ``train.History``; ``plot_decision_boundary`` draws a 2-D
classifier's regions and its data. matplotlib is imported on first use, so importing this
module (and the command line) stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from autograd_lite import train as training
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
    figure.savefig(path)
    return path


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
    figure.savefig(path)
    return path
