"""The stepper widget's Python side: two-way position sync, one widget per stepper, the
output bundle and its fallbacks, and ``import autograd_lite`` without anywidget.

The browser half (clicks, keys, the page following Python) is tests/test_widget_jupyter.py.
"""

from __future__ import annotations

import base64
import html
import json
import subprocess
import sys

import pytest

from autograd_lite import Value
from autograd_lite.viz import BackwardStepper
from autograd_lite.viz import widget as viz_widget
from autograd_lite.viz.player import player_js

pytest.importorskip(
    "anywidget", reason="anywidget not installed: pip install autograd-lite[notebook]"
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def neuron() -> Value:
    x, w, b = Value(1.5, "x"), Value(-0.8, "w"), Value(0.3, "b")
    z = w * x + b
    z.label = "z"
    loss = (1 - z.sigmoid()).log()
    loss.label = "L"
    return loss


def test_widget_and_stepper_move_together() -> None:
    stepper = BackwardStepper(neuron())
    widget = stepper.widget()
    assert stepper.widget() is widget
    assert widget.position == 0
    stepper.step()
    assert widget.position == 1
    stepper.position = 4
    assert widget.position == 4
    stepper.reset()
    assert widget.position == 0
    widget.position = 3  # what a click in the page does
    assert stepper.position == 3
    reference = BackwardStepper(neuron())
    reference.position = 3
    assert [v.grad for v in stepper.order] == [v.grad for v in reference.order]
    widget.position = stepper.total_steps
    assert stepper.done


def test_pictures_of_the_pass_do_not_move_the_widget(tmp_path) -> None:
    """save_frames and to_gif visit every position inside Python: the page must not jump."""
    stepper = BackwardStepper(neuron())
    widget = stepper.widget()
    stepper.position = 2
    seen: list[int] = []
    widget.observe(lambda change: seen.append(change["new"]), names="position")
    stepper.save_frames(tmp_path / "frames", fmt="svg")
    stepper.to_gif(tmp_path / "pass.gif")
    assert seen == [] and widget.position == stepper.position == 2


def test_a_move_python_refuses_puts_the_page_back() -> None:
    stepper = BackwardStepper(neuron())
    widget = stepper.widget()
    stepper.position = 2
    with pytest.raises(ValueError, match="position must be at most"):
        widget.position = stepper.total_steps + 1
    assert (stepper.position, widget.position) == (2, 2)


def test_widget_data_and_module_come_from_the_player() -> None:
    stepper = BackwardStepper(neuron())
    widget = stepper.widget()
    assert widget.data == json.loads(json.dumps(stepper.player_data()))
    assert widget._esm.count(player_js()) == 1  # the asset itself, once: no second copy
    assert "export default { render }" in widget._esm
    assert isinstance(widget, viz_widget.StepperWidget)


def test_the_bundle_in_a_kernel_carries_the_widget_view(monkeypatch) -> None:
    stepper = BackwardStepper(neuron())
    monkeypatch.setattr(viz_widget, "in_kernel", lambda: True)
    bundle = stepper._repr_mimebundle_()
    view = bundle[viz_widget.WIDGET_MIMETYPE]
    assert view["model_id"] == stepper.widget().model_id
    assert {"text/html", "image/png", "text/plain"} <= set(bundle)


def test_the_static_fallbacks_show_the_finished_pass() -> None:
    stepper = BackwardStepper(neuron())
    stepper.step()
    bundle = stepper._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "text/plain"}  # not in a kernel
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(PNG_MAGIC)
    assert png == stepper.final_graph().png()
    page = bundle["text/html"]
    assert page.count("<iframe ") == 1 and f"base64,{bundle['image/png']}" in page
    srcdoc = html.unescape(page.split('srcdoc="', 1)[1].split('"', 1)[0])
    assert player_js() in srcdoc
    assert stepper.position == 1  # showing it moved nothing
    assert "step 1 of" in bundle["text/plain"]


def test_import_autograd_lite_needs_no_anywidget() -> None:
    code = (
        "import sys\n"
        "sys.modules['anywidget'] = None  # any import of it now fails\n"
        "import autograd_lite\n"
        "from autograd_lite import Value\n"
        "from autograd_lite.viz import BackwardStepper\n"
        "loss = Value(2.0, 'a') * Value(3.0, 'b')\n"
        "stepper = BackwardStepper(loss)\n"
        "print(sorted(stepper._repr_mimebundle_()))\n"
        "try:\n"
        "    stepper.widget()\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [
        "['image/png', 'text/html', 'text/plain']",
        viz_widget.INSTALL_HINT,
    ]


def test_without_a_renderer_the_output_is_text_with_the_install_hint(monkeypatch) -> None:
    monkeypatch.setenv("AUTOGRAD_LITE_RENDERER", "none")
    bundle = BackwardStepper(neuron())._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "pip install autograd-lite[render]" in bundle["text/plain"]
