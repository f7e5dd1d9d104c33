"""A ``BackwardStepper`` as a live Jupyter widget, with fallbacks where no kernel runs.

``stepper_widget(stepper)`` (what ``stepper.widget()`` returns) is an anywidget whose
``position`` follows the stepper both ways: a click or arrow key in the page moves
``stepper.position``; ``stepper.step()`` or ``stepper.position = k`` in Python moves the page.
Its ES module is the player asset's own source (``player.js``) followed by ``widget.js``, a
small ``render`` function, so the widget and the static page run one copy of the player.

``stepper_mimebundle(stepper)`` is what a stepper shown as a cell's value puts in the output:

- ``application/vnd.jupyter.widget-view+json``, the live widget, only inside a kernel with
  anywidget installed. JupyterLab, Notebook 7, VS Code and Colab rank it above the rest.
- ``text/html``: the self-contained static player in an ``<iframe srcdoc>``. nbconvert's HTML
  export and nbviewer skip the widget view when the notebook holds no widget state (JupyterLab
  saves none by default) and take this, so the export still steps. Before the iframe sits a
  still picture of the finished pass, which the iframe's ``onload`` removes: a renderer that
  strips iframes and scripts from HTML (GitHub) keeps the picture.
- ``image/png``: the same still picture, for renderers that drop HTML and keep PNG (PNG rather
  than SVG: sanitizing renderers drop ``image/svg+xml``).
- ``text/plain``: the stepper's repr.

anywidget is imported only when a widget is made, so ``import autograd_lite`` works without it.
"""

from __future__ import annotations

import base64
import html
import weakref
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from autograd_lite._jupyter import in_kernel
from autograd_lite.viz.player import player_css, player_js, player_page
from autograd_lite.viz.render import RendererNotFound

if TYPE_CHECKING:
    from autograd_lite.viz.stepper import BackwardStepper

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
# The player's height in a notebook, live or static: the page fills it, and zoom and pan
# reach the rest of a big graph. Fits a 1024x768 projector and uses a 1080p screen.
PLAYER_HEIGHT = "clamp(380px, 70vh, 760px)"
INSTALL_HINT = "the live stepper widget needs anywidget: pip install autograd-lite[notebook]"

# One widget per stepper: showing a stepper twice shows two views of the same widget. Weak
# keys, and the widget holds its stepper weakly, so a forgotten stepper can be collected.
_widgets: weakref.WeakKeyDictionary[BackwardStepper, Any] = weakref.WeakKeyDictionary()
_widget_class: type | None = None


def widget_esm() -> str:
    """The widget's ES module: the player asset's source, then ``widget.js``'s ``render``.

    >>> esm = widget_esm()
    >>> "function mountPlayer(" in esm and esm.rstrip().endswith("export default { render };")
    True
    """
    wrapper = files("autograd_lite.viz").joinpath("widget.js").read_text(encoding="utf-8")
    return player_js() + "\n" + wrapper


def _make_widget_class() -> type:
    """Define ``StepperWidget`` on first use, so that anywidget is imported only then."""
    global _widget_class
    if _widget_class is not None:
        return _widget_class
    try:
        import anywidget
        import traitlets
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error

    class StepperWidget(anywidget.AnyWidget):
        """The player of one ``BackwardStepper``; ``position`` is the number of steps shown."""

        _esm = widget_esm()
        _css = player_css() + f"\n.agl-widget {{ height: {PLAYER_HEIGHT}; }}\n"
        data = traitlets.Dict().tag(sync=True)
        position = traitlets.Int(0).tag(sync=True)

        def __init__(self, stepper: BackwardStepper) -> None:
            super().__init__(data=stepper.player_data(), position=stepper.position)
            self._stepper = weakref.ref(stepper)
            self.observe(self._moved_in_page, names="position")
            stepper.add_position_listener(self._moved_in_python)

        def _moved_in_page(self, change: dict[str, Any]) -> None:
            stepper = self._stepper()
            if stepper is None or stepper.position == change["new"]:
                return
            try:
                stepper.position = change["new"]
            except Exception:
                self.position = stepper.position  # the page goes back to where Python is
                raise

        def _moved_in_python(self, position: int) -> None:
            self.position = position

    StepperWidget.__qualname__ = "StepperWidget"
    _widget_class = StepperWidget
    return StepperWidget


def stepper_widget(stepper: BackwardStepper) -> Any:
    """The live widget of ``stepper``: the same one every time it is asked for.

    Raises ``ImportError`` with the install hint when anywidget is missing.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import BackwardStepper
    >>> st = BackwardStepper((Value(2.0, "a") * Value(3.0, "b")).tanh())
    >>> w = stepper_widget(st)
    >>> st.step()
    <step 1: tanh(a*b) (tanh), upstream 1; a*b += 2.458e-05>
    >>> w.position
    1
    >>> w.position = 0  # what "reset" in the page does
    >>> st.position, stepper_widget(st) is w
    (0, True)
    """
    widget = _widgets.get(stepper)
    if widget is None:
        widget = _make_widget_class()(stepper)
        _widgets[stepper] = widget
    return widget


def static_player_html(stepper: BackwardStepper, picture: bytes | None = None) -> str:
    """The self-contained player page of ``stepper`` in an ``<iframe srcdoc>``, after
    ``picture`` (PNG bytes), which the iframe removes once it has loaded.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import BackwardStepper
    >>> page = static_player_html(BackwardStepper(Value(2.0, "a") * 3))
    >>> page.startswith('<div class="agl-static"><iframe srcdoc="&lt;!DOCTYPE html&gt;')
    True
    """
    page = player_page(stepper.player_data())
    still = ""
    if picture is not None:
        data = base64.b64encode(picture).decode("ascii")
        still = (
            f'<img class="agl-still" src="data:image/png;base64,{data}" '
            'alt="The finished backward pass: every node with its gradient">'
        )
    # onload: the frame has loaded, so the still picture (for renderers without iframes) goes.
    onload = "var s=this.previousElementSibling;if(s&&s.className==='agl-still')s.remove();"
    return (
        f'<div class="agl-static">{still}'
        f'<iframe srcdoc="{html.escape(page, quote=True)}" onload="{html.escape(onload)}" '
        f'style="width:100%;height:{PLAYER_HEIGHT};border:0" '
        'title="Backpropagation, step by step"></iframe></div>'
    )


def stepper_mimebundle(stepper: BackwardStepper) -> dict[str, Any]:
    """Every representation of ``stepper`` for a notebook output (see the module docstring).

    Without a Graphviz renderer only the text is given, with the install hint.

    >>> from autograd_lite import Value
    >>> from autograd_lite.viz import BackwardStepper
    >>> loss = Value(2.0, label="w") * Value(-3.0, label="x")
    >>> loss.label = "L"
    >>> sorted(stepper_mimebundle(BackwardStepper(loss)))  # outside a kernel: no widget
    ['image/png', 'text/html', 'text/plain']
    """
    bundle: dict[str, Any] = {"text/plain": repr(stepper)}
    try:
        picture = stepper.final_graph().png()
    except RendererNotFound as error:
        bundle["text/plain"] += f"\n({error})"
        return bundle
    bundle["image/png"] = base64.b64encode(picture).decode("ascii")
    bundle["text/html"] = static_player_html(stepper, picture)
    if in_kernel():
        try:
            view = stepper_widget(stepper)._repr_mimebundle_()
        except ImportError:
            return bundle
        data = view[0] if isinstance(view, tuple) else view  # anywidget: (data, metadata)
        bundle[WIDGET_MIMETYPE] = data[WIDGET_MIMETYPE]
    return bundle


def __getattr__(name: str) -> Any:
    # ``StepperWidget`` exists once anywidget is importable; defining it on first access
    # keeps ``import autograd_lite.viz.widget`` free of anywidget.
    if name == "StepperWidget":
        return _make_widget_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
