"""The live training view without a browser: frames on disk, snapshots and their animation,
the parameter/optimizer-state table, the sample graph, the pause/step/stop controls."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
import threading
import time
from typing import ClassVar

import numpy as np
import pytest
from PIL import Image

from autograd_lite import live, losses
from autograd_lite.data import make_moons
from autograd_lite.nn import MLP
from autograd_lite.optim import SGD, Adagrad, Adam
from autograd_lite.plots import SIGNS, _frame_figure, draw_frame, frame_title
from autograd_lite.train import History, fit


def moons(n: int = 48):
    X, y = make_moons(n_samples=n, noise=0.2, seed=0)
    return X, y, MLP(2, [4, 4, 1], activation="relu", output_activation="sigmoid", seed=0)


def test_live_outside_a_kernel_writes_frames_to_the_folder(tmp_path) -> None:
    X, y, model = moons()
    h = fit(model, X, y, loss="binary_cross_entropy", optimizer="adam", lr=0.05, epochs=4,
            batch_size=16, metrics=["accuracy"], live=True, live_dir=tmp_path / "run",
            progress=False, seed=0)  # fmt: skip
    assert h.wait() is h and len(h.epoch) == 4
    folder = tmp_path / "run"
    pngs = sorted(folder.glob("frame_*.png"))
    assert pngs and len(pngs) == len(list(folder.glob("frame_*.html")))
    assert Image.open(pngs[-1]).size == (864, 312)
    numbers = json.loads((folder / "run.json").read_text())
    assert numbers["epoch"] == 4 and numbers["status"] == "done"
    assert numbers["loss"] == h.history["loss"][-1]
    page = (folder / "index.html").read_text()
    assert pngs[-1].name in page and "<svg" in page and "al-state" in page
    assert not list(folder.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_live_dir_defaults_to_a_new_subfolder_of_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y, model = moons(16)
    for _ in range(2):
        fit(model, X, y, loss="binary_cross_entropy", epochs=1, live=True, live_sample=None,
            progress=False)  # fmt: skip
    folders = sorted(p for p in tmp_path.iterdir() if p.is_dir())
    assert len(folders) == 2 and all(p.name.startswith("live-") for p in folders)
    assert all(list(p.glob("frame_*.png")) for p in folders)


def test_record_every_keeps_snapshots_with_the_history_loss(tmp_path) -> None:
    X, y, model = moons()
    h = fit(model, X, y, loss="binary_cross_entropy", optimizer="adam", lr=0.05, epochs=5,
            batch_size=16, record_every=2, progress=False, seed=0)  # fmt: skip
    assert [s.epoch for s in h.snapshots] == [2, 4, 5]  # and always the last epoch
    for s in h.snapshots:
        assert s.loss == h.history["loss"][s.epoch - 1]
        assert s.curves["loss"] == h.history["loss"][: s.epoch]
        assert s.grid.shape == (live.GRID_SIZE, live.GRID_SIZE)
    assert not list(tmp_path.iterdir())  # no live=True: nothing written


def test_snapshot_grid_is_the_model_over_the_plane() -> None:
    X, y, model = moons()
    h = fit(model, X, y, loss="binary_cross_entropy", epochs=1, record_every=1, progress=False)
    s = h.snapshots[-1]
    i, j = 7, 19
    x = [s.scene.grid_x[j], s.scene.grid_y[i]]
    assert s.grid[i, j] == pytest.approx(model(x).data, rel=0, abs=0)


def test_animation_has_one_frame_per_snapshot_and_ends_on_the_last_loss(tmp_path) -> None:
    X, y, model = moons()
    h = fit(model, X, y, loss="binary_cross_entropy", optimizer="adam", lr=0.05, epochs=5,
            batch_size=16, metrics=["accuracy"], record_every=2, progress=False,
            seed=0)  # fmt: skip
    gif = h.animate(tmp_path / "run.gif")
    with Image.open(gif) as image:
        assert image.n_frames == len(h.snapshots) == 3
    page = h.animate(tmp_path / "run.html").read_text()
    assert len(re.findall(r"frames\[\d+\] = \"data:image/png;base64", page)) == 3
    inline = h.animate()
    assert inline.frames == 3 and "<script" in inline._repr_html_()
    last = h.snapshots[-1]
    assert last.loss == h.history["loss"][-1]
    figure = draw_frame(_frame_figure(), last)
    caption = figure.get_suptitle()
    assert caption == frame_title(last)
    assert f"loss {h.history['loss'][-1]:.4g}" in caption and "epoch 5/5" in caption


def test_animate_needs_snapshots_and_a_known_suffix(tmp_path) -> None:
    with pytest.raises(ValueError, match="record_every"):
        History().animate()
    X, y, model = moons(16)
    h = fit(model, X, y, loss="binary_cross_entropy", epochs=1, record_every=1, progress=False)
    with pytest.raises(ValueError, match=r"\.gif or \.html"):
        h.animate(tmp_path / "run.mp4")


@pytest.mark.parametrize(
    ("make", "keys"),
    [
        (lambda p: SGD(p, lr=0.1, momentum=0.9), ["momentum_buffer"]),
        (lambda p: Adam(p, lr=0.05), ["exp_avg", "exp_avg_sq"]),
        (lambda p: Adagrad(p, lr=0.1), ["sum"]),
    ],
)
def test_state_table_equals_the_optimizer_state_dict(make, keys) -> None:
    X, y, model = moons(16)
    opt = make(model.parameters())
    fit(model, X, y, loss="binary_cross_entropy", optimizer=opt, epochs=2, batch_size=8,
        progress=False, seed=0)  # fmt: skip
    table = live.StateTable(model, opt)
    state = opt.state_dict()["state"]
    names = [n for n, _ in model.named_parameters()]
    assert [name for name, _ in table.rows] == names
    for (_, row), p, st in zip(table.rows, opt.params, state, strict=True):
        assert row["value"] == p.data and row["grad"] == p.grad
        assert [row[live.STATE_NAMES[k]] for k in keys] == [st[k] for k in keys]
    html = table._repr_html_()
    first = state[0][keys[0]]
    assert f">{first + 0.0:.4g}</td>" in html


def test_state_table_colours_by_sign_and_size() -> None:
    model = MLP(1, [2], seed=0)
    opt = SGD(model.parameters(), lr=0.1)
    for p, (v, g) in zip(model.parameters(), [(2.0, -1.0), (-0.5, 0.1), (0.0, -0.2), (1.0, 0.0)]):
        p.data, p.grad = v, g
    cells = re.findall(r'background:(#[0-9a-f]{6})([0-9a-f]{2})" title="([^"]+)"',
                       live.StateTable(model, opt)._repr_html_())  # fmt: skip
    by_value = {float(x): (rgb, int(a, 16)) for rgb, a, x in cells}
    assert by_value[2.0][0] == SIGNS[0] and by_value[-0.5][0] == SIGNS[1]
    assert by_value[-1.0][0] == SIGNS[1] and by_value[0.1][0] == SIGNS[0]
    assert by_value[2.0][1] > by_value[1.0][1] > by_value[-0.5][1]  # stronger when larger
    assert by_value[0.0][1] == 0


def test_state_table_of_a_large_model_has_largest_and_median_per_layer() -> None:
    model = MLP(2, [16, 16, 1], seed=0)
    opt = Adam(model.parameters(), lr=0.1)
    for k, p in enumerate(model.parameters()):
        p.grad = (-1) ** k * (k % 7) / 7
    opt.step()
    table = live.StateTable(model, opt)
    assert table.per_layer and len(table.rows) == 6
    state = opt.state_dict()["state"]
    named = list(model.named_parameters())
    layer1 = [i for i, (n, _) in enumerate(named) if n.startswith("layers.1.")]
    m = np.array([state[i]["exp_avg"] for i in layer1])
    rows = dict(table.rows)
    assert rows["layers.1 largest"]["m (exp_avg)"] == m[np.argmax(np.abs(m))]
    assert rows["layers.1 median"]["m (exp_avg)"] == np.median(m)


def test_sample_graph_shows_the_sample_and_keeps_the_batch_grads() -> None:
    X, y, model = moons(16)
    loss_fn = losses.get_loss("binary_cross_entropy")
    params = model.parameters()
    for k, p in enumerate(params):
        p.grad = 0.25 * k
    graph = live.sample_graph(model, loss_fn, X[3], y[3])
    assert [p.grad for p in params] == [0.25 * k for k in range(len(params))]
    for p in params:
        p.grad = 0.0
    loss = loss_fn([model(list(X[3]))], [y[3]])
    loss.backward()
    b = model.layers[-1].neurons[0].b
    assert f"<td>b</td><td>{b.data + 0.0:.4g}</td><td>{b.grad + 0.0:.4g}</td>" in graph.source
    assert f"data {loss.data + 0.0:.4g}" in graph.source and "loss" in graph.source
    assert "cluster_layers_0" in graph.source  # folded per layer and neuron as draw_dot(module=)


def test_controls_pause_step_and_stop_the_loop() -> None:
    control = live._Control()
    passed: list[tuple[bool, bool]] = []
    waits: list[int] = []

    def loop() -> None:
        while True:
            go, single = control.gate(lambda: waits.append(len(passed)))
            passed.append((go, single))
            if not go:
                return

    control.pause()
    worker = threading.Thread(target=loop)
    worker.start()
    time.sleep(0.2)
    assert passed == [] and waits == [0]
    control.step()
    deadline = time.monotonic() + 10
    while len(waits) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert passed == [(True, True)] and waits == [0, 1]  # one batch, then paused again
    control.stop()
    worker.join(10)
    assert passed[-1] == (False, False) and not worker.is_alive()


def test_stopping_keeps_finished_epochs_and_a_usable_model(tmp_path) -> None:
    X, y, model = moons()
    h = History()
    loss_fn = losses.get_loss("binary_cross_entropy")
    opt = Adam(model.parameters(), lr=0.05)
    run = live.LiveRun(model, opt, X, y, h, loss_fn=loss_fn, epochs=100, live_dir=tmp_path,
                       record_every=1, in_kernel=False)  # fmt: skip

    def loop() -> None:
        for epoch in range(100):
            for start in range(0, len(X), 16):
                if not run.gate():
                    return
                out = loss_fn([model(list(r)) for r in X[start : start + 16]],
                              list(y[start : start + 16]))  # fmt: skip
                opt.zero_grad()
                out.backward()
                opt.step()
                run.after_batch(out.data)
            h._record(epoch, {"loss": out.data})
            if epoch == 2:
                run.stop()
            run.after_epoch()

    assert run.start(loop) is h and run.done and run.status == "stopped"
    assert len(h.epoch) == 3 and run.step == 3 * 3
    assert [s.epoch for s in h.snapshots] == [1, 2, 3]
    assert np.isfinite(model([0.1, 0.2]).data)


def test_panel_commands_drive_the_run(monkeypatch) -> None:
    pytest.importorskip("anywidget", reason="pip install 'autograd-lite[notebook]'")
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append(a) or _Handle())
    X, y, model = moons(32)
    h = History()
    loss_fn = losses.get_loss("binary_cross_entropy")
    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    run = live.LiveRun(model, opt, X, y, h, loss_fn=loss_fn, epochs=10_000, in_kernel=True)
    widget = run.sink.widget
    assert shown and shown[0][0] is widget and widget.epochs == 10_000

    def loop() -> None:
        for epoch in range(10_000):
            for start in range(0, len(X), 8):
                if not run.gate():
                    return
                out = loss_fn(
                    [model(list(r)) for r in X[start : start + 8]], list(y[start : start + 8])
                )
                opt.zero_grad()
                out.backward()
                opt.step()
                run.after_batch(out.data)
            h._record(epoch, {"loss": out.data})
            run.after_epoch()

    assert run.start(loop) is h and not run.done  # a kernel: the loop runs in the background
    widget._handle_custom_msg({"command": "pause"}, [])
    deadline = time.monotonic() + 30
    while widget.status != "paused" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert widget.status == "paused"
    steps = run.step
    time.sleep(0.3)
    assert run.step == steps and widget.step == steps
    widget._handle_custom_msg({"command": "step"}, [])
    while not (widget.step == steps + 1 and widget.status == "paused"):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.3)
    assert run.step == steps + 1
    assert widget.table == run.table._repr_html_() and widget.plot.startswith("data:image/png")
    widget._handle_custom_msg({"command": "stop"}, [])
    assert run.wait(30) is h and widget.status == "stopped"
    (bundle,) = _Handle.updates  # the finished panel becomes a still: no kernel needed
    assert "application/vnd.jupyter.widget-view+json" not in bundle
    assert bundle["text/plain"].startswith("<live view: stopped, epoch ")
    assert "al-state" in bundle["text/html"] and "<svg" in bundle["text/html"]
    assert base64.b64decode(bundle["image/png"])[:4] == b"\x89PNG"


class _Handle:
    updates: ClassVar[list[dict]] = []

    def update(self, bundle, raw=False) -> None:
        assert raw
        self.updates.append(bundle)


def test_argument_checks() -> None:
    X, y, model = moons(16)
    kwargs = {"loss": "binary_cross_entropy", "progress": False}
    with pytest.raises(ValueError, match="live_every"):
        fit(model, X, y, live=True, live_every=0, **kwargs)
    with pytest.raises(ValueError, match="live_sample"):
        fit(model, X, y, record_every=1, live_sample=16, **kwargs)
    with pytest.raises(TypeError, match="record_every"):
        fit(model, X, y, record_every="2", **kwargs)
    with pytest.raises(TypeError, match="live"):
        fit(model, X, y, live="yes", record_every=1, **kwargs)


def test_a_plain_history_needs_no_waiting() -> None:
    import asyncio

    h = History()
    assert h.wait() is h
    assert asyncio.run(_awaited(h)) is h


async def _awaited(h):
    return await h


def test_importing_the_library_loads_no_widget_or_plot_library() -> None:
    code = (
        "import sys, autograd_lite, autograd_lite.live, autograd_lite.train; "
        "print(sorted(m for m in ('anywidget', 'ipywidgets', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_regression_frames_show_the_fitted_surface() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (24, 2))
    y = X[:, 0] - 2 * X[:, 1]
    model = MLP(2, [4, 1], seed=0)
    h = fit(model, X, y, loss="mse", epochs=2, record_every=1, progress=False)
    s = h.snapshots[-1]
    assert s.scene.task == "regression"
    figure = draw_frame(_frame_figure(), s)
    assert [ax.get_title() for ax in figure.axes[:2]] == ["loss", "fitted surface"]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue()[:4] == b"\x89PNG"


def test_the_command_line_writes_live_frames(tmp_path, capsys) -> None:
    from autograd_lite.cli import main

    out = tmp_path / "run"
    code = main(["train", "--epochs", "2", "--samples", "40", "--hidden", "4", "--live",
                 "--out", str(out)])  # fmt: skip
    assert code == 0
    frames = sorted((out / "live").glob("frame_*.png"))
    assert frames and json.loads((out / "live" / "run.json").read_text())["epoch"] == 2


def test_live_every_draws_within_epochs(tmp_path) -> None:
    X, y, model = moons(48)
    h = History()
    loss_fn = losses.get_loss("binary_cross_entropy")
    opt = SGD(model.parameters(), lr=0.1)
    run = live.LiveRun(model, opt, X, y, h, loss_fn=loss_fn, epochs=2, live_every=2,
                       live_sample=None, live_dir=tmp_path, overhead=1e9,
                       in_kernel=False)  # fmt: skip
    seen: list[tuple[int, int]] = []

    def loop() -> None:
        for epoch in range(2):
            for start in range(0, len(X), 16):
                assert run.gate()
                out = loss_fn([model(list(r)) for r in X[start : start + 16]],
                              list(y[start : start + 16]))  # fmt: skip
                opt.zero_grad()
                out.backward()
                opt.step()
                run.after_batch(out.data)
                seen.append((run.step, run.frames))
            h._record(epoch, {"loss": out.data})
            run.after_epoch()

    run.start(loop)
    # 6 steps: a frame after steps 2, 4 and 6 (none per epoch), and the last one at the end
    assert [f for _, f in seen] == [0, 1, 1, 2, 2, 3]
    assert run.frames == 4 and len(list(tmp_path.glob("frame_*.png"))) == 4


def test_several_classes_draw_argmax_regions() -> None:
    from autograd_lite.data import make_blobs

    X, y = make_blobs(n_samples=30, centers=3, seed=0)
    model = MLP(2, [4, 3], seed=0)
    h = fit(model, X, y, loss="cross_entropy", epochs=1, record_every=1, progress=False)
    s = h.snapshots[-1]
    assert s.grid.shape == (live.GRID_SIZE, live.GRID_SIZE, 3)
    figure = draw_frame(_frame_figure(), s)
    field = figure.axes[-1]
    assert field.get_title() == "decision boundary"
    assert [t.get_text() for t in field.get_legend().get_texts()] == [
        "class 0",
        "class 1",
        "class 2",
    ]
