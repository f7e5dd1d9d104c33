"""The HTML player, driven in real headless Chromium: its shown grads are backward()'s."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.stepper import BackwardStepper

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install playwright"
)
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Chromium not found at /usr/bin/chromium: apt-get install chromium",
        allow_module_level=True,
    )
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RED = np.array([214, 39, 40])


def expression() -> tuple[Value, list[Value]]:
    """A graph with a reused input (``a``), a constant and an n-ary node; every node labeled."""
    a, b, c = Value(0.8, "a"), Value(-1.3, "b"), Value(0.4, "c")
    nodes = [a, b, c]
    for name, make in [
        ("e", lambda: a * b),
        ("d", lambda: nodes[3] + c),
        ("t", lambda: nodes[4].tanh()),
        ("p", lambda: a**2),
        ("q", lambda: 2 - nodes[6]),
        ("s", lambda: Value.sum([nodes[5], nodes[7], a])),
        ("L", lambda: nodes[8] * nodes[8]),
    ]:
        v = make()
        v.label = name
        nodes.append(v)
    return nodes[-1], nodes


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, tmp_path: Path):
    root, _ = expression()
    path = BackwardStepper(root).to_html(tmp_path / "player.html")
    page = browser.new_page(viewport={"width": 1400, "height": 800})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    yield page
    assert errors == []
    assert all(url.startswith("file:") for url in requests), requests
    page.close()


def shown(page) -> dict[str, tuple[float, str, str]]:
    """Node name -> (grad attribute, grad text, status) as the page shows them."""
    rows = page.eval_on_selector_all(
        "g.node.value",
        """els => els.map(e => [e.dataset.name, e.dataset.grad, e.dataset.status,
                 e.querySelector('text[data-role="grad"]').textContent])""",
    )
    return {name: (float(grad), text, status) for name, grad, status, text in rows}


def reference(steps: int) -> tuple[BackwardStepper, dict[str, float]]:
    root, _ = expression()
    stepper = BackwardStepper(root)
    for _ in range(steps):
        stepper.step()
    return stepper, {stepper.name(v): v.grad for v in stepper.order}


def red_pixels(png: bytes) -> int:
    import matplotlib.image

    pixels = (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255).round()
    return int((np.abs(pixels - RED).max(axis=-1) <= 12).sum())


def test_stepping_shows_the_same_grads_as_backward(page) -> None:
    total = int(page.text_content(".agl-counter").split("/")[1])
    root, nodes = expression()
    assert total == sum(1 for v in nodes if v.parents)
    for k in range(total + 1):
        stepper, expected = reference(k)
        status = stepper.status()
        view = shown(page)
        assert set(view) == set(expected)
        for v in stepper.order:
            grad, text, state = view[stepper.name(v)]
            assert grad == expected[stepper.name(v)]
            assert state == status.get(id(v), "done")
            assert text == ("grad ?" if state == "pending" else f"grad {grad:.4g}")
        assert page.get_attribute(".agl-counter", "data-step") == str(k)
        if k < total:
            page.click("[data-action=step]")
    assert page.is_disabled("[data-action=step]")
    root.backward()
    final = shown(page)
    for v in nodes:
        assert final[v.label][0] == v.grad


def test_back_and_reset_restore_earlier_states(page) -> None:
    for _ in range(4):
        page.click("[data-action=step]")
    page.click("[data-action=back]")
    _, expected = reference(3)
    assert {n: g for n, (g, _, _) in shown(page).items()} == expected
    assert page.get_attribute(".agl-current-row", "data-step") == "3"
    page.click("[data-action=reset]")
    _, expected = reference(0)
    assert {n: g for n, (g, _, _) in shown(page).items()} == expected
    assert page.is_disabled("[data-action=back]") and page.is_disabled("[data-action=reset]")


def test_play_runs_to_the_end_and_pause_stops(page) -> None:
    page.goto(page.url + "?interval=100")
    page.click("[data-action=play]")
    assert page.get_attribute(".agl-player", "data-playing") == "true"
    page.click("[data-action=pause]")
    stopped_at = page.get_attribute(".agl-counter", "data-step")
    page.wait_for_timeout(400)  # four play intervals: nothing may move while paused
    assert page.get_attribute(".agl-counter", "data-step") == stopped_at
    page.click("[data-action=play]")
    page.wait_for_function("document.querySelector('.agl-player').dataset.playing === 'false'")
    root, nodes = expression()
    root.backward()
    final = shown(page)
    assert all(final[v.label][0] == v.grad for v in nodes)


def test_screenshot_shows_the_highlight_and_the_ledger_row(page, tmp_path: Path) -> None:
    before = red_pixels(page.screenshot())
    for _ in range(3):
        page.click("[data-action=step]")
    shot = page.screenshot()
    (tmp_path / "player.png").write_bytes(shot)
    stepper, _ = reference(3)
    current = stepper.current
    node_id = f"n{stepper.index[id(current)]}"
    highlighted = page.eval_on_selector_all("g.node.agl-hl", "els => els.map(e => e.id)")
    assert sorted(highlighted) == sorted([node_id, node_id + "_op"])
    flowing = page.eval_on_selector_all("g.edge.agl-flow", "els => els.length")
    assert flowing == len(current.parents) + 1
    assert red_pixels(shot) > before + 200
    ledger = page.text_content(".agl-current")
    assert f"Step 3 of {stepper.total_steps}" in ledger and stepper.name(current) in ledger
    row = stepper.trace[-1]
    cells = page.eval_on_selector_all(
        ".agl-current-row tr", "rows => rows.slice(1).map(r => r.cells[2].textContent)"
    )
    assert cells == [f"{c:.4g}" for c in row.contributions]
    assert page.eval_on_selector_all(".agl-ledger tr.agl-now", "rs => rs.length") == len(
        row.parents
    )
