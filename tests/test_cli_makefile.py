"""Every Makefile target installs what it runs (``make notebooks`` after ``make demo`` once
failed with "No module named 'nbformat'"): read with ``make -n``, nothing is executed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    tomllib = pytest.importorskip("tomli", reason="pip install tomli (Python 3.10)")

ROOT = Path(__file__).resolve().parent.parent
# target -> the modules (distribution names) its commands need beyond the core dependencies
NEEDS = {
    "demo": {"graphviz-pure"},
    "test": {"pytest", "pytest-xdist", "ruff", "graphviz-pure"},
    "lint": {"ruff"},
    "notebooks": {"nbclient", "nbformat", "ipykernel", "graphviz-pure"},
    "bench": {"micrograd"},
}
pytestmark = pytest.mark.skipif(
    shutil.which("make") is None, reason="needs GNU make: apt-get install make"
)


def dry_run(target: str, tmp_path: Path) -> list[str]:
    """The commands ``make target`` would run, for a fresh virtualenv in tmp_path."""
    # Run from `make test` itself, a make would see MAKELEVEL and MAKEFLAGS and print
    # "make[1]: Entering directory" lines among the commands: start it as a top-level make.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target, f"VENV={tmp_path / 'venv'}"],
        cwd=ROOT, capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return done.stdout.splitlines()


def installed(extras: str, optional: dict[str, list[str]]) -> set[str]:
    """Distribution names that `pip install -e '.[extras]'` brings, following self-references."""
    names: set[str] = set()
    todo = [e.strip() for e in extras.split(",")]
    while todo:
        for requirement in optional.get(todo.pop(), []):
            name = re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0]
            if name == "autograd-lite":
                todo += re.search(r"\[(.*)\]", requirement).group(1).split(",")
            else:
                names.add(name)
    return names


@pytest.mark.parametrize("target", sorted(NEEDS))
def test_every_target_installs_what_it_needs_first(target, tmp_path):
    commands = dry_run(target, tmp_path)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    optional = pyproject["project"]["optional-dependencies"]
    installs = [i for i, c in enumerate(commands) if re.search(r"pip install .*-e '\.\[", c)]
    assert installs, f"make {target} installs nothing: {commands}"
    first_run = next(i for i, c in enumerate(commands) if "pip" not in c and "-m venv" not in c)
    assert installs[0] < first_run, commands
    extras = re.search(r"-e '\.\[([^\]]*)\]'", commands[installs[0]]).group(1)
    assert NEEDS[target] <= installed(extras, optional), (target, extras)
