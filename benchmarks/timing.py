"""Timing cases interleaved across engines, with medians over repetitions.

Every repetition runs each case once, in turn, so a slow phase of the machine (another
process, thermal throttling) hits all engines alike instead of one engine's block.
The garbage collector stays enabled while a case runs: the collections an engine
triggers are part of its cost. Before each run an untimed ``gc.collect()`` clears what
the last case (or the setup) left behind, so no engine pays for the cyclic garbage of
another.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    """One engine on one workload at one size; ``run`` does the timed work once.

    ``units`` counts what the time is divided by for a per-unit figure (``unit`` names it:
    training points, graph nodes, summed terms). ``run`` may do its work ``steps`` times in
    a row (training steps, chains or sums); the recorded times are per step.
    """

    workload: str
    engine: str
    size: int
    units: int
    unit: str
    run: Callable[[], float] | None
    repeat: int
    error: str | None = None
    steps: int = 1
    times: list[float] = field(default_factory=list)
    result: float | None = None

    @property
    def median(self) -> float | None:
        """Median seconds per run, None if the case never completed."""
        return statistics.median(self.times) if self.times and self.error is None else None

    def to_json(self) -> dict[str, Any]:
        """The case's measurements as plain JSON types."""
        median = self.median
        return {
            "workload": self.workload,
            "engine": self.engine,
            "size": self.size,
            "units": self.units,
            "unit": self.unit,
            "repeat": self.repeat,
            "steps": self.steps,
            "times_s": self.times,
            "median_s": median,
            "ns_per_unit": None if median is None else median / self.units * 1e9,
            "result": self.result,
            "error": self.error,
        }


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Raise the interpreter's recursion limit for the block (micrograd's sort recurses)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, previous))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def run_interleaved(cases: list[Case], progress: Callable[[str], None] = lambda _: None) -> None:
    """Run every case ``case.repeat`` times, interleaved, recording times and errors.

    Afterwards each case's ``run`` is dropped, freeing the models and graphs it holds.
    """
    for rep in range(max((c.repeat for c in cases), default=0)):
        for case in cases:
            if case.run is not None and case.error is None and rep < case.repeat:
                progress(f"{case.workload} {case.engine} size {case.size} run {rep + 1}")
                _run_once(case, cases)
    for case in cases:
        case.run = None
    gc.collect()


def _run_once(case: Case, cases: list[Case]) -> None:
    assert case.run is not None
    gc.collect()  # untimed: whatever ran before (another case, setup) leaves nothing
    try:
        start = time.perf_counter()
        result = case.run()
        elapsed = time.perf_counter() - start
    except RecursionError as exc:
        case.error = f"RecursionError ({exc})"
        _skip_larger(case, cases)
    else:
        case.times.append(elapsed / case.steps)
        case.result = result


def _skip_larger(failed: Case, cases: list[Case]) -> None:
    """An engine that failed at one size is not tried at larger sizes of that workload."""
    for case in cases:
        same = case.workload == failed.workload and case.engine == failed.engine
        if same and case.size > failed.size and case.error is None and not case.times:
            case.error = f"not run: already failed at size {failed.size}"


def consecutive(run: Callable[[], float], steps: int) -> Callable[[], float]:
    """``run`` done ``steps`` times in a row, as in a loop; returns the last result.

    From the second time on, an engine whose graphs are reference cycles (micrograd) pays
    for collecting the garbage of the time before, as it does in a user's loop; an engine
    whose graphs are freed by reference counting pays for freeing each graph as it drops it.
    """

    def repeated() -> float:
        for _ in range(steps):
            result = run()
        return result

    return repeated


def limited(run: Callable[[], float], limit: int) -> Callable[[], float]:
    """``run`` under a raised recursion limit (for micrograd's recursive topological sort)."""

    def wrapped() -> float:
        with recursion_limit(limit):
            return run()

    return wrapped
