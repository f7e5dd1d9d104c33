"""Suite-wide settings: hypothesis profiles, and the CI rule that nothing may be skipped.

Tests that need an optional tool (PyTorch, a browser) skip with a reason saying how to
install it. CI (``CI=true``) installs every optional tool, so there a skipped test means
a broken install: the run fails instead of passing quietly.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=False
)
settings.register_profile(
    "ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def _skipped(terminalreporter: pytest.TerminalReporter) -> list[pytest.TestReport]:
    return terminalreporter.stats.get("skipped", [])


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """End every run with a line counting the skipped tests (and why, with -ra)."""
    skipped = _skipped(terminalreporter)
    terminalreporter.write_line(
        f"optional-tool check: {len(skipped)} test(s) skipped"
        + (" (see the reasons above for how to install what they need)" if skipped else "")
    )
    if skipped and os.environ.get("CI"):
        terminalreporter.write_line(
            "CI installs every optional tool, so no test may be skipped here: failing the run.",
            red=True,
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and os.environ.get("CI") and _skipped(reporter) and exitstatus == 0:
        session.exitstatus = 1
