"""Execute every notebook in notebooks/ in place, so the committed copies carry fresh outputs.

Usage (from the repository root)::

    .venv/bin/python notebooks/run_all.py                 # all notebooks/*.ipynb
    .venv/bin/python notebooks/run_all.py notebooks/03_gradient_descent.ipynb

Each notebook runs top to bottom in a fresh "python3" kernel whose working directory is
notebooks/, with PYTHONHASHSEED fixed; the notebooks seed their own random generators.
A failing cell stops the run with the cell's traceback and leaves that notebook untouched.
tests/test_notebooks.py uses `execute` from here, so CI runs the notebooks exactly this way.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).resolve().parent
KERNEL_NAME = "python3"
CELL_TIMEOUT = 600  # seconds; a guard against a hung cell, not a speed requirement


def notebook_paths() -> list[Path]:
    """All notebooks in notebooks/, in name order (01_..., 02_..., ...)."""
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def execute(
    path: Path, cwd: Path = NOTEBOOKS_DIR, timeout: int = CELL_TIMEOUT
) -> nbformat.NotebookNode:
    """Run the notebook at `path` from scratch in `cwd` and return it with its new outputs.

    Raises nbclient's CellExecutionError (with the failing cell's traceback) on any error.
    """
    os.environ["PYTHONHASHSEED"] = "0"
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL_NAME,
        timeout=timeout,
        record_timing=False,
        coalesce_streams=True,  # progress bars: keep each bar's final state, not every redraw
        # Save no widget state, as JupyterLab does by default: viewers without a kernel
        # (nbviewer, nbconvert) then show a widget output's static fallback, not a blank view.
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def main(argv: list[str]) -> int:
    """Execute the notebooks named in `argv` (default: all) and write each back in place."""
    paths = [Path(a).resolve() for a in argv] or notebook_paths()
    for path in paths:
        start = time.perf_counter()
        nb = execute(path)
        nbformat.write(nb, path)
        print(f"{path.name}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
