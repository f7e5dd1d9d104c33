"""The printed tables (Markdown, ready for the README) and the issue's speed targets."""

from __future__ import annotations

from typing import Any

from benchmarks.timing import Case

BASELINES = {"W1": "micrograd", "W2": "micrograd", "W3": "micrograd pairwise"}
HAND = "hand-written"
JIT = "autograd_lite jit"


def fmt_seconds(seconds: float | None) -> str:
    """A duration with a unit that keeps three significant digits readable."""
    if seconds is None:
        return "-"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def _find(cases: list[Case], workload: str, engine: str, size: int | None = None) -> Case | None:
    for case in cases:
        if case.workload == workload and case.engine == engine and size in (None, case.size):
            return case
    return None


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or den is None or den == 0 else num / den


def _fmt_ratio(r: float | None) -> str:
    return "-" if r is None else f"{r:.3g}x"


def times_table(cases: list[Case]) -> str:
    """One row per case: median time, time per unit, speedup vs micrograd, time / hand-written."""
    lines = [
        "| workload | engine | size | median time | per unit | speedup vs micrograd "
        "| time / hand-written | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        baseline = BASELINES.get(case.workload)
        base = _find(cases, case.workload, baseline, case.size) if baseline else None
        hand = _find(cases, case.workload, HAND, case.size)
        median = case.median
        per_unit = None if median is None else median / case.units
        speedup = _ratio(base.median if base else None, median)
        vs_hand = _ratio(median, hand.median) if hand else None
        lines.append(
            f"| {case.workload} | {case.engine} | {case.size:,} | {fmt_seconds(median)} "
            f"| {fmt_seconds(per_unit)}/{case.unit} | {_fmt_ratio(speedup)} "
            f"| {_fmt_ratio(vs_hand)} | {case.error or ''} |"
        )
    return "\n".join(lines)


def memory_table(memory: dict[str, dict[str, float]], depth: int) -> str:
    """The W2 chain's memory per engine (tracemalloc): per Value node and per chain step."""
    lines = [
        f"| engine (chain depth {depth:,}) | bytes per node | nodes per step | bytes per step |",
        "|---|---|---|---|",
    ]
    for name, m in memory.items():
        per_node, per_step = m["bytes_per_node"], m["bytes_per_step"]
        lines.append(f"| {name} | {per_node:.0f} | {m['nodes_per_step']:.3g} | {per_step:.0f} |")
    return "\n".join(lines)


def _target(name: str, measured: float | None, op: str, threshold: float) -> dict[str, Any]:
    if measured is None:
        status = "n/a"
    else:
        status = (
            "PASS" if (measured >= threshold if op == ">=" else measured <= threshold) else "FAIL"
        )
    return {
        "target": name,
        "measured": measured,
        "op": op,
        "threshold": threshold,
        "status": status,
    }


def targets(
    cases: list[Case],
    memory: dict[str, dict[str, float]],
    agreement: dict[str, Any],
    depths: list[int],
    reference_depth: int,
    compile_depths: list[int] = (),
) -> list[dict[str, Any]]:
    """The issue's targets, each PASS, FAIL or n/a (an engine missing or a run failing).

    W1's eager targets (100x micrograd, 3x the hand-written floats) are retired for an
    engine that builds a graph per sample; W1 through ``jit`` has its own, and the eager
    engine must not fall back below the 55-64x micrograd it measured before."""

    def median(workload: str, engine: str, size: int | None = None) -> float | None:
        case = _find(cases, workload, engine, size)
        return case.median if case else None

    def per_node(depth: int) -> float | None:
        case = _find(cases, "W2", "autograd_lite", depth)
        return None if case is None or case.median is None else case.median / case.units

    ours = median("W1", "autograd_lite")
    jitted = median("W1", JIT)
    compile_depths = list(compile_depths)

    def compile_per_node(depth: int) -> float | None:
        case = _find(cases, "W2 compile", JIT, depth)
        return None if case is None or case.median is None else case.median / case.units

    low, high = (min(compile_depths), max(compile_depths)) if compile_depths else (0, 0)
    compiled_high = _find(cases, "W2 compile", JIT, high)
    compiled_ok = compiled_high is not None and compiled_high.median is not None
    deepest = max(depths)
    deep_case = _find(cases, "W2", "autograd_lite", deepest)
    completed = 1.0 if deep_case is not None and deep_case.median is not None else 0.0
    return [
        _target(
            "W1 engines agree: max abs diff of first-step loss and updated weights",
            max(agreement["max_loss_diff"], agreement["max_param_diff_after_step"]),
            "<=",
            1e-12,
        ),
        _target(
            "W1 jit speedup vs micrograd", _ratio(median("W1", "micrograd"), jitted), ">=", 300
        ),
        _target("W1 jit time / hand-written floats", _ratio(jitted, median("W1", HAND)), "<=", 1.0),
        _target(
            "W1 jit first call (trace + codegen + compile) / one eager W1 step",
            _ratio(median("W1 first call", JIT), ours),
            "<=",
            1.0,
        ),
        _target(
            "W1 eager speedup vs micrograd (no regression below the 55-64x before jit)",
            _ratio(median("W1", "micrograd"), ours),
            ">=",
            50,
        ),
        _target(f"W2 depth {deepest:,} completes (1 = yes)", completed, ">=", 1),
        _target(
            f"W2 time per node at depth {deepest:,} / at depth {reference_depth:,}",
            _ratio(per_node(deepest), per_node(reference_depth)),
            "<=",
            1.5,
        ),
        _target(f"W2 jit depth {high:,} compiles and runs (1 = yes)", float(compiled_ok), ">=", 1),
        _target(
            f"W2 jit compile time per node at depth {high:,} / at depth {low:,}",
            _ratio(compile_per_node(high), compile_per_node(low)),
            "<=",
            2,
        ),
        _target(
            "W3 Value.dot speedup vs micrograd pairwise",
            _ratio(median("W3", "micrograd pairwise"), median("W3", "autograd_lite Value.dot")),
            ">=",
            50,
        ),
        _target(
            "memory: bytes per chain node", memory["autograd_lite"]["bytes_per_node"], "<=", 200
        ),
    ]


def targets_table(rows: list[dict[str, Any]]) -> str:
    """Targets with what was measured and PASS / FAIL / n/a."""
    lines = ["| target | measured | required | result |", "|---|---|---|---|"]
    for row in rows:
        measured = "-" if row["measured"] is None else f"{row['measured']:.3g}"
        lines.append(
            f"| {row['target']} | {measured} | {row['op']} {row['threshold']:g} | {row['status']} |"
        )
    return "\n".join(lines)
