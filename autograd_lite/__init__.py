"""autograd_lite: a scalar reverse-mode autodiff engine for seeing backpropagation."""

from autograd_lite import data, losses, metrics, nn, optim, train
from autograd_lite.autograd import grad
from autograd_lite.engine import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from autograd_lite.gradcheck import GradcheckError, gradcheck, gradgradcheck
from autograd_lite.jit import Jitted, jit
from autograd_lite.viz import BackwardStepper, backward_trace, draw_dot

__all__ = [
    "BackwardStepper",
    "GradcheckError",
    "Jitted",
    "Value",
    "backward_trace",
    "data",
    "detect_anomaly",
    "draw_dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jit",
    "losses",
    "metrics",
    "nn",
    "no_grad",
    "optim",
    "topological_order",
    "train",
]
__version__ = "0.1.0"
