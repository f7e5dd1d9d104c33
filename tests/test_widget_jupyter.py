"""The live stepper in a real JupyterLab, driven by headless Chromium.

A notebook shows a ``BackwardStepper`` of the lectures' logistic neuron as a cell's value.
Clicks and arrow keys in the page must move ``stepper.position`` in the kernel, and
``stepper.position = k`` or ``stepper.step()`` in the kernel must move the page; every grad
the page shows is the one Python computes (backward()'s, once a node has been processed).
"""

from __future__ import annotations

import jupyter_harness as jh
import pytest
import stepper_notebook as sn

pytestmark = pytest.mark.browser
jh.skip_unless_available()
WIDGET_MIMETYPE = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with jh.running_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser():
    with jh.chromium() as browser:
        yield browser


@pytest.fixture()
def notebook(lab, browser):
    nb = lab.open(browser, "stepper.ipynb", sn.CELLS)
    nb.run_all()
    yield nb
    assert nb.page_errors == []
    nb.close()


def shown_grads(player) -> dict[str, tuple[float, str]]:
    """Node name -> (exact grad, grad label text) as the page shows them."""
    return {
        name: (float(grad), text)
        for name, grad, text in player.locator("g.node[data-name]").evaluate_all(
            """els => els.map(e => [e.dataset.name, e.dataset.grad,
                 e.querySelector('text[data-role="grad"]').textContent])"""
        )
    }


def assert_page_at(player, k: int) -> None:
    """The page shows step ``k``: its counter, and every grad of a reference stepper at k."""
    player.page.wait_for_function(
        "k => document.querySelector('.agl-player .agl-counter').dataset.step === k",
        arg=str(k),
        timeout=jh.UI_TIMEOUT_MS,
    )
    reference = sn.reference(k)
    status = reference.status()
    expected = {reference.name(v): v for v in reference.order}
    view = shown_grads(player)
    assert set(view) == set(expected)
    for name, v in expected.items():
        grad, text = view[name]
        assert grad == v.grad, name
        if status.get(id(v)) == "pending":
            assert text == "grad ?", name
        else:
            assert text == f"grad {sn.shown(v.grad)}", name


def test_a_stepper_as_a_cell_value_is_the_live_widget(notebook) -> None:
    out = notebook.output(1)
    player = out.locator(".agl-player")
    player.wait_for(timeout=jh.UI_TIMEOUT_MS)
    assert out.locator("iframe").count() == 0  # the widget, not the static fallback
    mimetypes = notebook.page.evaluate(
        f"""() => {{
          const cell = {notebook._panel_js()}.content.model.cells.get(1);
          return Object.keys(cell.outputs.get(0).data);
        }}"""
    )
    assert WIDGET_MIMETYPE in mimetypes and "text/html" in mimetypes
    assert_page_at(player, 0)


def test_clicks_move_python_and_python_moves_the_page(notebook) -> None:
    player = notebook.output(1).locator(".agl-player")
    step = player.locator('button[data-action="step"]')
    for _ in range(3):
        step.click()
    assert notebook.wait_for_value("stepper.position", 3) == 3
    assert_page_at(player, 3)
    # The third node processed shows its gradient: the number backward() gives it.
    third = sn.reference(3)
    name = third.name(third.current)
    assert shown_grads(player)[name] == (
        sn.final_grads()[name],
        f"grad {sn.shown(sn.final_grads()[name])}",
    )
    assert notebook.value("[stepper.name(stepper.current), stepper.current.grad]") == [
        name,
        sn.final_grads()[name],
    ]

    notebook.execute("stepper.position = 1")
    assert_page_at(player, 1)
    notebook.execute("stepper.step()")
    assert_page_at(player, 2)

    player.focus()
    player.press("ArrowRight")
    assert notebook.wait_for_value("stepper.position", 3) == 3
    player.press("ArrowLeft")
    player.press("ArrowLeft")
    assert notebook.wait_for_value("stepper.position", 1) == 1
    assert_page_at(player, 1)


def test_stepping_to_the_end_gives_backward_grads_in_python(notebook) -> None:
    player = notebook.output(1).locator(".agl-player")
    total = sn.reference(0).total_steps
    for _ in range(total):
        player.locator('button[data-action="step"]').click()
    assert notebook.wait_for_value("stepper.position", total) == total
    assert notebook.value("stepper.done") is True
    grads = notebook.value("{stepper.name(v): v.grad for v in stepper.order}")
    assert grads == sn.final_grads()
    assert_page_at(player, total)
