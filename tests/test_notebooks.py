"""Every notebook in notebooks/ runs top to bottom without error (its asserts included).

Each notebook is copied to a temporary file and executed from scratch with nbclient in a
fresh "python3" kernel, working directory notebooks/, exactly as notebooks/run_all.py does;
new notebooks are picked up automatically. The notebooks assert their own key claims, so a
broken library fails here, not only in the prose.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def _load_runner() -> ModuleType:
    """Import notebooks/run_all.py (not a package) so the tests run notebooks the same way."""
    spec = importlib.util.spec_from_file_location("run_all", NOTEBOOKS_DIR / "run_all.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


run_all = _load_runner()
NOTEBOOKS = run_all.notebook_paths()


def test_notebooks_exist() -> None:
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = run_all.execute(copy, cwd=NOTEBOOKS_DIR)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert code_cells, f"{path.name} has no code cells"
    errors = [o for c in code_cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors, f"{path.name}: {errors[0].ename}: {errors[0].evalue}"
    assert all(c.execution_count is not None for c in code_cells), "some cells did not run"
    nbformat.validate(nb)
