"""autograd_lite: a scalar reverse-mode autodiff engine for seeing backpropagation."""

from autograd_lite.autograd import grad
from autograd_lite.engine import Value, detect_anomaly, no_grad, topological_order
from autograd_lite.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "GradcheckError",
    "Value",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "no_grad",
    "topological_order",
]
__version__ = "0.1.0"
