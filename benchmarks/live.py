"""What watching costs: a 200-epoch moons run with ``live=True`` against the same run without.

``python -m benchmarks.live`` trains the moons MLP of notebook 05 (2-16-16-1, Adam, batches
of 32, validation and accuracy) twice from the same start, once plain and once with
``live=True`` (outside a kernel the frames go to a temporary folder: the same figure, sample
graph and table the panel shows), and prints both times and their ratio. The target is a
ratio of at most 1.5: the view draws a frame only while drawing stays under a quarter of
the training time, and the last frame always. Before timing, a 1-epoch watched run pays
the one-time costs (importing matplotlib, its font cache, the first graph render; printed
separately). Then one plain and one watched run, in a row (``--repeat n``: n pairs,
alternating, and the median ratios). Wall clock varies with the machine's load, so the CPU
time of the process and its ``dot`` children is printed beside it; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from autograd_lite.data import make_moons, train_test_split
from autograd_lite.nn import MLP
from autograd_lite.optim import Adam
from autograd_lite.train import fit


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the ``dot`` renders)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def moons_run(epochs: int, live_dir: Path | None) -> tuple[float, float, int, float]:
    """(wall seconds, CPU seconds, frames drawn, final loss) of one run; ``live_dir`` None
    means no live view."""
    X, y = make_moons(n_samples=400, noise=0.2, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    model = MLP(2, [16, 16, 1], activation="relu", output_activation="sigmoid", seed=0)
    start, cpu = time.perf_counter(), cpu_seconds()
    history = fit(
        model, X_train, y_train, loss="binary_cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.01), epochs=epochs, batch_size=32,
        validation_data=(X_test, y_test), metrics=["accuracy"], progress=False, seed=0,
        live=live_dir is not None, live_dir=live_dir,
    )  # fmt: skip
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    frames = len(list(live_dir.glob("frame_*.png"))) if live_dir is not None else 0
    return seconds, cpu, frames, history.history["loss"][-1]


def main(argv: list[str] | None = None) -> int:
    """Run both variants and print the times and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        first_use, _, _, _ = moons_run(1, Path(folder))
    print(f"first watched run (1 epoch, one-time imports and caches): {first_use:.2f} s")
    walls, cpus = [], []
    for _ in range(args.repeat):
        plain, plain_cpu, _, plain_loss = moons_run(args.epochs, None)
        with tempfile.TemporaryDirectory() as folder:
            watched, watched_cpu, frames, live_loss = moons_run(args.epochs, Path(folder))
        assert live_loss == plain_loss, "watching changed the training"
        walls.append(watched / plain)
        cpus.append(watched_cpu / plain_cpu)
        print(f"moons, {args.epochs} epochs: without live {plain:.2f} s "
              f"({plain_cpu:.2f} s CPU), with live=True {watched:.2f} s "
              f"({watched_cpu:.2f} s CPU), {frames} frames")  # fmt: skip
    print(f"ratio live / plain: {statistics.median(walls):.2f} wall clock, "
          f"{statistics.median(cpus):.2f} CPU time (target <= 1.5)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
