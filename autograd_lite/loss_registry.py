"""The registry of losses: each loss registers itself with its task, output kind and targets.

``fit`` reads a loss's output kind (its decision threshold), the command line its task and
targets (which datasets it fits, how the model ends); the tests enumerate the registry
against PyTorch. The losses themselves live in ``autograd_lite.losses``, which imports this
module and registers each loss with ``@register_loss``.

>>> from autograd_lite import losses
>>> REGISTRY["binary_cross_entropy"].output
'probability'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from autograd_lite import _checks
from autograd_lite._shapes import LossResult

TASKS = ("regression", "binary", "multiclass", "distribution")
"""What a loss is for: real targets, two classes, several classes, probability rows."""
OUTPUTS = ("raw", "probability", "logits")
"""What a loss reads from the model: any number, a probability (after a sigmoid or a
softmax), or a logit (a score that the loss itself turns into a probability)."""
TARGETS = ("real", "nonzero", "unit", "signed", "index", "distribution")
"""The targets a loss takes: any real, a non-zero real, in [0, 1], -1 or +1, a class
index (or a one-hot row), a probability row."""


@dataclass(frozen=True)
class LossInfo:
    """A registered loss: name, function ``fn(predictions, targets, reduction=...)``, task,
    output kind and targets.

    >>> from autograd_lite import losses
    >>> REGISTRY["hinge"].targets
    'signed'
    """

    name: str
    fn: Callable[..., LossResult]
    task: str
    output: str
    targets: str
    public: Callable[..., LossResult] | None = None  # the public function, if its arguments differ


REGISTRY: dict[str, LossInfo] = {}
"""Every loss by name, with its task, output kind and targets."""
LOSSES: dict[str, Callable[..., LossResult]] = {}
"""Every loss by name; each entry is called as ``fn(predictions, targets, reduction=...)``."""


def register_loss(
    task: str,
    output: str,
    targets: str,
    *,
    name: str | None = None,
    public: Callable[..., LossResult] | None = None,
) -> Callable[[Callable[..., LossResult]], Callable[..., LossResult]]:
    """Decorator registering a loss ``fn(predictions, targets, *, reduction="mean")`` under
    ``name`` (by default the function's name) in ``REGISTRY`` and ``LOSSES``. ``public``
    is the function users call when it takes its arguments in another order.

    >>> from autograd_lite.losses import mse
    >>> @register_loss("regression", "raw", "real")
    ... def quartic(predictions, targets, *, reduction="mean"):
    ...     return mse(predictions, targets, reduction=reduction) ** 2
    >>> LOSSES["quartic"]([3.0], [1.0]).data
    16.0
    >>> unregistered = REGISTRY.pop("quartic"), LOSSES.pop("quartic")
    """
    _checks.choice("task", task, TASKS)
    _checks.choice("output", output, OUTPUTS)
    _checks.choice("targets", targets, TARGETS)

    def decorate(fn: Callable[..., LossResult]) -> Callable[..., LossResult]:
        key = fn.__name__ if name is None else _checks.text("name", name)
        if key in REGISTRY:
            raise ValueError(f"a loss named {key!r} is already registered")
        REGISTRY[key] = LossInfo(key, fn, task, output, targets, public)
        LOSSES[key] = fn
        return fn

    return decorate


def get_loss(loss: str | Callable[..., LossResult]) -> Callable[..., LossResult]:
    """The loss registered under ``loss`` (a callable is returned as is).

    >>> from autograd_lite.losses import mse
    >>> get_loss("mse") is mse
    True
    """
    if callable(loss):
        return loss
    _checks.text("loss", loss)
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(LOSSES)}")
    return LOSSES[loss]


def loss_info(loss: str | Callable[..., LossResult]) -> LossInfo | None:
    """The registry entry of a loss given by name or as a registered function (``None`` for
    a callable that is not registered); a loss's ``public`` function maps to its entry too.

    >>> from autograd_lite.losses import binary_cross_entropy_with_logits
    >>> loss_info(binary_cross_entropy_with_logits).output
    'logits'
    """
    if isinstance(loss, str):
        get_loss(loss)
        return REGISTRY[loss]
    for info in REGISTRY.values():
        if loss is info.fn or loss is info.public:
            return info
    return None
