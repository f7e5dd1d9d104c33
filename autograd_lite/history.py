"""``History``: what ``fit`` records, epoch by epoch, like Keras' History object."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
