"""Seeing a computation graph and its backward pass.

* ``graph``: ``draw_dot(root)``, the graph as a Graphviz ``Graph``;
* ``render``: DOT source to SVG/PNG/PDF with the system ``dot`` or ``graphviz-pure``;
* ``stepper``: ``BackwardStepper``, the backward pass one node per step, and its ledger;
* ``player``: the interactive player (``player.js``), as a self-contained HTML page.

>>> from autograd_lite import Value
>>> from autograd_lite.viz import draw_dot
>>> "digraph" in draw_dot(Value(2.0, "x") * 3).source
True
"""

from autograd_lite.viz.graph import RANKDIRS, build_graph, draw_dot
from autograd_lite.viz.ledger import Trace, TraceRow, format_trace
from autograd_lite.viz.names import fmt
from autograd_lite.viz.render import Graph, RendererNotFound
from autograd_lite.viz.stepper import BackwardStepper, backward_trace

__all__ = [
    "RANKDIRS",
    "BackwardStepper",
    "Graph",
    "RendererNotFound",
    "Trace",
    "TraceRow",
    "backward_trace",
    "build_graph",
    "draw_dot",
    "fmt",
    "format_trace",
]
