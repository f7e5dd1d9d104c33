"""Draw the README's pictures: docs/img/graph.png (draw_dot of one neuron after backward())
and docs/img/player.png (the HTML player half-way through that neuron's backward pass).

Run from the repository root: ``python docs/img/make_images.py`` (needs Graphviz, and
Playwright with Chromium at /usr/bin/chromium for the player).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from autograd_lite import BackwardStepper, Value, draw_dot
from autograd_lite._fileio import atomic_write

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def neuron() -> Value:
    """The lectures' neuron: o = tanh(x1*w1 + x2*w2 + b)."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2, b = Value(-3.0, "w1"), Value(1.0, "w2"), Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def graph_png() -> Path:
    o = neuron()
    o.backward()
    graph = draw_dot(o)
    graph.graph_attr["dpi"] = "150"
    return atomic_write(HERE / "graph.png", graph.png())


def player_png() -> Path:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        page_path = BackwardStepper(neuron()).to_html(Path(tmp) / "player.html", "o = tanh(n)")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 640})
            page.goto(page_path.as_uri() + "?step=3")
            shot = page.screenshot()
            browser.close()
    return atomic_write(HERE / "player.png", shot)


if __name__ == "__main__":
    print(graph_png(), player_png())
