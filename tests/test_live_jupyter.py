"""The live training panel in a real JupyterLab, driven by headless Chromium.

A notebook cell runs ``fit(..., live=True)`` and awaits the History; while that cell is
still running the test watches the panel's epoch counter and loss text change, pauses
(the History read back from the kernel stops growing), steps one batch (exactly one more
optimizer step), checks the parameter table against ``optimizer.state_dict()``, resumes
(the epochs advance again) and stops (the History and model stay usable).

The kernel is read through a kernel subshell (ipykernel 7), which runs while the notebook's
cell is busy. Needs jupyterlab, anywidget, Playwright and /usr/bin/chromium.
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import jupyter_harness as jh
import pytest

jh.skip_unless_available()
jupyter_client = pytest.importorskip("jupyter_client", reason="pip install jupyter_client")

pytestmark = pytest.mark.browser
SETUP = """\
from autograd_lite import live
from autograd_lite.data import make_moons
from autograd_lite.nn import MLP
from autograd_lite.optim import Adam
from autograd_lite.train import fit

X, y = make_moons(n_samples=96, noise=0.2, seed=0)
model = MLP(2, [5, 5, 1], activation="relu", output_activation="sigmoid", seed=0)
opt = Adam(model.parameters(), lr=0.02)
"""
TRAIN = """\
history = fit(model, X, y, loss="binary_cross_entropy", optimizer=opt, epochs=2000,
              batch_size=16, metrics=["accuracy"], live=True, seed=0)
await history
"""


class Kernel:
    """A second client of the notebook's kernel that runs code in its own subshell."""

    def __init__(self, connection_file: Path) -> None:
        self.client = jupyter_client.BlockingKernelClient(connection_file=str(connection_file))
        self.client.load_connection_file()
        self.client.start_channels()
        request = self.client.session.msg("create_subshell_request", {})
        self.client.control_channel.send(request)
        reply = self._reply(self.client.control_channel, request)
        self.subshell = reply["content"]["subshell_id"]

    @staticmethod
    def _reply(channel, request, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = channel.get_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") == request["header"]["msg_id"]:
                return msg
        raise TimeoutError("no reply from the kernel")

    def value(self, expression: str, timeout: float = 60):
        """Evaluate ``expression`` in the kernel (while its main shell may be busy); JSON back."""
        code = f"import json as _j; print(_j.dumps({expression}))"
        request = self.client.session.msg(
            "execute_request",
            {"code": code, "silent": False, "store_history": False, "user_expressions": {},
             "allow_stdin": False, "stop_on_error": True},
        )  # fmt: skip
        request["header"]["subshell_id"] = self.subshell
        self.client.shell_channel.send(request)
        out = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.client.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != request["header"]["msg_id"]:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                return json.loads("".join(out))
        raise TimeoutError(f"no answer for {expression!r}")

    def close(self) -> None:
        self.client.stop_channels()


def wait_until(condition, timeout: float = 90, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {message}")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    with jh.running_lab(folder) as lab:
        yield lab, folder / "home" / "runtime"


@pytest.fixture(scope="module")
def browser():
    with jh.chromium() as browser:
        yield browser


def notebook_kernel(lab: jh.Lab, runtime: Path) -> Kernel:
    """A subshell client of the (only) kernel of the server."""
    with urllib.request.urlopen(f"{lab.url}/api/kernels?token={lab.token}") as r:
        (info,) = json.load(r)
    return Kernel(runtime / f"kernel-{info['id']}.json")


def test_live_panel_updates_pauses_steps_resumes_and_stops(lab, browser) -> None:
    server, runtime = lab
    nb = server.open(browser, "live.ipynb", [SETUP, TRAIN], viewport=(1280, 900))
    nb.start_run_all()  # returns while the training cell still runs
    page = nb.page
    page.wait_for_selector(".al-live .al-epoch", timeout=jh.CELL_TIMEOUT_MS)
    kernel = notebook_kernel(server, runtime)
    try:
        check_panel(page, kernel)
    finally:
        kernel.close()
    nb.wait_until_done()
    assert nb.page_errors == []
    nb.close()


def cell_running(page) -> bool:
    prompts = page.eval_on_selector_all(".jp-InputPrompt", "ps => ps.map(p => p.textContent)")
    return "[*]:" in prompts


def shown_epoch(page) -> int:
    return int(page.inner_text(".al-live .al-epoch").split()[1])


def check_panel(page, kernel: Kernel) -> None:
    epochs = "len(live.current().history.epoch)"
    steps = "live.current().step"
    # 1. the counter and the loss text change while the training cell is still running
    wait_until(lambda: shown_epoch(page) >= 1, message="a first epoch on the panel")
    first = (shown_epoch(page), page.inner_text(".al-live .al-summary"))
    assert "loss" in first[1]
    wait_until(lambda: shown_epoch(page) >= first[0] + 3, message="the counter to advance")
    later = (shown_epoch(page), page.inner_text(".al-live .al-summary"))
    assert later[1] != first[1]
    assert cell_running(page)

    # 2. pause: the History read from the kernel stops growing, so does the counter
    page.click(".al-live .al-pause")
    wait_until(lambda: page.inner_text(".al-live .al-status") == "paused", message="paused")
    paused_at = kernel.value(epochs)
    step_at = kernel.value(steps)
    time.sleep(2.0)
    assert kernel.value(epochs) == paused_at
    assert kernel.value(steps) == step_at
    assert shown_epoch(page) == paused_at
    assert cell_running(page)

    # 3. step one batch: exactly one more optimizer step, still paused
    page.click(".al-live .al-step")
    wait_until(lambda: kernel.value(steps) == step_at + 1, message="one step")
    time.sleep(1.0)
    assert kernel.value(steps) == step_at + 1
    wait_until(lambda: page.inner_text(".al-live .al-status") == "paused", message="paused")

    # 4. while paused, the table shows the optimizer's state_dict() of this moment
    frames = kernel.value("live.current().frames")
    wait_until(
        lambda: page.get_attribute(".al-live", "data-frames") == str(frames),
        message="the latest frame on the page",
    )
    expected = kernel.value(
        "[[n, *(format(x + 0.0, '.4g') for x in (p.data, p.grad, s['exp_avg'], s['exp_avg_sq']))]"
        " for (n, p), s in zip(model.named_parameters(), opt.state_dict()['state'])]"
    )
    exact = kernel.value(
        "[[r['value'], r['grad'], r['m (exp_avg)'], r['v (exp_avg_sq)']] for _, r in "
        "live.current().table.rows] == [[p.data, p.grad, s['exp_avg'], s['exp_avg_sq']] for p, s "
        "in zip(opt.params, opt.state_dict()['state'])]"
    )
    assert exact is True
    shown = page.eval_on_selector_all(
        ".al-state tbody tr",
        "rows => rows.map(r => Array.from(r.children).map(c => c.textContent))",
    )
    assert shown == expected

    # 5. resume: the epochs advance again
    page.click(".al-live .al-pause")
    wait_until(lambda: kernel.value(epochs) >= paused_at + 2, message="training to go on")

    # 6. stop: the cell ends, the History and the model stay usable
    page.click(".al-live .al-stop")
    wait_until(lambda: page.inner_text(".al-live .al-status") == "stopped", message="stopped")
    wait_until(lambda: not cell_running(page), message="the cell to end")
    n = kernel.value(epochs)
    assert 0 < n < 2000
    assert kernel.value("len(history.history['loss'])") == n
    assert kernel.value("sorted(history.history)") == ["accuracy", "loss"]
    assert kernel.value("bool(0 <= float(model([0.5, 0.2]).data) <= 1)") is True
