"""The notebook the widget acceptance tests open: a stepper on the lectures' logistic neuron.

The neuron of S. Hosseini's "Computational Intelligence: Training Neural Networks": a sigmoid
unit ``a = sigmoid(w1*x1 + w2*x2 + b)`` scored by binary cross-entropy against the label 1.
``reference(k)`` builds the same graph in the test process and takes ``k`` steps, so a test
compares the page with Python's own numbers (grads after ``backward()`` for the finished pass).
"""

from __future__ import annotations

from autograd_lite import Value, topological_order
from autograd_lite.stepper import BackwardStepper

NEURON = """\
from autograd_lite import Value
from autograd_lite.stepper import BackwardStepper


def logistic_neuron():
    x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
    w1, w2, b = Value(-0.5, label="w1"), Value(0.4, label="w2"), Value(0.1, label="b")
    y = 1.0
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = -(y * a.log() + (1 - y) * (1 - a).log())
    L.label = "L"
    return L
"""
SHOW = "stepper = BackwardStepper(logistic_neuron())\nstepper"
CELLS = [NEURON, SHOW]


def logistic_neuron() -> Value:
    """The notebook's graph, built here (the cell's source is executed, not imported)."""
    scope: dict = {}
    exec(NEURON, scope)
    return scope["logistic_neuron"]()


def reference(steps: int) -> BackwardStepper:
    """A stepper on a fresh copy of the notebook's graph after ``steps`` steps."""
    stepper = BackwardStepper(logistic_neuron())
    for _ in range(steps):
        stepper.step()
    return stepper


def final_grads() -> dict[str, float]:
    """Node name -> gradient after ``backward()``, named as the stepper names them."""
    root = logistic_neuron()
    root.backward()
    names = BackwardStepper(logistic_neuron())  # same construction, same node order
    return {names.name(v): u.grad for v, u in zip(names.order, topological_order(root))}


def shown(x: float) -> str:
    """A number as the player writes it: 4 significant digits, never "-0"."""
    return f"{x + 0.0:.4g}"
