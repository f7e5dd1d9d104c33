"""What watching costs: a 200-epoch moons run with ``live=True`` against the same run without.

``python -m benchmarks.live`` trains the moons MLP of notebook 05 (2-16-16-1, Adam, batches
of 32, validation and accuracy) twice from the same start, once plain and once with
``live=True`` (outside a kernel the frames go to a temporary folder: the same figure, sample
graph and table the panel shows), and prints both times and their ratio. The target is a
ratio of at most 1.5: the view draws a frame only while drawing stays under a quarter of
the training time, and the last frame always. Before timing, a 1-epoch watched run pays
the one-time costs (importing matplotlib, its font cache, the first graph render; printed
separately). Then one plain and one watched run, in a row (``--repeat n``: n pairs,
alternating, and the median ratio); the ratio varies with the machine's load, so it is
printed, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from autograd_lite.data import make_moons, train_test_split
from autograd_lite.nn import MLP
from autograd_lite.optim import Adam
from autograd_lite.train import fit


def moons_run(epochs: int, live_dir: Path | None) -> tuple[float, int, float]:
    """(seconds, frames drawn, final loss) of one run; ``live_dir`` None means no live view."""
    X, y = make_moons(n_samples=400, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="sigmoid", seed=0)
    start = time.perf_counter()
    history = fit(
        model, X_train, y_train, loss="binary_cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.01), epochs=epochs, batch_size=32,
        validation_data=(X_test, y_test), metrics=["accuracy"], progress=False, seed=0,
        live=live_dir is not None, live_dir=live_dir,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    frames = len(list(live_dir.glob("frame_*.png"))) if live_dir is not None else 0
    return seconds, frames, history.history["loss"][-1]


def main(argv: list[str] | None = None) -> int:
    """Run both variants and print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        first_use, _, _ = moons_run(1, Path(folder))
    print(f"first watched run (1 epoch, one-time imports and caches): {first_use:.2f} s")
    ratios = []
    for _ in range(args.repeat):
        plain, _, plain_loss = moons_run(args.epochs, None)
        with tempfile.TemporaryDirectory() as folder:
            watched, frames, live_loss = moons_run(args.epochs, Path(folder))
        assert live_loss == plain_loss, "watching changed the training"
        ratios.append(watched / plain)
        print(f"moons, {args.epochs} epochs: without live {plain:.2f} s, "
              f"with live=True {watched:.2f} s ({frames} frames drawn)")  # fmt: skip
    print(f"ratio live / plain: {statistics.median(ratios):.2f} (target <= 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
