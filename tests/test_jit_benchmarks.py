"""Smoke test of the jit benchmarks (``benchmarks/compiled.py``): what they compute, not
how fast (speed belongs to the benchmark's own targets).

W1 through ``jit`` trains like the hand-written floats step after step; the first-call
case compiles W1's per-sample program and returns its loss; the W2 compile case's
gradient is the chain rule's; the report computes the jit targets from the cases.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _benchmark_module(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.import_module(f"benchmarks.{name}")
    finally:
        sys.path.remove(str(ROOT))


def test_w1_through_jit_trains_like_the_hand_written_floats() -> None:
    mlp_step, compiled = _benchmark_module("mlp_step"), _benchmark_module("compiled")
    problem = mlp_step.make_problem(12)
    assert mlp_step.factories()[compiled.NAME] is compiled.jit_engine
    jitted, hand = compiled.jit_engine(problem), mlp_step.hand_engine(problem)
    for _ in range(4):
        assert jitted.step() == pytest.approx(hand.step(), rel=1e-12)
        for a, b in zip(jitted.params(), hand.params(), strict=True):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


def test_first_call_case_compiles_a_fresh_program_each_run() -> None:
    mlp_step, compiled = _benchmark_module("mlp_step"), _benchmark_module("compiled")
    problem = mlp_step.make_problem(5)
    case = compiled.first_call_case(problem, repeat=2)
    hand = mlp_step.hand_engine(problem)
    loss = hand.step()  # the loss over all points, from the starting weights
    (x0, x1), y = problem.X[0], problem.Y[0]
    W = [[list(w) for w, _ in layer] for layer in problem.weights]
    B = [[b for _, b in layer] for layer in problem.weights]
    expected = mlp_step.hand_step(W, B, [[x0, x1]], [y], 0.0)  # one point, no update
    assert loss != expected
    assert case.run() == pytest.approx(expected, rel=1e-12)
    assert case.run() == pytest.approx(expected, rel=1e-12)
    with pytest.raises(IndexError):  # one fresh model per repetition, none reused
        case.run()


def test_w2_compile_cases_give_the_chain_rules_gradient() -> None:
    compiled = _benchmark_module("compiled")
    for case in compiled.compile_cases([10, 1500], repeat=3, long_depth=1000, long_repeat=1):
        x, grad = 0.5, 1.0
        for _ in range(case.size):
            t = math.tanh(x * 1.0001 + 0.0001)
            grad *= (1.0 - t * t) * 1.0001
            x = t
        assert case.run() == pytest.approx(grad, rel=1e-12)
        assert case.units == 3 * case.size
        assert case.repeat == (1 if case.size >= 1000 else 3)


def test_report_computes_the_jit_targets_from_the_cases() -> None:
    report, timing = _benchmark_module("report"), _benchmark_module("timing")

    def case(workload: str, engine: str, size: int, seconds: float, units: int = 1):
        c = timing.Case(workload, engine, size, units, "u", None, 1)
        c.times = [seconds]
        return c

    cases = [
        case("W1", "autograd_lite", 100, 0.030),
        case("W1", "autograd_lite jit", 100, 0.004),
        case("W1", "micrograd", 100, 1.6),
        case("W1", "hand-written", 100, 0.005),
        case("W1 first call", "autograd_lite jit", 100, 0.015),
        case("W2 compile", "autograd_lite jit", 1000, 0.3, 3000),
        case("W2 compile", "autograd_lite jit", 100000, 45.0, 300000),
    ]
    memory = {"autograd_lite": {"bytes_per_node": 168.0}}
    agreement = {"max_loss_diff": 0.0, "max_param_diff_after_step": 0.0}
    rows = report.targets(cases, memory, agreement, [1000], 1000, [1000, 100000])
    measured = {row["target"]: (row["measured"], row["status"]) for row in rows}
    assert measured["W1 jit speedup vs micrograd"] == (400.0, "PASS")
    assert measured["W1 jit time / hand-written floats"] == (pytest.approx(0.8), "PASS")
    first = "W1 jit first call (trace + codegen + compile) / one eager W1 step"
    assert measured[first] == (0.5, "PASS")
    ratio = "W2 jit compile time per node at depth 100,000 / at depth 1,000"
    assert measured[ratio] == (pytest.approx(1.5), "PASS")
    assert measured["W2 jit depth 100,000 compiles and runs (1 = yes)"] == (1.0, "PASS")
    table = report.times_table(cases)
    assert "| W2 compile | autograd_lite jit | 100,000 |" in table
