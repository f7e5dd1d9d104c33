"""The benchmark runner: every workload in one process, engines interleaved, medians of runs.

``python -m benchmarks [--quick] [--repeat N] [--out PATH] [--recursion-limit N] [--check]``
prints Markdown tables of times, ratios, memory and the issue's targets, and writes all
measurements as JSON. ``--instructions`` instead counts W1's machine instructions per step
under callgrind (see ``benchmarks/instructions.py``).
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import chain, compiled, instructions, mlp_step, report, sum_products
from benchmarks.timing import run_interleaved

DEFAULT_OUT = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Settings:
    """Workload sizes: the issue's full sizes or tiny ones for a smoke test."""

    points: int
    steps: int  # W1 training steps, W2 chains or W3 sums in a row per timed run
    depths: tuple[int, ...]
    reference_depth: int
    terms: int
    memory_depth: int
    repeat: int
    compile_depths: tuple[int, ...] = ()  # W2's chain compiled by autograd_lite.jit


FULL = Settings(100, 5, (10**3, 10**4, 10**5, 10**6), 10**4, 10**5, 10**4, 5, (10**3, 10**4, 10**5))
# 2,000 links make a program of 12,000 statements: split into functions even in a quick run
QUICK = Settings(8, 2, (10, 100, 1000), 10, 300, 200, 2, (10, 100, 2000))
LONG_COMPILE_DEPTH, LONG_COMPILE_REPEAT = 10**5, 3  # a compile at depth 1e5 takes seconds


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke test")
    parser.add_argument("--repeat", type=_positive, help="repetitions per case (default 5)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON file to write")
    parser.add_argument(
        "--recursion-limit",
        type=_positive,
        default=100_000,
        help="recursion limit while micrograd runs (its topological sort recurses)",
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if any target fails")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="instead of timing, count W1's instructions per step with callgrind (valgrind)",
    )
    return parser.parse_args(argv)


def machine() -> dict[str, Any]:
    """Where the numbers come from: CPU, OS, Python and library versions."""
    versions = {}
    for dist in ("autograd-lite", "micrograd", "torch"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {
        "cpu": _cpu_name(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> int:
    """Run everything, print the tables, write the JSON; 1 if engines disagree (or --check)."""
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    if args.instructions:
        print(instructions.table(settings.points))
        return 0
    repeat = args.repeat or settings.repeat
    limit = args.recursion_limit

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"  {message}", file=sys.stderr, flush=True)

    load_at_start = machine()["load_average_1min"]
    progress("W1: first step of every engine from the same weights")
    # One workload at a time, each interleaved across its engines: a workload's data (W3's
    # 400,000 leaves) is built just before it runs and freed after, so it does not sit in
    # memory, traversed by every garbage collection, while another workload is timed.
    w1, agreement = mlp_step.cases(settings.points, repeat, limit, settings.steps)
    run_interleaved(w1, progress)
    progress("jit: first call of W1's program, compiles of W2's chain")
    jit = [compiled.first_call_case(mlp_step.make_problem(settings.points), repeat)]
    jit += compiled.compile_cases(
        list(settings.compile_depths), repeat, LONG_COMPILE_DEPTH, LONG_COMPILE_REPEAT
    )
    run_interleaved(jit, progress)
    w2 = chain.cases(list(settings.depths), repeat, limit, settings.steps)
    run_interleaved(w2, progress)
    w3 = sum_products.cases(settings.terms, repeat, limit, settings.steps)
    run_interleaved(w3, progress)
    cases = [*w1, *jit, *w2, *w3]
    progress("memory")
    memory = chain.memory(settings.memory_depth)
    target_rows = report.targets(
        cases,
        memory,
        agreement,
        list(settings.depths),
        settings.reference_depth,
        list(settings.compile_depths),
    )

    info = {**machine(), "load_average_1min_at_start": load_at_start}
    print(
        f"Machine: {info['cpu']} ({info['cpu_count']} cores), {info['platform']}, "
        f"{info['python']}; 1-minute load average {load_at_start} at start, "
        f"{info['load_average_1min']} at end"
    )
    print(
        f"Versions: {info['versions']}; median of {repeat} runs (depth 1e6: at most 3); "
        f"a timed run is {settings.steps} W1 training steps, W2 chains or W3 sums in a row, "
        f"timed per step, chain or sum\n"
    )
    print(report.times_table(cases), end="\n\n")
    print(report.memory_table(memory, settings.memory_depth), end="\n\n")
    print(report.targets_table(target_rows))

    results = {
        "machine": info,
        "settings": {**asdict(settings), "repeat": repeat, "recursion_limit": limit},
        "w1_agreement": agreement,
        "cases": [case.to_json() for case in cases],
        "memory": memory,
        "targets": target_rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out}")
    if not agreement["ok"]:
        print("ERROR: the engines disagree on the first training step", file=sys.stderr)
        return 1
    failed = any(row["status"] == "FAIL" for row in target_rows)
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
