"""The suite's own rule: under CI=true a skipped test fails the run (CI installs everything)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

_SKIPPING_TEST = """
import pytest


def test_needs_a_tool():
    pytest.skip("tool not installed: pip install the-tool")

def test_fine():
    assert 1 + 1 == 2
"""


def _run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_sample.py").write_text(_SKIPPING_TEST)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def test_a_skip_is_counted_and_passes_outside_ci(tmp_path):
    run = _run(tmp_path, ci=False)
    assert run.returncode == 0, run.stdout
    assert "optional-tool check: 1 test(s) skipped" in run.stdout
    assert "1 passed, 1 skipped" in run.stdout


def test_a_skip_fails_the_run_under_ci(tmp_path):
    run = _run(tmp_path, ci=True)
    assert run.returncode == 1, run.stdout
    assert "no test may be skipped here" in run.stdout
