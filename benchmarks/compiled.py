"""autograd_lite.jit: W1 through compiled per-sample programs, and what compiling costs.

* ``autograd_lite jit`` (a W1 engine): the public API as a user writes it, ``jit`` of the
  per-sample loss once, then each step the batch loop in Python calling
  ``program.backward(x0, x1, y, gradient=1/n)`` (which adds into the parameters'
  ``.grad``) and ``optim.SGD``.
* ``W1 first call``: trace + code generation + ``compile()`` of W1's per-sample program,
  for a fresh model each run, against one eager W1 step.
* ``W2 compile``: the same for W2's chain at several depths, plus one backward run of the
  compiled chain (its result, d output / d leaf, is checked against the chain rule); the
  time per node should not grow with depth, as programs above
  ``autograd_lite.jit.MAX_STATEMENTS`` statements are split into several functions.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.mlp_step import LR, SIZES, Engine, Problem, _load_neurons, _neuron_params
from benchmarks.timing import Case

NAME = "autograd_lite jit"
FIRST_CALL = "W1 first call"
W2_COMPILE = "W2 compile"


def _model(problem: Problem):
    from autograd_lite.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]), activation="relu", output_activation="linear")
    _load_neurons(model, problem.weights)
    return model


def sample_loss(model) -> Callable:
    """One point's squared error, ``(model([x0, x1]) - y)^2``, as a function of numbers."""

    def loss(x0, x1, y):
        d = model([x0, x1]) - y
        return d * d

    return loss


def jit_engine(problem: Problem) -> Engine:
    """W1 through ``jit``: one compiled per-sample program, the batch loop in Python."""
    from autograd_lite import jit
    from autograd_lite.optim import SGD

    model = _model(problem)
    program = jit(sample_loss(model), *problem.X[0], problem.Y[0])
    opt = SGD(model.parameters(), lr=LR)
    points = [(x0, x1, y) for (x0, x1), y in zip(problem.X, problem.Y, strict=True)]
    weight = 1.0 / len(points)
    backward = program.backward

    def step() -> float:
        opt.zero_grad()
        total = 0.0
        for x0, x1, y in points:
            total += backward(x0, x1, y, gradient=weight)[0]
        opt.step()
        return total / len(points)

    return Engine(step, lambda: _neuron_params(model))


def first_call_case(problem: Problem, repeat: int) -> Case:
    """Trace + code generation + compile of W1's per-sample program, a fresh model per run
    (built untimed beforehand); the result is the program's loss at the first point."""
    from autograd_lite import jit

    models = [_model(problem) for _ in range(repeat)]
    x0, x1 = problem.X[0]

    def run() -> float:
        program = jit(sample_loss(models.pop()), x0, x1, problem.Y[0])
        return program(x0, x1, problem.Y[0])

    return Case(FIRST_CALL, NAME, len(problem.X), 1, "program", run, repeat)


def chain(depth: int) -> Callable:
    """W2's chain ``x = (x*1.0001 + 0.0001).tanh()``, ``depth`` links, as a function."""

    def fn(x):
        for _ in range(depth):
            x = (x * 1.0001 + 0.0001).tanh()
        return x

    return fn


def compile_cases(depths: list[int], repeat: int, long_depth: int, long_repeat: int) -> list[Case]:
    """Compile W2's chain at each depth (trace, code generation, compile, one backward run);
    the result is d output / d leaf at 0.5."""
    from autograd_lite import jit

    out = []
    for depth in depths:

        def run(depth: int = depth) -> float:
            return jit(chain(depth), 0.5).backward(0.5)[1][0]

        reps = min(repeat, long_repeat) if depth >= long_depth else repeat
        out.append(Case(W2_COMPILE, NAME, depth, 3 * depth, "op node", run, reps))
    return out
