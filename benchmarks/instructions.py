"""W1 in machine instructions: callgrind's count per training step, engine by engine.

On a shared machine a timing drifts by tens of percent from one run to the next; the
number of instructions a step executes does not (same interpreter, same inputs, same hash
seed: the same count every time), so it is the figure to compare two versions of an
engine by. It is not the time: instructions per cycle differ between engines (the
hand-written floats spend theirs in tight C loops), so the targets stay on times.

``python -m benchmarks --instructions [--quick]`` needs valgrind. Each engine runs in its
own process under ``valgrind --tool=callgrind``, which counts only inside ``math.fsum``:
the measured steps run under it, so interpreter start-up, imports and the untimed first
step are left out. (A W1 step calls no ``math.fsum`` of its own; one that did would have
that call's instructions left out, since callgrind toggles counting at each entry and
exit.) PyTorch is not counted: importing it under valgrind takes minutes.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.mlp_step import factories, make_problem
from benchmarks.report import HAND
from benchmarks.timing import limited

ROOT = Path(__file__).resolve().parents[1]
MARKER = "math_fsum"
RECURSION_LIMIT = 100_000


def engines() -> list[str]:
    """The W1 engines that are counted: every installed one but PyTorch."""
    return [name for name in factories() if name != "pytorch"]


def count(engine: str, points: int, steps: int) -> int:
    """Instructions for ``steps`` W1 steps of ``engine`` (after one uncounted step)."""
    if shutil.which("valgrind") is None:
        raise RuntimeError("counting instructions needs valgrind: apt install valgrind")
    command = [
        "valgrind",
        "--tool=callgrind",
        "--collect-atstart=no",
        f"--toggle-collect={MARKER}",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        engine,
        str(points),
        str(steps),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None or int(found.group(1)) == 0:
        raise RuntimeError(
            f"callgrind counted nothing for {engine!r} (exit {proc.returncode}); is "
            f"{MARKER!r} a symbol of this Python? stderr ends:\n{proc.stderr[-2000:]}"
        )
    return int(found.group(1))


def table(points: int, steps: int = 2) -> str:
    """Instructions per step, / hand-written and micrograd / engine, as a Markdown table.

    Two counted steps are enough (the count does not drift), and from the second one on
    micrograd pays for collecting the step before's garbage, as in training."""
    per_step = {name: count(name, points, steps) / steps for name in engines()}
    hand, micrograd = per_step[HAND], per_step.get("micrograd")
    lines = [
        f"| engine (W1, {points} points) | instructions per step | / hand-written "
        "| micrograd / engine |",
        "|---|---|---|---|",
    ]
    for name, n in per_step.items():
        vs_micrograd = "-" if micrograd is None else f"{micrograd / n:.3g}x"
        lines.append(f"| {name} | {n:,.0f} | {n / hand:.3g}x | {vs_micrograd} |")
    return "\n".join(lines)


def _count_steps(engine: str, points: int, steps: int) -> None:
    """The measured process: one uncounted step, then ``steps`` steps inside math.fsum."""
    step = factories()[engine](make_problem(points)).step
    step = limited(step, RECURSION_LIMIT) if engine == "micrograd" else step
    step()

    def counted(_: int) -> float:
        step()
        return 0.0

    math.fsum(map(counted, range(steps)))


if __name__ == "__main__":
    _count_steps(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
