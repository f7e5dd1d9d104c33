"""A real JupyterLab in headless Chromium, for acceptance tests of notebook widgets.

``running_lab(folder)`` starts ``jupyter lab`` from this Python environment on a free port of
127.0.0.1 with a random token, a temporary root folder and its own clean settings (no news
or update pop-ups, every cell attached to the page), the repository first on the kernel's
``PYTHONPATH``; it stops the server's whole process group on exit. ``chromium()`` launches
Debian's ``/usr/bin/chromium`` through Playwright (never a downloaded browser).
``Lab.open(browser, name, cells)`` writes a notebook into the root folder, opens it and returns
a ``LabNotebook`` that runs every cell (``run_all``) and talks to the notebook's own kernel
(``execute`` returns what some code prints, ``value`` an expression's JSON value).

Typical use in a test module::

    import jupyter_harness as jh

    jh.skip_unless_available()

    @pytest.fixture(scope="module")
    def lab(tmp_path_factory):
        with jh.running_lab(tmp_path_factory.mktemp("lab")) as lab:
            yield lab

    @pytest.fixture(scope="module")
    def browser():
        with jh.chromium() as browser:
            yield browser

    def test_it(lab, browser):
        nb = lab.open(browser, "demo.ipynb", ["x = 1 + 1"])
        nb.run_all()
        assert nb.value("x") == 2

Waits use generous timeouts (a busy 2-core machine is slow, not wrong); no test measures time.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
# Debian's chromium, found on PATH (so a PATH without it simulates a machine without it).
CHROMIUM = shutil.which("chromium")
CHROMIUM_HINT = "Chromium not found on PATH: apt-get install chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = 180.0
CELL_TIMEOUT_MS = 180_000
UI_TIMEOUT_MS = 60_000
OUTPUT_START, OUTPUT_END = "<<<harness:", ":harness>>>"

# User settings of the temporary JupyterLab: no news or update checks (their pop-ups cover
# the page), and every cell attached to the DOM, so an output scrolled out of view can
# still be found and clicked.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def missing_tools() -> list[str]:
    """Install hints for whatever this harness needs and cannot find (empty: all there)."""
    hints = []
    if importlib.util.find_spec("playwright") is None:
        hints.append("Playwright is not installed: pip install playwright")
    if CHROMIUM is None:
        hints.append(CHROMIUM_HINT)
    for module in ("jupyterlab", "anywidget"):
        if importlib.util.find_spec(module) is None:
            hints.append(f"{module} is not installed: pip install autograd-lite[notebook]")
    return hints


def skip_unless_available() -> None:
    """Skip the calling test module, with install hints, when a needed tool is missing.

    Under ``CI=true`` a skip fails the run (tests/conftest.py), so CI must install them all.
    """
    hints = missing_tools()
    if hints:
        pytest.skip("; ".join(hints), allow_module_level=True)


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def notebook_json(cells: Sequence[str]) -> dict[str, Any]:
    """An nbformat-4 notebook of code cells (``cells`` are their sources), python3 kernel."""
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "id": f"cell-{i}", "metadata": {},
             "outputs": [], "source": source}
            for i, source in enumerate(cells)
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }  # fmt: skip


def lab_environment(home: Path, pythonpath: Path = REPO) -> dict[str, str]:
    """The server's environment (inherited by its kernels): ``pythonpath`` first on
    PYTHONPATH, and every Jupyter config, data, runtime and settings folder under ``home``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(pythonpath), env.get("PYTHONPATH", "")) if p
    )
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "settings",
        "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
        "IPYTHONDIR": "ipython",
    }
    for name, sub in folders.items():
        (home / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / sub)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    for file, values in LAB_SETTINGS.items():
        path = home / "settings" / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    return env


@dataclass
class Lab:
    """A running JupyterLab server: its address, token, root folder and log file."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen

    def write_notebook(self, name: str, cells: Sequence[str]) -> Path:
        """Write a notebook of code cells into the root folder (replacing any of that name)."""
        path = self.root / name
        path.write_text(json.dumps(notebook_json(cells), indent=1), encoding="utf-8")
        return path

    def open(
        self,
        browser: Any,
        name: str,
        cells: Sequence[str] | None = None,
        viewport: tuple[int, int] = (1400, 900),
    ) -> LabNotebook:
        """Open notebook ``name`` (written first from ``cells`` when given) in a new page of
        ``browser`` and wait until its kernel is idle."""
        if cells is not None:
            self.write_notebook(name, cells)
        page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        notebook = LabNotebook(page, self, name)
        page.on("pageerror", lambda e: notebook.page_errors.append(str(e)))
        # ?reset: a fresh workspace, so notebooks opened by earlier pages do not reopen.
        page.goto(f"{self.url}/lab/tree/{name}?reset&token={self.token}", timeout=UI_TIMEOUT_MS)
        notebook.wait_until_ready()
        return notebook

    def log_text(self) -> str:
        """What the server has printed so far (for failure messages)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


class LabNotebook:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page: Any, lab: Lab, name: str) -> None:
        self.page = page
        self.lab = lab
        self.name = name
        self.page_errors: list[str] = []

    def _panel_js(self) -> str:
        """JS expression for this notebook's panel (``jupyterapp`` is exposed by the server)."""
        return (
            "(() => { for (const w of jupyterapp.shell.widgets('main')) {"
            f" if (w.context && w.context.path === {json.dumps(self.name)}) return w; }}"
            " return null; })()"
        )

    def wait_until_ready(self) -> None:
        """Wait until the notebook is shown and its kernel is started and idle."""
        self.page.wait_for_function(
            f"""() => {{
              if (typeof jupyterapp === "undefined") return false;
              const panel = {self._panel_js()};
              if (!panel || !panel.sessionContext.session) return false;
              const kernel = panel.sessionContext.session.kernel;
              return kernel !== null && kernel.status === "idle";
            }}""",
            timeout=CELL_TIMEOUT_MS,
        )

    def run_all(self) -> None:
        """Run every cell (JupyterLab's "Run All") and wait until all have run; raise
        ``AssertionError`` naming the first error output, if any cell failed."""
        self.start_run_all()
        self.wait_until_done()

    def start_run_all(self) -> None:
        """Start "Run All" and return at once, while cells still run (to watch a live
        output change); ``wait_until_done`` waits for the end."""
        self.page.evaluate(
            f"""() => {{
              const panel = {self._panel_js()};
              jupyterapp.shell.activateById(panel.id);
              window.harnessRuns = window.harnessRuns || {{}};
              window.harnessRuns[panel.id] = "running";
              jupyterapp.commands.execute("notebook:run-all-cells").finally(() => {{
                window.harnessRuns[panel.id] = "done";
              }});
            }}"""
        )

    def wait_until_done(self) -> None:
        """Wait until the "Run All" that ``start_run_all`` started has finished and the
        kernel is idle; raise ``AssertionError`` naming the first error output, if any."""
        self.page.wait_for_function(
            f"""() => {{
              const panel = {self._panel_js()};
              const cells = Array.from(panel.content.model.cells).filter(c => c.type === "code");
              return window.harnessRuns[panel.id] === "done"
                && cells.every(c => c.executionCount !== null)
                && panel.sessionContext.session.kernel.status === "idle";
            }}""",
            timeout=CELL_TIMEOUT_MS,
        )
        errors = self.page.evaluate(
            f"""() => {{
              const out = [];
              for (const cell of {self._panel_js()}.content.model.cells) {{
                if (cell.type !== "code") continue;
                for (const o of cell.outputs.toJSON()) {{
                  if (o.output_type === "error") out.push(o.ename + ": " + o.evalue);
                }}
              }}
              return out;
            }}"""
        )
        assert not errors, f"a cell of {self.name} failed: {errors[0]}"

    def execute(self, code: str) -> str:
        """Run ``code`` in the notebook's kernel (not as a cell) and return what it printed
        to stdout; raise ``AssertionError`` with the traceback when it fails."""
        reply = self.page.evaluate(
            f"""async (code) => {{
              const panel = {self._panel_js()};
              const kernel = panel.sessionContext.session.kernel;
              const future = kernel.requestExecute({{ code, store_history: false }});
              let stdout = "";
              let error = null;
              future.onIOPub = (msg) => {{
                const t = msg.header.msg_type;
                if (t === "stream" && msg.content.name === "stdout") stdout += msg.content.text;
                if (t === "error") error = msg.content.traceback.join("\\n");
              }};
              await future.done;
              return {{ stdout, error }};
            }}""",
            code,
        )
        assert reply["error"] is None, f"kernel code failed:\n{code}\n{reply['error']}"
        return reply["stdout"]

    def value(self, expression: str) -> Any:
        """The JSON value of a Python ``expression`` evaluated in the notebook's kernel."""
        text = self.execute(
            "import json as _harness_json\n"
            f"print({OUTPUT_START!r} + _harness_json.dumps({expression}) + {OUTPUT_END!r})"
        )
        start = text.index(OUTPUT_START) + len(OUTPUT_START)
        return json.loads(text[start : text.index(OUTPUT_END, start)])

    def wait_for_value(self, expression: str, expected: Any, timeout_s: float = 60.0) -> Any:
        """Poll ``value(expression)`` until it equals ``expected`` (widget messages travel
        asynchronously) or ``timeout_s`` passes; return the last value seen."""
        deadline = time.monotonic() + timeout_s
        seen = self.value(expression)
        while seen != expected and time.monotonic() < deadline:
            self.page.wait_for_timeout(200)
            seen = self.value(expression)
        return seen

    def hide_side_panels(self) -> None:
        """Collapse JupyterLab's left and right side panels (more room for outputs)."""
        self.page.evaluate(
            "() => { jupyterapp.shell.collapseLeft(); jupyterapp.shell.collapseRight(); }"
        )

    def output(self, cell_index: int) -> Any:
        """Playwright locator of the output area of code cell ``cell_index`` (0-based)."""
        panel_id = self.page.evaluate(f"() => {self._panel_js()}.id")
        cell = self.page.locator(f'[id="{panel_id}"] .jp-CodeCell').nth(cell_index)
        return cell.locator(".jp-OutputArea")

    def close(self) -> None:
        """Shut the notebook's kernel down and close the page."""
        with contextlib.suppress(Exception):
            self.page.evaluate(
                f"async () => {{ await {self._panel_js()}.sessionContext.shutdown(); }}"
            )
        self.page.close()


def _wait_for_server(url: str, token: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"jupyter lab exited with {process.returncode}:\n{log.read_text(errors='replace')}"
            )
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"jupyter lab did not answer at {url}:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and its kernels: TERM to the process group, KILL if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # kernels that outlived the server


def _start_server(root: Path, env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str, str]:
    """Start ``jupyter lab`` on a free port; return the process, its URL and its token."""
    port, token = free_port(), secrets.token_hex(24)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=",
        "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:  # containers often run tests as root, which the server refuses
        command.append("--allow-root")
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}", token


@contextlib.contextmanager
def running_lab(folder: Path, pythonpath: Path = REPO) -> Iterator[Lab]:
    """Start JupyterLab with root ``folder/root`` (settings and logs beside it) and stop it
    on exit. The server and every kernel it starts run in one new process group."""
    root = folder / "root"
    root.mkdir(parents=True, exist_ok=True)
    env = lab_environment(folder / "home", pythonpath)
    log = folder / "jupyter-lab.log"
    for attempt in range(3):
        process, url, token = _start_server(root, env, log)
        try:
            _wait_for_server(url, token, process, log)
            break
        except RuntimeError:
            _stop(process)
            # Another process (a parallel test worker) may have taken the free port
            # between our check and the server's bind: try a new one.
            if attempt == 2 or "already in use" not in log.read_text(errors="replace"):
                raise
    try:
        yield Lab(url=url, token=token, root=root, log=log, process=process)
    finally:
        _stop(process)


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (the flags of the browser tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
