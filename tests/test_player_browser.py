"""The HTML player, driven in real headless Chromium: its shown grads are backward()'s."""

from __future__ import annotations

import contextlib
import io
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from jupyter_harness import CHROMIUM, CHROMIUM_ARGS, CHROMIUM_HINT

from autograd_lite import Value
from autograd_lite.stepper import BackwardStepper

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright not installed: pip install playwright"
)
if CHROMIUM is None:
    pytest.skip(CHROMIUM_HINT, allow_module_level=True)
ARGS = CHROMIUM_ARGS
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


@contextlib.contextmanager
def opened(browser, path: Path, width: int = 1400, height: int = 800):
    """The page at ``path``; on leaving, no script error and no request left the file."""
    page = browser.new_page(viewport={"width": width, "height": height})
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    yield page
    assert errors == []
    assert all(url.startswith("file:") for url in requests), requests
    page.close()


@pytest.fixture()
def page(browser, tmp_path: Path):
    root, _ = expression()
    with opened(browser, BackwardStepper(root).to_html(tmp_path / "player.html")) as page:
        yield page


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
    now = page.eval_on_selector_all(
        ".agl-ledger tr.agl-now", "rs => rs.map(r => r.classList.contains('agl-head'))"
    )
    assert now == [True] + [False] * len(row.parents)  # the step's line, then its inputs


def test_mount_player_is_one_entry_with_two_way_position(page) -> None:
    """The widget's contract: mountPlayer(el, data, {position, onPosition}) -> {setPosition}."""
    total = int(page.text_content(".agl-counter").split("/")[1])
    page.evaluate(
        """() => {
        const data = JSON.parse(document.getElementById("player-data").textContent);
        const el = document.createElement("div");
        el.id = "second";
        el.style.height = "500px";
        document.body.append(el);
        window.calls = [];
        window.second = mountPlayer(el, data, {position: 2, onPosition: (k) => calls.push(k)});
    }"""
    )
    counter = "#second .agl-counter"
    assert page.get_attribute(counter, "data-step") == "2"
    page.click("#second [data-action=step]")
    page.click("#second [data-action=back]")
    page.click("#second [data-action=reset]")
    assert page.evaluate("calls") == [3, 2, 0]
    page.evaluate(f"second.setPosition({total})")  # from Python: no echo back
    assert page.get_attribute(counter, "data-step") == str(total)
    assert page.evaluate("[calls.length, second.position()]") == [3, total]
    assert page.get_attribute("#player .agl-counter", "data-step") == "0"  # independent
    _, expected = reference(total)
    grads = page.eval_on_selector_all(
        "#second g.node.value", "els => els.map(e => [e.dataset.name, Number(e.dataset.grad)])"
    )
    assert dict(grads) == expected


def test_ledger_grows_with_the_steps_show_all_and_quiz(page) -> None:
    def ledger_steps() -> list[str]:
        return page.eval_on_selector_all(
            ".agl-ledger tbody tr", "rs => [...new Set(rs.map(r => r.dataset.step))]"
        )

    assert ledger_steps() == []  # nothing is given away before the first step
    for _ in range(2):
        page.click("[data-action=step]")
    assert ledger_steps() == ["1", "2"]
    page.click("[data-action=showall]")
    total = int(page.text_content(".agl-counter").split("/")[1])
    assert ledger_steps() == [str(k) for k in range(1, total + 1)]
    assert page.eval_on_selector_all(".agl-ledger tr.agl-later", "rs => rs.length") > 0
    page.click("[data-action=showall]")
    page.click("[data-action=quiz]")
    before = shown(page)
    page.click("[data-action=step]")  # asks first: local d and contributions hidden
    assert page.get_attribute(".agl-counter", "data-step") == "2"
    assert shown(page) == before
    stepper, _ = reference(0)
    data = stepper.player_data()["steps"]
    symbolic = 0
    for k in range(3, len(data) + 1):  # every later step: asked, then revealed
        if k > 3:
            page.click("[data-action=step]")  # asks
        inputs = data[k - 1]["inputs"]
        cells = page.eval_on_selector_all(
            ".agl-current-row tr",
            "rs => rs.slice(1).map(r => [...r.cells].map(c => c.textContent))",
        )
        assert cells == [[i["name"], "?", "?", "?"] for i in inputs]
        formulas = page.eval_on_selector_all(".agl-formula", "fs => fs.map(f => f.textContent)")
        asked = [t for i in inputs[:4] for t in (i["question"], i["chain_question"])]
        assert formulas == asked and all(f.endswith(" ?") for f in formulas)
        symbolic += sum(i["question"].count(" = ") == 2 for i in inputs)  # "d/dx = rule = ?"
        assert page.text_content("[data-action=step]").startswith("reveal")
        page.click("[data-action=step]")  # reveals: the step is taken, with its numbers
        assert page.get_attribute(".agl-counter", "data-step") == str(k)
        _, expected = reference(k)
        assert {n: g for n, (g, _, _) in shown(page).items()} == expected
        formulas = page.eval_on_selector_all(".agl-formula", "fs => fs.map(f => f.textContent)")
        assert formulas[::2] == [i["formula"] for i in inputs[:4]]
    assert symbolic >= 3  # tanh, a product and a square asked as their rules in symbols
    page.click("[data-action=ledger]")
    assert not page.is_visible(".agl-side")
    page.click("[data-action=ledger]")
    assert page.is_visible(".agl-side")


def view_box(page) -> list[float]:
    return [float(x) for x in page.get_attribute(".agl-graph svg", "viewBox").split()]


def test_wheel_zoom_drag_pan_fit_and_natural_size(page) -> None:
    page.click("[data-action=fit]")
    _, _, w, h = view_box(page)
    graph = page.eval_on_selector(
        ".agl-graph svg > g",
        "g => { const b = g.getBBox(); return [b.x, b.y, b.width, b.height]; }",
    )
    box = page.locator(".agl-graph").bounding_box()
    scale = float(page.get_attribute(".agl-player", "data-scale"))
    assert w == pytest.approx(box["width"] / scale) and h == pytest.approx(box["height"] / scale)
    assert w >= graph[2] and h >= graph[3]  # the whole graph is in view
    page.mouse.move(box["x"] + 200, box["y"] + 150)
    page.mouse.wheel(0, -400)
    page.wait_for_function(f"Number(document.querySelector('.agl-player').dataset.scale) > {scale}")
    zoomed = float(page.get_attribute(".agl-player", "data-scale"))
    before = view_box(page)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 200, steps=5)
    page.mouse.up()
    after = view_box(page)
    assert after[0] == pytest.approx(before[0] - 100 / zoomed)
    assert after[1] == pytest.approx(before[1] - 50 / zoomed)
    page.click("[data-action=zoom100]")
    assert float(page.get_attribute(".agl-player", "data-scale")) == pytest.approx(4 / 3)


def test_tooltips_name_nodes_never_internal_ids(page) -> None:
    titles = page.eval_on_selector_all(".agl-graph title", "ts => ts.map(t => t.textContent)")
    _, nodes = expression()
    assert {v.label for v in nodes} <= set(titles)
    assert not [t for t in titles if re.fullmatch(r"n\d+(_op)?|.*->.*|%\d+", t)]


HOSTILE = ["</script><script>window.pwned=1</script>", "<!--<script>", "a & b", "<b>x</b>"]


def test_hostile_labels_are_shown_as_text_and_the_page_still_steps(browser, tmp_path) -> None:
    leaves = [Value(0.1 * (k + 1), label) for k, label in enumerate(HOSTILE)]
    root = Value.sum(leaves).tanh() * leaves[0]
    root.label = "</script><!--"
    stepper = BackwardStepper(root)
    with opened(browser, stepper.to_html(tmp_path / "hostile.html")) as page:
        names = page.eval_on_selector_all("g.node.value", "els => els.map(e => e.dataset.name)")
        assert set(HOSTILE) <= set(names)
        for _ in range(stepper.total_steps):
            page.click("[data-action=step]")
        assert page.evaluate("window.pwned") is None
        stepper.run()
        assert {n: g for n, (g, _, _) in shown(page).items()} == {
            stepper.name(v): v.grad for v in stepper.order
        }


def test_leaves_holding_gradients_show_them_until_more_arrives(browser, tmp_path) -> None:
    x = Value(3.0, "x")
    y = x * x + 2 * x
    y.label = "y"
    y.backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stepper = BackwardStepper(y)
    with opened(browser, stepper.to_html(tmp_path / "stale.html")) as page:
        assert shown(page)["x"][1] == "grad 8 + ?"
        for _ in range(stepper.total_steps):
            page.click("[data-action=step]")
        assert shown(page)["x"][:2] == (16.0, "grad 16")


def mlp_loss() -> tuple[object, Value]:
    from autograd_lite.nn import MLP

    model = MLP(2, [16, 16, 1], seed=0)
    loss = (model([Value(0.5, "x1"), Value(-0.3, "x2")]) - 1.0) ** 2
    loss.label = "L"
    return model, loss


def table_cells(page) -> dict[str, list[str]]:
    """Folded neuron tables: element id -> the texts of their grad column."""
    return dict(
        page.eval_on_selector_all(
            "g.node.params",
            "gs => gs.map(g => [g.id, [...g.querySelectorAll('text')].slice(3)"
            ".filter((t, i) => i % 3 === 2).map(t => t.textContent)])",
        )
    )


def expected_cells(model, tables: dict[str, list[str]]) -> dict[str, list[str]]:
    out = {}
    for layer_index, layer in enumerate(model.layers):
        for k, neuron in enumerate(layer.neurons):
            key = f"summary_params_layers_{layer_index}_neurons_{k}"
            if len(neuron.w) + 1 <= 4:
                out[key] = [f"{p.grad + 0.0:.4g}" for p in [*neuron.w, neuron.b]]
            else:
                top = max(abs(w.grad) for w in neuron.w)
                out[key] = [f"≤ {top:.4g}", f"{neuron.b.grad + 0.0:.4g}"]
    assert set(out) == set(tables)
    return out


def test_mlp_player_is_readable_at_1024x768_and_exact(browser, tmp_path) -> None:
    """Acceptance: a 2-16-16-1 one-sample loss at 1024x768. Before any step no final leaf
    gradient is shown; after "fit" and stepping to a hidden-layer node the current node's
    label is at least 12 px tall; every step's numbers are backward()'s; at the end every
    leaf gradient is shown."""
    model, loss = mlp_loss()
    path = BackwardStepper(loss, module=model).to_html(tmp_path / "mlp.html")
    reference_model, reference_loss = mlp_loss()
    reference = BackwardStepper(reference_loss, module=reference_model)
    with opened(browser, path, 1024, 768) as page:
        tables = table_cells(page)
        assert len(tables) == 16 + 16 + 1
        assert all(set(cells) == {"?"} for cells in tables.values())
        inputs = {name: text for name, (_, text, _) in shown(page).items() if name in ("x1", "x2")}
        assert inputs == {"x1": "grad ?", "x2": "grad ?"}
        page.click("[data-action=fit]")
        graph_box = page.locator(".agl-graph").bounding_box()
        hidden_seen = False
        for k in range(1, reference.total_steps + 1):
            page.click("[data-action=step]")
            row = reference.step()
            view = shown(page)
            for v in reference.order:
                name = reference.name(v)
                if name in view:
                    assert view[name][0] == v.grad, (k, name)
            cells = page.eval_on_selector_all(
                ".agl-current-row tr", "rs => rs.slice(1).map(r => r.cells[2].textContent)"
            )
            assert cells == [f"{c + 0.0:.4g}" for c in row.contributions]
            if not hidden_seen and re.match(r"l[01]\.", row.name):
                hidden_seen = True
                label = page.locator("g.node.value.agl-hl text").first
                assert label.text_content() == row.name
                box = label.bounding_box()
                assert box["height"] >= 12, box
                assert graph_box["x"] <= box["x"] and box["x"] + box["width"] <= (
                    graph_box["x"] + graph_box["width"]
                )
                assert graph_box["y"] <= box["y"] <= graph_box["y"] + graph_box["height"]
        assert hidden_seen
        model_ref, ref_loss = mlp_loss()
        ref_loss.backward()
        tables = table_cells(page)
        assert tables == expected_cells(model_ref, tables)
        final = shown(page)
        assert final["x1"][1] != "grad ?" and final["x2"][1] != "grad ?"
        formula = page.text_content(".agl-current")
        assert "d l0.n" in formula or "dl0.n" in formula


def test_clicking_a_node_shows_its_ledger_entry(page) -> None:
    stepper, _ = reference(3)
    full = stepper.full_trace()
    done, later = full[1], full[-1]  # the second step's node, and the last one's
    for _ in range(3):
        page.click("[data-action=step]")

    def click(row) -> None:
        page.locator(f"g.node.value[data-name='{row.name}']").click()

    click(done)
    assert page.get_attribute(".agl-current-row", "data-step") == "2"
    assert page.text_content(".agl-current h2").startswith(f"Node {done.name} — step 2 of")
    picked = ".agl-ledger tr.agl-picked:not(.agl-head)"
    assert page.eval_on_selector_all(picked, "rs => rs.length") == len(done.parents)
    click(later)
    heading = page.text_content(".agl-current h2")
    assert heading.endswith("not reached yet") and page.query_selector(".agl-current-row") is None
    page.click("[data-action=step]")  # moving shows the current step again
    assert page.get_attribute(".agl-current-row", "data-step") == "4"


def test_nodes_folded_into_summaries_are_highlighted_through_them(browser, tmp_path) -> None:
    from autograd_lite.nn import MLP

    model = MLP(2, [4, 4, 1], seed=2)
    loss = (model([0.1, 0.9]) - 1.0) ** 2
    stepper = BackwardStepper(loss, module=model, max_nodes=12)
    with opened(browser, stepper.to_html(tmp_path / "folded.html")) as page:
        assert page.eval_on_selector_all("g.node.summary", "gs => gs.length") >= 1
        lit = set()
        for _ in range(stepper.total_steps):
            page.click("[data-action=step]")
            lit.update(page.eval_on_selector_all("g.node.agl-hl", "gs => gs.map(g => g.id)"))
        assert any(name.startswith("summary_layer") for name in lit)
        assert page.get_attribute(".agl-counter", "data-step") == str(stepper.total_steps)


def test_negative_zero_is_shown_as_zero(browser, tmp_path) -> None:
    x = Value(-0.0, "x")
    y = (x * -0.0) * 3.0
    y.label = "y"
    stepper = BackwardStepper(y)
    assert any(math.copysign(1.0, c) < 0 for r in stepper.full_trace() for c in r.contributions)
    with opened(browser, stepper.to_html(tmp_path / "zero.html")) as page:
        for _ in range(stepper.total_steps):
            page.click("[data-action=step]")
        page.click("[data-action=showall]")
        text = page.text_content(".agl-player")
        assert not re.search(r"(?<![\w.])-0(?![.\d])", text), text


def test_the_slider_goes_to_any_step_by_drag_or_keys_and_follows_the_position(page) -> None:
    """Issue 14's "slider over the steps": a drag or a key on it is a user move (onPosition
    is told), setPosition moves it without an echo; the page shows that step's grads."""
    total = int(page.text_content(".agl-counter").split("/")[1])
    page.evaluate(
        """() => {
        const data = JSON.parse(document.getElementById("player-data").textContent);
        const el = document.createElement("div");
        el.id = "second";
        el.style.height = "500px";
        document.body.append(el);
        window.calls = [];
        window.second = mountPlayer(el, data, {onPosition: (k) => calls.push(k)});
    }"""
    )
    slider = page.locator("#second input.agl-slider")
    assert [slider.get_attribute(a) for a in ("min", "max", "value")] == ["0", str(total), "0"]

    def at() -> int:
        step = int(page.get_attribute("#second .agl-counter", "data-step"))
        assert int(slider.input_value()) == step
        grads = page.eval_on_selector_all(
            "#second g.node.value", "es => es.map(e => [e.dataset.name, Number(e.dataset.grad)])"
        )
        assert dict(grads) == reference(step)[1]
        return step

    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, y, steps=4)
    middle = at()
    page.mouse.move(box["x"] + box["width"] - 1, y, steps=4)
    page.mouse.up()
    assert 0 < middle < total and at() == total
    assert page.evaluate("calls")[-1] == total and middle in page.evaluate("calls")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert at() == 2
    page.keyboard.press("ArrowLeft")
    assert at() == 1 and page.evaluate("calls.slice(-3)") == [0, 1, 2, 1][-3:]
    count = page.evaluate("calls.length")
    page.evaluate("second.setPosition(4)")  # from Python: the slider follows, no echo
    assert at() == 4 and page.evaluate("calls.length") == count
    assert page.get_attribute("#player .agl-counter", "data-step") == "0"  # keys stay local


def overflow(page, selector: str) -> list[tuple[int, int]]:
    """(scrollWidth, clientWidth) of every element matching ``selector``."""
    return page.eval_on_selector_all(selector, "es => es.map(e => [e.scrollWidth, e.clientWidth])")


@pytest.mark.parametrize("size", [(1024, 768), (1920, 1080)])
def test_the_ledger_fits_its_panel_without_sideways_scrolling(browser, tmp_path, size) -> None:
    """The whole ledger of the 2-16-16-1 loss (longest names and numbers) and every step's
    entry fit the side panel's width at 1024x768 and 1920x1080; so does a long label."""
    model, loss = mlp_loss()
    long_leaf = Value(0.5, "a_rather_long_label_for_one_input_of_the_loss")
    loss = loss * long_leaf
    loss.label = "L"
    stepper = BackwardStepper(loss, module=model)
    with opened(browser, stepper.to_html(tmp_path / "mlp.html"), *size) as page:
        page.click("[data-action=showall]")
        box = page.locator(".agl-ledger-box").bounding_box()
        right = box["x"] + box["width"]
        columns = page.eval_on_selector_all(".agl-ledger thead th", "ths => ths.length")
        assert columns == 4
        cells = page.eval_on_selector_all(
            ".agl-ledger td", "tds => tds.map(td => td.getBoundingClientRect().right)"
        )
        assert len(cells) > 4 * 200 and max(cells) <= right
        for k in [1, 2, 5, 40, stepper.total_steps]:
            page.evaluate(f"player.setPosition({k})")
            for selector in (".agl-ledger-box", ".agl-current", ".agl-side"):
                assert all(sw <= cw for sw, cw in overflow(page, selector)), (k, selector)
            if k == 1:  # the step whose input has the long label
                assert "a_rather_long_label" in page.text_content(".agl-current-row")
