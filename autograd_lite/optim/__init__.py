"""Optimizers, learning-rate schedulers and gradient clipping for `Value` parameters.

Laid out as ``torch.optim``: the base class in `optimizer`, one module per algorithm
family, the schedulers in `lr_scheduler`, clipping in `clip`. Every name is also here:

>>> from autograd_lite import Value
>>> from autograd_lite.optim import SGD, StepLR
>>> optimizer = SGD([Value(1.0)], lr=0.1, momentum=0.9)
>>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
>>> sorted(OPTIMIZERS)
['adadelta', 'adagrad', 'adam', 'adamax', 'adamw', 'rmsprop', 'sgd']
"""

# Import order is registration order, the order OPTIMIZERS (so the CLI's --optimizer
# choices and error messages) lists the algorithms in: simplest first, as torch.optim's docs.
# ruff: noqa: I001
from autograd_lite.optim.optimizer import OPTIMIZERS, Optimizer, make_optimizer
from autograd_lite.optim.sgd import SGD
from autograd_lite.optim.adagrad import Adagrad
from autograd_lite.optim.rmsprop import RMSprop
from autograd_lite.optim.adam import Adam, AdamW
from autograd_lite.optim.adamax import Adamax
from autograd_lite.optim.adadelta import Adadelta
from autograd_lite.optim.lr_scheduler import ExponentialLR, LRScheduler, StepLR
from autograd_lite.optim.clip import clip_grad_norm

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "clip_grad_norm",
    "make_optimizer",
]
