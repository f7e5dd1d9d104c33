"""Where a live run's frames go: the anywidget panel in a kernel, or a folder of files."""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import html
import itertools
import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lite._fileio import atomic_write

if TYPE_CHECKING:
    from autograd_lite.live import LiveRun, Snapshot


def _panel_html(
    run: LiveRun, png: bytes, graph: str, table: str, image_src: str | None = None
) -> str:
    """A frame as a static HTML fragment (for files and for notebooks opened without kernel)."""
    src = image_src or "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    css = files("autograd_lite.live").joinpath("live.css").read_text(encoding="utf-8")
    state = run.status.split(":")[0]
    caption = f"graph of sample {run.live_sample}: its data and gradients" if graph else ""
    return (
        f"<style>{css}</style><div class='al-live al-static'>"
        f"<div class='al-head'><span class='al-status {state}'>{html.escape(run.status)}</span> "
        f"<span class='al-summary'>{html.escape(run.summary())}</span></div>"
        f"<img class='al-plot' alt='training curves' src='{src}'>"
        f"<div class='al-table'>{table}</div>"
        f"<div class='al-caption'>{caption}</div><div class='al-graph'>{graph}</div></div>"
    )


class FolderSink:
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


class PanelSink:
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
        """The run ended: the output becomes a still of the last frame (HTML, with a PNG for
        viewers without HTML), which a saved notebook shows without kernel or widget state."""
        self.counters()
        _, png, graph, table = self._last
        self.handle.update(
            {
                "text/html": _panel_html(self.run, png, graph, table),
                "image/png": base64.b64encode(png).decode("ascii"),
                "text/plain": f"<live view: {self.run.status}, {self.run.summary()}>",
            },
            raw=True,
        )
        self.widget.close()


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
        asset = files("autograd_lite.live")

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
