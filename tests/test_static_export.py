"""A stepper's output where no kernel runs: ``jupyter nbconvert --to html`` still steps.

The notebook is executed with nbclient and saved without widget state (as JupyterLab saves
by default), exported with ``jupyter nbconvert --to html``, and the export is opened in headless
Chromium from a file: no server, no kernel. The output must be the static player (the widget
view needs state the file does not have), and stepping it to the end must show every gradient
``backward()`` gives.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupyter_harness as jh
import nbformat
import pytest
import stepper_notebook as sn

pytestmark = pytest.mark.browser
jh.skip_unless_available()


@pytest.fixture(scope="module")
def browser():
    with jh.chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("export")
    nb = nbformat.from_dict(jh.notebook_json(sn.CELLS))
    env = jh.lab_environment(folder / "home")
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=600,
        store_widget_state=False,  # JupyterLab saves no widget state unless asked to
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute(env=env)  # the kernel imports this checkout of autograd_lite
    path = folder / "stepper.ipynb"
    nbformat.write(nb, path)
    subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", str(path)],
        check=True,
        capture_output=True,
        env=env,
    )
    return path.with_suffix(".html")


def test_the_executed_output_carries_the_widget_and_its_fallbacks(export: Path) -> None:
    nb = nbformat.read(export.with_suffix(".ipynb"), as_version=4)
    data = nb.cells[-1].outputs[-1]["data"]
    assert set(data) == {
        "application/vnd.jupyter.widget-view+json",
        "text/html",
        "image/png",
        "text/plain",
    }
    assert "widgets" not in nb.metadata


def test_the_export_steps_to_every_gradient_of_backward(export: Path, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    # nbconvert's page template asks CDNs for require.js and MathJax: refuse them, so the
    # test runs offline, and check that the player itself asks for nothing.
    page.route("http*://**", lambda route: route.abort())
    player_requests, errors = [], []
    page.on(
        "request",
        lambda r: r.frame.parent_frame is not None and player_requests.append(r.url),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(export.as_uri())
    frames = page.locator("iframe")
    assert frames.count() == 1
    # nbconvert skipped the widget view (no widget state) for the static player
    assert page.locator('[data-mime-type="application/vnd.jupyter.widget-view+json"]').count() == 0
    assert page.locator("img.agl-still").count() == 0  # removed once the frame loaded
    player = page.frame_locator("iframe").locator(".agl-player")
    expected = sn.final_grads()
    total = sn.reference(0).total_steps
    step = player.locator('button[data-action="step"]')
    for _ in range(total):
        step.click()
    assert player.locator(".agl-counter").get_attribute("data-step") == str(total)
    assert step.is_disabled()
    seen = {
        name: (float(grad), text)
        for name, grad, text in player.locator("g.node[data-name]").evaluate_all(
            """els => els.map(e => [e.dataset.name, e.dataset.grad,
                 e.querySelector('text[data-role="grad"]').textContent])"""
        )
    }
    assert set(seen) == set(expected)
    for name, grad in expected.items():
        assert seen[name] == (grad, f"grad {sn.shown(grad)}"), name
    assert errors == []
    assert all(url.startswith("data:") for url in player_requests), player_requests
    page.close()
