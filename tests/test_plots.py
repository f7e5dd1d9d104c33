"""plots: the PNGs are real images that show what was plotted."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest

from autograd_lite.nn import MLP
from autograd_lite.plots import LIGHT, plot_decision_boundary, plot_loss_curve
from autograd_lite.train import History


def read_png(path) -> np.ndarray:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return matplotlib.image.imread(path)[..., :3]


def columns_of(image: np.ndarray, color: str) -> np.ndarray:
    """x coordinates of the pixels painted ``color`` (a "#rrggbb" string)."""
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.nonzero(np.abs(image - rgb).max(axis=2) < 0.02)[1]


def test_loss_curve_draws_both_panels(tmp_path) -> None:
    history = History()
    for epoch, (loss, val) in enumerate([(1.0, 1.2), (0.5, 0.7), (0.25, 0.4)]):
        history._record(epoch, {"loss": loss, "accuracy": 0.5 + epoch / 10, "val_loss": val})
    wide = read_png(plot_loss_curve(history, tmp_path / "a.png", "t", "mse"))
    del history.history["accuracy"]
    narrow = read_png(plot_loss_curve(history, str(tmp_path / "b.png"), "t", "mse"))
    assert wide.shape[1] > 1.5 * narrow.shape[1]  # the metric gets its own panel
    assert wide.std() > 0.01 and narrow.std() > 0.01


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_decision_regions_follow_the_model(sign: float, tmp_path) -> None:
    model = MLP(2, [1], seed=0)
    (neuron,) = model.layers[0].neurons
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = sign, 0.0, 0.0  # class 1 iff sign*x1 > 0
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (40, 2))
    y = (sign * X[:, 0] > 0).astype(int)
    scores = lambda out: np.c_[-out, out]  # noqa: E731
    image = read_png(
        plot_decision_boundary(
            model, scores, (X[:30], y[:30]), (X[30:], y[30:]), tmp_path / "d.png", "t"
        )
    )
    class0, class1 = columns_of(image, LIGHT[0]), columns_of(image, LIGHT[1])
    assert len(class0) > 1000 and len(class1) > 1000
    assert (class0.mean() < class1.mean()) == (sign > 0)
    with pytest.raises(ValueError, match="2 input features"):
        plot_decision_boundary(model, scores, (X[:, :1], y), (X[:, :1], y), tmp_path / "e.png", "t")
