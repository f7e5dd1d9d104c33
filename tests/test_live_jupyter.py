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

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
HINT = "pip install 'autograd-lite[notebook]' playwright jupyterlab anywidget"
sync_api = pytest.importorskip("playwright.sync_api", reason=f"Playwright not installed: {HINT}")
pytest.importorskip("jupyterlab", reason=f"JupyterLab not installed: {HINT}")
pytest.importorskip("anywidget", reason=f"anywidget not installed: {HINT}")
jupyter_client = pytest.importorskip("jupyter_client", reason=f"jupyter_client missing: {HINT}")
nbformat = pytest.importorskip("nbformat", reason=f"nbformat missing: {HINT}")
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
REPO = Path(__file__).resolve().parents[1]
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


class Lab:
    """A JupyterLab server on a free local port with a token, isolated config and runtime."""

    def __init__(self, root: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.token = secrets.token_hex(16)
        self.root = root
        self.runtime = root / ".runtime"
        env = dict(
            os.environ,
            PYTHONPATH=str(REPO),
            JUPYTER_RUNTIME_DIR=str(self.runtime),
            JUPYTER_CONFIG_DIR=str(root / ".config"),
            JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"),
        )
        self.log = open(root / "lab.log", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
             f"--port={self.port}", "--ServerApp.ip=127.0.0.1",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True", "--LabApp.news_url="],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError(f"jupyter lab did not start: {(root / 'lab.log').read_text()[-2000:]}")

    def kernel(self) -> Kernel:
        with urllib.request.urlopen(f"{self.url}/api/kernels?token={self.token}") as r:
            (info,) = json.load(r)
        return Kernel(self.runtime / f"kernel-{info['id']}.json")

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


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
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(TRAIN)]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, root / "live.ipynb")
    server = Lab(root)
    yield server
    server.close()


def test_live_panel_updates_pauses_steps_resumes_and_stops(lab: Lab) -> None:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{lab.url}/lab/tree/live.ipynb?token={lab.token}")
        page.wait_for_function(
            "() => window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell')",
            timeout=120_000,
        )
        with contextlib.suppress(sync_api.TimeoutError):  # "Select Kernel", when it asks
            page.click(".jp-Dialog .jp-mod-accept", timeout=10_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                               timeout=120_000)  # fmt: skip
        # not awaited: the command's promise resolves only when the cells have run
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        page.wait_for_selector(".al-live .al-epoch", timeout=120_000)
        kernel = lab.kernel()
        try:
            check_panel(page, kernel)
        finally:
            kernel.close()
            browser.close()
        assert errors == []


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
