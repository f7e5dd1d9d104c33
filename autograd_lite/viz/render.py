"""Turn DOT source into SVG, PNG or PDF with whichever Graphviz layout program is installed.

The system ``dot`` is used when it is on PATH (through the ``graphviz`` package's ``pipe``);
otherwise the ``graphviz-pure`` command from the optional ``render`` extra, a static Rust port
of dot that needs no root to install (SVG and PNG only; PDF needs the system ``dot``).

``AUTOGRAD_LITE_RENDERER=dot`` or ``=graphviz-pure`` forces one; ``=none`` behaves as if
neither were installed (every render raises ``RendererNotFound``), to try the fallback paths.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import graphviz

from autograd_lite._fileio import atomic_write

if TYPE_CHECKING:
    from autograd_lite.viz.folding import TableRow

RENDERER_ENV = "AUTOGRAD_LITE_RENDERER"
RENDERERS = ("dot", "graphviz-pure")
NO_RENDERER = "none"
FORMATS = ("svg", "png", "pdf")
PURE_FORMATS = ("svg", "png")
_TITLE = re.compile(r"<title>(.*?)</title>\n?", re.S)

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
    """``(name, executable)`` of the renderer to use, or raise ``RendererNotFound``.

    >>> find_renderer()[0] in RENDERERS
    True
    """
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
    """SVG text for ``dot_source``.

    >>> "<svg" in render_svg("digraph { a -> b }")
    True
    """
    return render(dot_source, "svg").decode()


def render_png(dot_source: str) -> bytes:
    """PNG bytes for ``dot_source``."""
    return render(dot_source, "png")


def render_pdf(dot_source: str) -> bytes:
    """PDF bytes for ``dot_source`` (system ``dot`` only)."""
    return render(dot_source, "pdf")


class Graph(graphviz.Digraph):
    """A ``graphviz.Digraph`` rendered by ``autograd_lite.viz.render`` (system dot or
    graphviz-pure). ``titles`` maps DOT node names to the names shown as tooltips,
    ``element_ids`` a Value's id to the element drawing it, ``tables`` each folded neuron's
    parameter table (element id, rows).

    >>> from autograd_lite import Value, draw_dot
    >>> g = draw_dot(Value(2.0, "x") * 3)
    >>> "<title>x</title>" in g.svg() and "n0" not in re.findall("<title>(.*?)</title>", g.svg())
    True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.titles: dict[str, str] = {}
        self.element_ids: dict[int, str] = {}
        self.tables: list[tuple[str, list[TableRow]]] = []

    def svg(self) -> str:
        """The rendered SVG text; tooltips show node names, never internal ids."""

        def title(match: re.Match) -> str:
            shown = self.titles.get(html.unescape(match.group(1)))
            return "" if shown is None else f"<title>{html.escape(shown)}</title>\n"

        return _TITLE.sub(title, render_svg(self.source))

    def png(self) -> bytes:
        """The rendered PNG bytes."""
        return render_png(self.source)

    def pdf(self) -> bytes:
        """The rendered PDF bytes (needs the system ``dot``)."""
        return render_pdf(self.source)

    def export(self, path: str | Path) -> Path:
        """Write the graph to ``path`` as .svg, .png, .pdf or .dot/.gv (by suffix), atomically."""
        path = Path(path)
        writers = {".svg": self.svg, ".png": self.png, ".pdf": self.pdf}
        suffix = path.suffix.lower()
        if suffix in writers:
            return atomic_write(path, writers[suffix]())
        if suffix in (".dot", ".gv"):
            return atomic_write(path, self.source)
        raise ValueError(f"export needs a .svg, .png, .pdf, .dot or .gv path, got {str(path)!r}")

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, str]:
        """Jupyter display: inline SVG, or the install hint when no renderer exists."""
        try:
            return {"image/svg+xml": self.svg()}
        except RendererNotFound as error:
            return {"text/plain": str(error)}
