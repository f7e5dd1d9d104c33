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
from autograd_lite.stepper import BackwardStepper, backward_trace
from autograd_lite.viz import draw_dot

__all__ = [
    "BackwardStepper",
    "GradcheckError",
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
    "losses",
    "metrics",
    "nn",
    "no_grad",
    "optim",
    "topological_order",
    "train",
]
__version__ = "0.1.0"
