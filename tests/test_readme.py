"""The README's first example runs and prints exactly the output the README shows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _first_block(text: str, language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", text, re.S)
    assert match, f"README.md has no ```{language} block"
    return match.group(1)


def test_the_first_example_prints_what_the_readme_shows() -> None:
    text = README.read_text(encoding="utf-8")
    code, shown = _first_block(text, "python"), _first_block(text, "text")
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
