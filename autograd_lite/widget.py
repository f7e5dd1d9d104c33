"""A ``BackwardStepper`` as a live Jupyter widget, with fallbacks where no kernel runs.

``stepper_widget(stepper)`` (what ``stepper.widget()`` returns) is an anywidget whose
``position`` follows the stepper both ways: a click in the page moves ``stepper.position``,
``stepper.step()`` or ``stepper.position = k`` in Python moves the page. Its ES module is the
player asset's own source plus a small ``render`` function, so there is no second copy of the
player's JavaScript.

``stepper_mimebundle(stepper)`` is what a stepper shown as a cell's value puts in the output:

- ``application/vnd.jupyter.widget-view+json``: the live widget, when running in a kernel with
  anywidget installed. JupyterLab, Notebook 7, VS Code and Colab rank it first.
- ``text/html``: the self-contained static player in an ``<iframe srcdoc>``, which still steps
  in ``nbconvert --to html`` exports and nbviewer (they skip the widget view when the notebook
  holds no widget state, as JupyterLab saves it by default). Before the iframe, a still picture
  of the finished pass that the iframe's ``onload`` removes: renderers that strip iframes and
  scripts (GitHub) keep the picture.
- ``image/png``: the same still picture, for renderers that drop HTML but keep PNG.
- ``text/plain``: the stepper's repr.

anywidget is imported only when a widget is made, so ``import autograd_lite`` works without it.
"""

from __future__ import annotations

import base64
import html
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lite.render import RendererNotFound
from autograd_lite.viz import build_graph

if TYPE_CHECKING:
    from autograd_lite.stepper import BackwardStepper

WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"
IFRAME_MAX_HEIGHT_PX = 900
INSTALL_HINT = "the live widget needs anywidget: pip install autograd-lite[notebook]"

_widgets: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def in_kernel() -> bool:
    """True inside a running IPython kernel (where a widget frontend may show widgets)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def final_picture(stepper: BackwardStepper) -> bytes:
    """PNG of the stepper's graph with every gradient of the finished backward pass.

    The stepper itself does not move: the grads come from replaying the pass on copies.
    """
    grads = dict(stepper.initial_grads)
    for node in stepper.schedule:
        for p, d in zip(node.parents, node.local_grads, strict=True):
            grads[id(p)] += grads[id(node)] * d
    graph = build_graph(stepper.root, params=stepper.params, module=stepper.module, grads=grads)
    return graph.png()


def static_player_html(stepper: BackwardStepper, picture: bytes | None = None) -> str:
    """The self-contained player page of ``stepper`` in an ``<iframe srcdoc>``, preceded by
    ``picture`` (PNG bytes) that the iframe removes once it has loaded."""
    with tempfile.TemporaryDirectory() as folder:
        page = stepper.to_html(Path(folder) / "player.html").read_text(encoding="utf-8")
    still = ""
    if picture is not None:
        data = base64.b64encode(picture).decode("ascii")
        still = (
            f'<img class="autograd-lite-still" src="data:image/png;base64,{data}" '
            'alt="The finished backward pass: every node with its gradient">'
        )
    # onload: drop the still picture and fit the frame to the page (srcdoc is same-origin).
    onload = (
        "var s=this.previousElementSibling;if(s&&s.className==='autograd-lite-still')s.remove();"
        "var d=this.contentDocument;if(d){this.style.height=Math.min("
        f"{IFRAME_MAX_HEIGHT_PX},d.documentElement.scrollHeight+4)+'px';}}"
    )
    return (
        f'<div class="autograd-lite-player">{still}'
        f'<iframe srcdoc="{html.escape(page, quote=True)}" onload="{html.escape(onload)}" '
        f'style="width:100%;height:{IFRAME_MAX_HEIGHT_PX}px;border:0" '
        'title="Backpropagation, step by step"></iframe></div>'
    )


def stepper_mimebundle(stepper: BackwardStepper) -> dict[str, Any]:
    """Every representation of ``stepper`` for a notebook output (see the module docstring).

    Without a Graphviz renderer only the text is given (with the install hint).

    >>> from autograd_lite import Value
    >>> from autograd_lite.stepper import BackwardStepper
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> loss = a * b
    >>> loss.label = "L"
    >>> sorted(stepper_mimebundle(BackwardStepper(loss)))
    ['image/png', 'text/html', 'text/plain']
    """
    bundle: dict[str, Any] = {"text/plain": repr(stepper)}
    try:
        picture = final_picture(stepper)
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
        bundle[WIDGET_MIMETYPE] = view[WIDGET_MIMETYPE]
    return bundle


def _player_sources() -> tuple[str, str]:
    """(JavaScript, CSS) of the player asset, read from the installed package."""
    raise ImportError("player asset not there yet")


RENDER_JS = """
// anywidget entry: mount the player above and keep its step in sync with the model.
function render({ model, el }) {
  const player = mountPlayer(el, model.get("data"), {
    position: model.get("position"),
    onPosition: (k) => {
      if (model.get("position") !== k) {
        model.set("position", k);
        model.save_changes();
      }
    },
  });
  const follow = () => player.setPosition(model.get("position"));
  model.on("change:position", follow);
  return () => model.off("change:position", follow);
}
export default { render };
"""


def _widget_class() -> type:
    """The anywidget class, made on first use so that anywidget is imported only then."""
    global StepperWidget
    if StepperWidget is not None:
        return StepperWidget
    try:
        import anywidget
        import traitlets
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    js, css = _player_sources()

    class _StepperWidget(anywidget.AnyWidget):
        """The player of one ``BackwardStepper``; ``position`` is the number of steps shown."""

        _esm = js + "\n" + RENDER_JS
        _css = css
        data = traitlets.Dict().tag(sync=True)
        position = traitlets.Int(0).tag(sync=True)

    _StepperWidget.__name__ = _StepperWidget.__qualname__ = "StepperWidget"
    StepperWidget = _StepperWidget
    return StepperWidget


StepperWidget: type | None = None


def stepper_widget(stepper: BackwardStepper) -> Any:
    """The live widget of ``stepper`` (one per stepper: every display shows the same one)."""
    widget = _widgets.get(stepper)
    if widget is None:
        widget = _widget_class()(data={}, position=stepper.position)
        _widgets[stepper] = widget
    return widget
