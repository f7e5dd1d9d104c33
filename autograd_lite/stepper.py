"""Old import path of ``autograd_lite.viz.stepper`` (kept so existing code keeps working)."""

from autograd_lite.viz.ledger import Trace, TraceRow, format_trace
from autograd_lite.viz.stepper import BackwardStepper, backward_trace

__all__ = ["BackwardStepper", "Trace", "TraceRow", "backward_trace", "format_trace"]
