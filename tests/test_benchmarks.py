"""Smoke test of the benchmark runner: ``python -m benchmarks --quick`` end to end.

No timing is asserted (speed belongs to the benchmark's own targets); the test checks the
structure of the JSON and the table, and that every engine computed the same numbers as
an independent float/numpy computation, so a runner that timed the wrong thing fails.
"""

import gc
import importlib
import importlib.util
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
# Low enough that micrograd's recursive sort fails on the quick run's deepest chain (about
# 3,000 frames), so the failure path is exercised; high enough for everything else.
RECURSION_LIMIT = 2000
REPEAT = 2


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--quiet", "--out", str(out)]
    command += ["--repeat", str(REPEAT), "--recursion-limit", str(RECURSION_LIMIT)]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text()), proc.stdout


def _benchmark_module(name: str) -> ModuleType:
    """``benchmarks.<name>``, imported from the repository root (not an installed package)."""
    sys.path.insert(0, str(ROOT))
    try:
        return importlib.import_module(f"benchmarks.{name}")
    finally:
        sys.path.remove(str(ROOT))


def _cases(results: dict, workload: str) -> dict[tuple[str, int], dict]:
    return {(c["engine"], c["size"]): c for c in results["cases"] if c["workload"] == workload}


def _engines() -> set[str]:
    engines = {"autograd_lite", "autograd_lite jit", "micrograd", "hand-written"}
    engines |= {"lean: dot + relu nodes", "lean: fused neurons"}  # the design floor
    return engines | ({"pytorch"} if importlib.util.find_spec("torch") else set())


def test_json_has_every_section_and_completed_cases_are_consistent(run: tuple[dict, str]) -> None:
    results, _ = run
    assert set(results) == {"machine", "settings", "w1_agreement", "cases", "memory", "targets"}
    assert results["settings"]["repeat"] == REPEAT
    for case in results["cases"]:
        if case["error"] is None:
            times = case["times_s"]
            assert len(times) == case["repeat"] == REPEAT
            assert min(times) <= case["median_s"] <= max(times)
            assert case["ns_per_unit"] == pytest.approx(case["median_s"] / case["units"] * 1e9)
        else:
            assert case["median_s"] is None


def test_w1_first_step_loss_matches_numpy_forward_for_every_engine(run: tuple[dict, str]) -> None:
    results, _ = run
    problem = _benchmark_module("mlp_step").make_problem(results["settings"]["points"])
    a = np.array(problem.X)
    for i, layer in enumerate(problem.weights):
        w = np.array([neuron[0] for neuron in layer])
        b = np.array([neuron[1] for neuron in layer])
        a = a @ w.T + b
        if i < len(problem.weights) - 1:
            a = np.maximum(a, 0.0)
    expected = float(np.mean((a[:, 0] - np.array(problem.Y)) ** 2))
    agreement = results["w1_agreement"]
    assert set(agreement["first_step_loss"]) == _engines()
    for loss in agreement["first_step_loss"].values():
        assert loss == pytest.approx(expected, rel=1e-12)
    assert agreement["ok"]
    assert agreement["max_param_diff_after_step"] <= 1e-12
    assert {engine for engine, _ in _cases(results, "W1")} == _engines()


def test_w1_timed_runs_are_consecutive_training_steps(run: tuple[dict, str]) -> None:
    results, _ = run
    mlp_step = _benchmark_module("mlp_step")
    settings = results["settings"]
    problem = mlp_step.make_problem(settings["points"])
    W = [[list(w) for w, _ in layer] for layer in problem.weights]
    B = [[b for _, b in layer] for layer in problem.weights]
    # one untimed agreement step, then `repeat` timed runs of `steps` steps each
    for _ in range(1 + settings["repeat"] * settings["steps"]):
        last_loss = mlp_step.hand_step(W, B, problem.X, problem.Y, mlp_step.LR)
    assert settings["steps"] > 1
    for case in _cases(results, "W1").values():
        assert case["steps"] == settings["steps"]
        assert case["result"] == pytest.approx(last_loss, rel=1e-9), case["engine"]


def test_w2_gradients_match_the_chain_rule_and_micrograd_failure_is_reported(
    run: tuple[dict, str],
) -> None:
    results, _ = run
    cases = _cases(results, "W2")
    for depth in results["settings"]["depths"]:
        x, grad = 0.5, 1.0
        for _ in range(depth):
            t = math.tanh(x * 1.0001 + 0.0001)
            grad *= (1.0 - t * t) * 1.0001
            x = t
        assert cases[("autograd_lite", depth)]["result"] == pytest.approx(grad, rel=1e-12)
        assert cases[("autograd_lite", depth)]["units"] == 3 * depth
        assert cases[("autograd_lite", depth)]["steps"] == results["settings"]["steps"] > 1
        micrograd = cases[("micrograd", depth)]
        if 3 * depth < RECURSION_LIMIT:
            assert micrograd["result"] == pytest.approx(grad, rel=1e-12)
        else:
            assert "RecursionError" in micrograd["error"]


def test_w3_every_variant_computes_the_same_sum(run: tuple[dict, str]) -> None:
    results, _ = run
    n = results["settings"]["terms"]
    cases = _cases(results, "W3")
    assert set(cases) == {
        ("autograd_lite sum chain", n),
        ("autograd_lite Value.dot", n),
        ("micrograd sum chain", n),
        ("micrograd pairwise", n),
    }
    reference = cases[("micrograd pairwise", n)]["result"]
    for case in cases.values():
        assert case["result"] == pytest.approx(reference, rel=1e-12, abs=1e-12)
        assert case["steps"] == results["settings"]["steps"] > 1  # sums in a row, per sum


def test_every_timed_run_starts_after_a_garbage_collection() -> None:
    timing = _benchmark_module("timing")
    young_at_start: list[int] = []

    def run() -> float:
        young_at_start.append(gc.get_count()[0])
        return 0.0

    case = timing.Case("T", "engine", 1, 1, "unit", run, repeat=2)
    garbage = [[] for _ in range(300)]  # young tracked objects, as a setup leaves behind
    timing.run_interleaved([case])
    assert len(garbage) == 300 and len(young_at_start) == 2
    assert max(young_at_start) < 50, young_at_start  # collected (untimed) before each run


def test_consecutive_runs_return_the_last_result_after_running_every_time() -> None:
    calls: list[int] = []

    def run() -> float:
        calls.append(len(calls))
        return float(len(calls))

    assert _benchmark_module("timing").consecutive(run, 4)() == 4.0
    assert calls == [0, 1, 2, 3]


def test_memory_counts_the_nodes_each_engine_makes(run: tuple[dict, str]) -> None:
    results, _ = run
    depth = results["settings"]["memory_depth"]
    memory = results["memory"]
    assert memory["autograd_lite"]["nodes_per_step"] == pytest.approx((3 * depth + 1) / depth)
    assert memory["micrograd"]["nodes_per_step"] == pytest.approx((5 * depth + 1) / depth)
    for figures in memory.values():
        assert figures["bytes_per_node"] > 0
        assert figures["bytes_per_step"] == pytest.approx(
            figures["bytes_per_node"] * figures["nodes_per_step"]
        )


def test_targets_and_printed_tables(run: tuple[dict, str]) -> None:
    results, stdout = run
    targets = results["targets"]
    assert len(targets) == 11
    assert all(t["status"] in {"PASS", "FAIL", "n/a"} for t in targets)
    assert targets[0]["status"] == "PASS"  # the engines agree
    assert "| workload | engine | size | median time |" in stdout
    for engine in _engines():
        assert f"| {engine} |" in stdout
    for target in targets:
        assert f"| {target['target']} |" in stdout


def _has_symbol(name: str) -> bool:
    """Whether the binary holding the math module (an extension, or Python itself when math
    is built in) has the symbol ``name``; True when binutils' nm is not there to ask."""
    if shutil.which("nm") is None:
        return True
    binary = getattr(math, "__file__", None) or sys.executable
    listed = subprocess.run(["nm", binary], capture_output=True, text=True)
    return listed.returncode != 0 or f" {name}\n" in listed.stdout


def test_instruction_counts_are_exact_and_printed_for_every_engine_but_pytorch() -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind not installed: apt install valgrind")
    instructions = _benchmark_module("instructions")
    if not _has_symbol(instructions.MARKER):
        # A stripped Python (Debian's /usr/bin/python3) has no symbol to start counting at.
        pytest.skip(
            f"this Python has no {instructions.MARKER} symbol to count from: use a pyenv or "
            "python.org build"
        )
    first = instructions.count("lean: fused neurons", 8, 1)
    assert instructions.count("lean: fused neurons", 8, 1) == first > 0  # no drift at all
    assert instructions.count("lean: fused neurons", 8, 2) > first  # the count is per step
    command = [sys.executable, "-m", "benchmarks", "--instructions", "--quick"]
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    rows = {}
    for line in proc.stdout.splitlines()[2:]:
        engine, count, vs_hand, vs_micrograd = (c.strip() for c in line.strip("|").split("|"))
        rows[engine] = (int(count.replace(",", "")), vs_hand, vs_micrograd)
    assert set(rows) == _engines() - {"pytorch"}
    hand, micrograd = rows["hand-written"][0], rows["micrograd"][0]
    for count, vs_hand, vs_micrograd in rows.values():
        assert count > 0
        assert vs_hand == f"{count / hand:.3g}x" and vs_micrograd == f"{micrograd / count:.3g}x"
