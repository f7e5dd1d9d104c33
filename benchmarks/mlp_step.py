"""W1: one training step (forward, backward, SGD update) of an MLP on a batch of points.

Each engine gets the same data and the same starting weights, builds the network in its
own idiom, and exposes ``step() -> loss`` plus ``params() -> list[float]`` (weights in the
order layer, neuron, w..., b) so the engines can be checked against each other.
"""

from __future__ import annotations

import importlib.util
import itertools
import operator
import random
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.timing import Case, consecutive, limited

SIZES = (2, 16, 16, 1)
LR = 0.01
AGREEMENT_TOL = 1e-12

Weights = list[list[tuple[list[float], float]]]  # layer -> neuron -> (w, b)


@dataclass(frozen=True)
class Problem:
    """Inputs, targets and starting weights shared by every engine."""

    X: list[list[float]]
    Y: list[float]
    weights: Weights


@dataclass
class Engine:
    """One engine's training step on a :class:`Problem` and a view of its weights."""

    step: Callable[[], float]
    params: Callable[[], list[float]]


def make_problem(n_points: int, seed: int = 0) -> Problem:
    """Points in [-2, 2]^2 labelled +-1 by quadrant, and uniform(-1, 1) weights."""
    rng = random.Random(seed)
    X = [[rng.uniform(-2.0, 2.0) for _ in range(SIZES[0])] for _ in range(n_points)]
    Y = [1.0 if x[0] * x[1] > 0 else -1.0 for x in X]
    weights = [
        [
            ([rng.uniform(-1.0, 1.0) for _ in range(nin)], rng.uniform(-1.0, 1.0))
            for _ in range(nout)
        ]
        for nin, nout in itertools.pairwise(SIZES)
    ]
    return Problem(X, Y, weights)


def _flatten(layers: list) -> list[float]:
    return [float(v) for layer in layers for w, b in layer for v in [*w, b]]


def autograd_lite_engine(problem: Problem) -> Engine:
    """The public API, as a user writes it: ``MLP``, ``losses.mse``, ``optim.SGD``."""
    from autograd_lite.losses import mse
    from autograd_lite.nn import MLP
    from autograd_lite.optim import SGD

    model = MLP(SIZES[0], list(SIZES[1:]), activation="relu", output_activation="linear")
    _load_neurons(model, problem.weights)
    opt = SGD(model.parameters(), lr=LR)

    def step() -> float:
        opt.zero_grad()
        loss = mse([model(x) for x in problem.X], problem.Y)
        loss.backward()
        opt.step()
        return loss.data

    return Engine(step, lambda: _neuron_params(model))


def micrograd_engine(problem: Problem) -> Engine:
    """micrograd 0.1.0's ``MLP`` with an MSE written in its style (a ``sum`` of squares)."""
    from micrograd.nn import MLP

    model = MLP(SIZES[0], list(SIZES[1:]))
    _load_neurons(model, problem.weights)
    scale = 1.0 / len(problem.X)

    def step() -> float:
        model.zero_grad()
        preds = [model(x) for x in problem.X]
        loss = sum((p - y) ** 2 for p, y in zip(preds, problem.Y, strict=True)) * scale
        loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return loss.data

    return Engine(step, lambda: _neuron_params(model))


def _load_neurons(model: object, weights: Weights) -> None:
    """Copy weights into a model built of ``layers[i].neurons[j].w / .b`` (both libraries)."""
    for layer, layer_weights in zip(model.layers, weights, strict=True):
        for neuron, (w, b) in zip(layer.neurons, layer_weights, strict=True):
            for param, value in zip(neuron.w, w, strict=True):
                param.data = value
            neuron.b.data = b


def _neuron_params(model: object) -> list[float]:
    return _flatten(
        [[([p.data for p in n.w], n.b.data) for n in layer.neurons] for layer in model.layers]
    )


def torch_engine(problem: Problem) -> Engine:
    """PyTorch with every weight a 0-d float64 tensor, the network written op by op."""
    import torch

    layers = [
        [
            (
                [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in w],
                torch.tensor(b, dtype=torch.float64, requires_grad=True),
            )
            for w, b in layer
        ]
        for layer in problem.weights
    ]
    flat = [p for layer in layers for w, b in layer for p in [*w, b]]
    last = len(layers) - 1
    n = len(problem.X)

    def forward(x: list) -> torch.Tensor:
        a = x
        for i, layer in enumerate(layers):
            z = [sum((wi * ai for wi, ai in zip(w, a, strict=True)), b) for w, b in layer]
            a = z if i == last else [torch.relu(v) for v in z]
        return a[0]

    def step() -> float:
        for p in flat:
            p.grad = None
        preds = [forward(x) for x in problem.X]
        loss = sum((p - y) ** 2 for p, y in zip(preds, problem.Y, strict=True)) / n
        loss.backward()
        with torch.no_grad():
            for p in flat:
                p -= LR * p.grad
        return loss.item()

    return Engine(
        step,
        lambda: _flatten(
            [[([p.item() for p in w], b.item()) for w, b in layer] for layer in layers]
        ),
    )


def hand_engine(problem: Problem) -> Engine:
    """Plain floats, forward and backward written out by hand: no graph at all."""
    layers = [[(list(w), b) for w, b in layer] for layer in problem.weights]
    W = [[w for w, _ in layer] for layer in layers]
    B = [[b for _, b in layer] for layer in layers]

    def step() -> float:
        return hand_step(W, B, problem.X, problem.Y, LR)

    return Engine(
        step, lambda: _flatten([list(zip(w, b, strict=True)) for w, b in zip(W, B, strict=True)])
    )


def hand_step(
    W: list[list[list[float]]], B: list[list[float]], X: list, Y: list, lr: float
) -> float:
    """One SGD step of a relu MLP with a linear output under MSE, in place; returns the loss.

    Written for speed, as the floor a graph engine is measured against: dot products run
    in C through ``sum(map(mul, ...))``, and each weight's gradient is one such dot product
    over the batch (of the neuron's deltas and the input's activations).
    """
    mul = operator.mul
    last = len(W) - 1
    columns = [list(zip(*w, strict=True)) for w in W]
    inputs: list[list[list[float]]] = [[] for _ in W]
    deltas: list[list[list[float]]] = [[] for _ in W]
    total = 0.0
    for x, y in zip(X, Y, strict=True):
        a = x
        for i, (w, b) in enumerate(zip(W, B, strict=True)):
            inputs[i].append(a)
            z = [sum(map(mul, row, a)) + bj for row, bj in zip(w, b, strict=True)]
            a = z if i == last else [v if v > 0 else 0.0 for v in z]
        diff = a[0] - y
        total += diff * diff
        delta = [2.0 * diff / len(X)]
        for i in range(last, -1, -1):
            deltas[i].append(delta)
            if i:
                delta = [
                    sum(map(mul, delta, col)) if v > 0 else 0.0
                    for col, v in zip(columns[i], inputs[i][-1], strict=True)
                ]
    for w, b, layer_inputs, layer_deltas in zip(W, B, inputs, deltas, strict=True):
        acts = list(zip(*layer_inputs, strict=True))
        for j, d in enumerate(zip(*layer_deltas, strict=True)):
            w[j] = [wk - lr * sum(map(mul, d, ak)) for wk, ak in zip(w[j], acts, strict=True)]
            b[j] -= lr * sum(d)
    return total / len(X)


def cases(n_points: int, repeat: int, micrograd_limit: int, steps: int) -> tuple[list[Case], dict]:
    """W1 timing cases for every installed engine, after checking that all of them agree.

    Each engine takes one untimed first step from the same weights; its loss and updated
    weights are compared with the hand-written floats (this step also warms up caches).
    A timed run is ``steps`` consecutive steps, as in a training loop: an engine whose
    graphs are reference cycles (micrograd) pays, from the second step on, for collecting
    the garbage of the step before, as it does when a user trains with it.
    """
    problem = make_problem(n_points)
    engines = {name: factory(problem) for name, factory in factories().items()}
    if "micrograd" in engines:
        engines["micrograd"].step = limited(engines["micrograd"].step, micrograd_limit)
    losses = {name: engine.step() for name, engine in engines.items()}
    reference = engines["hand-written"].params()
    param_diffs = {
        name: max(abs(a - b) for a, b in zip(engine.params(), reference, strict=True))
        for name, engine in engines.items()
    }
    ref_loss = losses["hand-written"]
    agreement = {
        "reference": "hand-written",
        "first_step_loss": losses,
        "max_loss_diff": max(abs(v - ref_loss) for v in losses.values()),
        "max_param_diff_after_step": max(param_diffs.values()),
    }
    agreement["ok"] = (
        agreement["max_loss_diff"] <= AGREEMENT_TOL * max(1.0, abs(ref_loss))
        and agreement["max_param_diff_after_step"] <= AGREEMENT_TOL
    )
    out = [
        Case(
            "W1", name, n_points, n_points, "point", consecutive(e.step, steps), repeat, steps=steps
        )
        for name, e in engines.items()
    ]
    return out, agreement


def factories() -> dict[str, Callable[[Problem], Engine]]:
    """Engine factories for the libraries that are installed (autograd_lite eager and
    jitted), the design floor's lean engines, hand-written last."""
    from benchmarks import compiled, floor

    found: dict[str, Callable[[Problem], Engine]] = {"autograd_lite": autograd_lite_engine}
    found[compiled.NAME] = compiled.jit_engine
    if importlib.util.find_spec("micrograd") is not None:
        found["micrograd"] = micrograd_engine
    if importlib.util.find_spec("torch") is not None:
        found["pytorch"] = torch_engine
    found.update(floor.FACTORIES)
    found["hand-written"] = hand_engine
    return found
