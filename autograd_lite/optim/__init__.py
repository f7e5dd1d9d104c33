"""Optimizers, learning-rate schedulers and gradient clipping for `Value` parameters."""

from autograd_lite.optim.optimizer import *  # noqa: F403
from autograd_lite.optim.optimizer import __all__  # noqa: F401
