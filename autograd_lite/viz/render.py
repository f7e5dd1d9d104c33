"""Turn DOT source into SVG or PNG with whichever Graphviz layout program is installed.

The system ``dot`` is used when it is on PATH (through the ``graphviz`` package's ``pipe``);
otherwise the ``graphviz-pure`` command from the optional ``render`` extra, a static Rust port
of dot that needs no root to install (SVG and PNG only; PDF needs the system ``dot``).

``AUTOGRAD_LITE_RENDERER=dot`` or ``=graphviz-pure`` forces one; ``=none`` behaves as if
neither were installed (every render raises ``RendererNotFound``), to try the fallback paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import graphviz

RENDERER_ENV = "AUTOGRAD_LITE_RENDERER"
RENDERERS = ("dot", "graphviz-pure")
NO_RENDERER = "none"
FORMATS = ("svg", "png", "pdf")
PURE_FORMATS = ("svg", "png")

INSTALL_HINT = (
    "no Graphviz renderer found. Install one of: `pip install autograd-lite[render]` "
    "(graphviz-pure, no root needed), `apt-get install graphviz` (Debian/Ubuntu) or "
    "`brew install graphviz` (macOS). The DOT source is still available as `.source`."
)


class RendererNotFound(RuntimeError):
    """Neither the system ``dot`` nor ``graphviz-pure`` is installed."""

    def __init__(self, detail: str = "", hint: str = INSTALL_HINT) -> None:
        super().__init__(f"{detail}{hint}")


def _graphviz_pure() -> str | None:
    """Path of the ``graphviz-pure`` program: on PATH or next to this Python's scripts."""
    found = shutil.which("graphviz-pure")
    if found:
        return found
    for folder in {sysconfig.get_path("scripts"), str(Path(sys.executable).parent)}:
        candidate = shutil.which("graphviz-pure", path=folder)
        if candidate:
            return candidate
    return None


def find_renderer() -> tuple[str, str]:
    """``(name, executable)`` of the renderer to use, or raise ``RendererNotFound``."""
    forced = os.environ.get(RENDERER_ENV, "").strip()
    if forced == NO_RENDERER:
        raise RendererNotFound(f"{RENDERER_ENV}=none hides the renderers; ")
    if forced and forced not in RENDERERS:
        choices = (*RENDERERS, NO_RENDERER)
        raise ValueError(f"{RENDERER_ENV} must be one of {choices} or unset, got {forced!r}")
    if forced in ("", "dot"):
        dot = shutil.which("dot")
        if dot:
            return "dot", dot
    if forced in ("", "graphviz-pure"):
        pure = _graphviz_pure()
        if pure:
            return "graphviz-pure", pure
    detail = f"{RENDERER_ENV}={forced} was requested but is not installed; " if forced else ""
    raise RendererNotFound(detail)


def render(dot_source: str, fmt: str = "svg") -> bytes:
    """Lay out ``dot_source`` and return the image bytes (``fmt`` is "svg", "png" or "pdf")."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    name, executable = find_renderer()
    if name == "dot":
        return graphviz.pipe("dot", fmt, dot_source.encode())
    if fmt not in PURE_FORMATS:
        raise RendererNotFound(
            f"{fmt.upper()} output needs the system Graphviz `dot` (graphviz-pure writes "
            f"{' and '.join(PURE_FORMATS)} only): ",
            hint="`apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS).",
        )
    done = subprocess.run(
        [executable, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, check=False
    )
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"graphviz-pure failed (exit {done.returncode}): {message}")
    return done.stdout


def render_svg(dot_source: str) -> str:
    """SVG text for ``dot_source``."""
    return render(dot_source, "svg").decode()


def render_png(dot_source: str) -> bytes:
    """PNG bytes for ``dot_source``."""
    return render(dot_source, "png")


def render_pdf(dot_source: str) -> bytes:
    """PDF bytes for ``dot_source`` (system ``dot`` only)."""
    return render(dot_source, "pdf")
