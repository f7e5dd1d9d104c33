"""Old import path of ``autograd_lite.viz.render`` (kept so existing code keeps working)."""

from autograd_lite.viz.render import (
    FORMATS,
    INSTALL_HINT,
    RENDERER_ENV,
    RENDERERS,
    RendererNotFound,
    find_renderer,
    render,
    render_pdf,
    render_png,
    render_svg,
)

__all__ = [
    "FORMATS",
    "INSTALL_HINT",
    "RENDERERS",
    "RENDERER_ENV",
    "RendererNotFound",
    "find_renderer",
    "render",
    "render_pdf",
    "render_png",
    "render_svg",
]
