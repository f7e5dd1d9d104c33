"""A backward pass as pictures for slides: one image per step, or an animated GIF.

``BackwardStepper.save_frames`` and ``BackwardStepper.to_gif`` call these. The stepper is
moved through every position without telling its position listeners (a live widget on
screen stays where it is) and is left where it was.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from autograd_lite import _checks
from autograd_lite._fileio import atomic_write
from autograd_lite.viz.player import INTERVAL_MS
from autograd_lite.viz.render import Graph

if TYPE_CHECKING:
    from autograd_lite.viz.stepper import BackwardStepper

FRAME_MS = INTERVAL_MS


def frames(stepper: BackwardStepper) -> Iterator[tuple[int, Graph]]:
    """``(k, stepper.draw() at position k)`` for k = 0 .. total_steps; the stepper goes back
    to its position at the end, and its listeners hear of none of these moves.

    >>> from autograd_lite import Value, BackwardStepper
    >>> st = BackwardStepper(Value(2.0, "x").tanh())
    >>> [(k, "grad ?" in g.source) for k, g in frames(st)], st.position
    ([(0, True), (1, False)], 0)
    """
    start = stepper.position
    try:
        for k in range(stepper.total_steps + 1):
            stepper._goto(k)
            yield k, stepper.draw()
    finally:
        stepper._goto(start)


def save_frames(stepper: BackwardStepper, folder: str | Path, fmt: str = "png") -> list[Path]:
    """One picture per position of ``stepper`` in ``folder`` (created): ``step_000.png``, ...

    >>> import tempfile, pathlib
    >>> from autograd_lite import Value, BackwardStepper
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "slides"
    >>> st = BackwardStepper(Value(2.0, "x").tanh())
    >>> [p.name for p in save_frames(st, folder, "svg")]
    ['step_000.svg', 'step_001.svg']
    """
    fmt = _checks.choice("fmt", fmt, ("png", "svg"))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(stepper.total_steps)))
    paths = []
    for k, graph in frames(stepper):
        image = graph.png() if fmt == "png" else graph.svg()
        paths.append(atomic_write(folder / f"step_{k:0{width}d}.{fmt}", image))
    return paths


def to_gif(stepper: BackwardStepper, path: str | Path, frame_ms: int = FRAME_MS) -> Path:
    """An animated GIF of ``stepper``'s whole pass, one frame per position (needs Pillow).

    >>> import tempfile, pathlib
    >>> from autograd_lite import Value, BackwardStepper
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pass.gif"
    >>> to_gif(BackwardStepper(Value(2.0, "x").tanh()), path).read_bytes()[:6]
    b'GIF89a'
    """
    from PIL import Image  # Pillow comes with matplotlib; imported only for GIFs

    frame_ms = _checks.integer("frame_ms", frame_ms, minimum=1)
    images = [Image.open(io.BytesIO(g.png())).convert("RGB") for _, g in frames(stepper)]
    width = max(im.width for im in images)
    height = max(im.height for im in images)
    canvases = []
    for im in images:
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(im, (0, 0))
        canvases.append(canvas)
    out = io.BytesIO()
    canvases[0].save(
        out, format="GIF", save_all=True, append_images=canvases[1:], duration=frame_ms, loop=0
    )
    return atomic_write(Path(path), out.getvalue())
