"""Learning-rate schedulers, as in ``torch.optim.lr_scheduler``: call ``step()`` once per epoch.

>>> from autograd_lite import Value
>>> from autograd_lite.optim import SGD
>>> from autograd_lite.optim.lr_scheduler import StepLR
>>> optimizer = SGD([Value(1.0)], lr=0.1)
>>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from autograd_lite import _checks as checks
from autograd_lite.optim.optimizer import Optimizer

__all__ = ["ExponentialLR", "LRScheduler", "StepLR"]

Check = Callable[[str, Any], Any]


def _epoch(name: str, value: Any) -> int:
    return checks.integer(name, value, minimum=0)


def _step_size(name: str, value: Any) -> int:
    return checks.integer(name, value, minimum=1)


def _last_lr(name: str, value: Any) -> list[float]:
    """A list holding one rate, one per parameter group as torch's (we have one group)."""
    if not isinstance(value, (list, tuple)):
        raise TypeError(f"{name} must be a list of one learning rate, got {checks.describe(value)}")
    if len(value) != 1:
        raise ValueError(f"{name} must hold one learning rate, got {len(value)}: {value!r:.60}")
    return [checks.non_negative(f"{name}[0]", value[0])]


class LRScheduler:
    """Base scheduler: `step()` once per epoch sets `optimizer.lr` to the next rate.

    A subclass computes the next rate in `_next_lr` and lists its settings with their checks
    in `settings`, which the constructor and `load_state_dict` both apply.

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> class Halving(LRScheduler):
    ...     def _next_lr(self, epoch: int, lr: float) -> float:
    ...         return lr / 2
    >>> scheduler = Halving(SGD([Value(1.0)], lr=0.1))
    >>> scheduler.step()
    >>> scheduler.get_last_lr()
    [0.05]
    """

    settings: ClassVar[dict[str, Check]] = {}
    # The position every scheduler keeps, checked by `load_state_dict` with `settings`.
    _position: ClassVar[dict[str, Check]] = {
        "base_lr": checks.non_negative,
        "last_epoch": _epoch,
        "_last_lr": _last_lr,
    }

    def __init__(self, optimizer: Optimizer) -> None:
        """Attach to `optimizer`, remembering its starting rate as `base_lr`."""
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs an autograd_lite.optim.Optimizer, "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def _next_lr(self, epoch: int, lr: float) -> float:
        """The rate for `epoch` given the current rate `lr` (torch's chainable form)."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and update the optimizer's learning rate, all or nothing.

        The next rate is computed and checked first: if that raises (say the rate would
        overflow to inf), `last_epoch`, the optimizer's rate and `get_last_lr()` are
        unchanged.
        """
        epoch = self.last_epoch + 1
        lr = self._next_lr(epoch, self.optimizer.lr)
        lr = checks.non_negative(f"{type(self).__name__}: the learning rate for epoch {epoch}", lr)
        self.optimizer.lr = lr
        self.last_epoch = epoch
        self._last_lr = [lr]

    def get_last_lr(self) -> list[float]:
        """Rate set by the last `step()`, as a one-element list like torch's (one group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's settings and position (a JSON-friendly copy), to resume training.

        >>> from autograd_lite import Value
        >>> from autograd_lite.optim import SGD
        >>> ExponentialLR(SGD([Value(1.0)], lr=0.1), gamma=0.5).state_dict()["gamma"]
        0.5
        """
        state = {k: v for k, v in vars(self).items() if k != "optimizer"}
        return {"scheduler": type(self).__name__, **copy.deepcopy(state)}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Resume from `state_dict()`, checking every entry before changing anything.

        A wrong type raises TypeError, a wrong value ValueError, naming the entry; after
        either the scheduler is exactly as it was. As in PyTorch the optimizer's rate is not
        touched: load the optimizer's own state for that.

        >>> from autograd_lite import Value
        >>> from autograd_lite.optim import SGD
        >>> scheduler = StepLR(SGD([Value(1.0)], lr=0.1), step_size=2)
        >>> scheduler.load_state_dict(scheduler.state_dict())
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"state_dict must be a dict from {name}.state_dict(), "
                f"got {checks.describe(state_dict)}"
            )
        if state_dict.get("scheduler") != name:
            raise ValueError(
                f"this state is for a {state_dict.get('scheduler')!r} scheduler, not {name!r}"
            )
        expected = {**self._position, **self.settings}
        given = set(state_dict) - {"scheduler"}
        if given != set(expected):
            raise ValueError(
                f"{name} state keys differ: missing {sorted(set(expected) - given)}, "
                f"unexpected {sorted(map(str, given - set(expected)))}"
            )
        new = {
            key: check(f"state_dict[{key!r}]", state_dict[key]) for key, check in expected.items()
        }
        for key, value in new.items():
            setattr(self, key, value)


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` epochs, as torch's StepLR.

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> optimizer = SGD([Value(1.0)], lr=0.1)
    >>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)
    >>> for epoch in range(30):
    ...     optimizer.step()
    ...     scheduler.step()
    >>> scheduler.get_last_lr()
    [0.010000000000000002]
    """

    settings: ClassVar[dict[str, Check]] = {"step_size": _step_size, "gamma": checks.positive}

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        """Decay `optimizer.lr` by `gamma` whenever the epoch count is a multiple of `step_size`."""
        self.step_size = _step_size("step_size", step_size)
        self.gamma = checks.positive("gamma", gamma)
        super().__init__(optimizer)

    def _next_lr(self, epoch: int, lr: float) -> float:
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """Multiply the rate by `gamma` every epoch, as torch's ExponentialLR.

    >>> from autograd_lite import Value
    >>> from autograd_lite.optim import SGD
    >>> optimizer = SGD([Value(1.0)], lr=0.1)
    >>> scheduler = ExponentialLR(optimizer, gamma=0.5)
    >>> scheduler.step()
    >>> optimizer.lr
    0.05
    """

    settings: ClassVar[dict[str, Check]] = {"gamma": checks.positive}

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        """Decay `optimizer.lr` by `gamma` at every `step()`."""
        self.gamma = checks.positive("gamma", gamma)
        super().__init__(optimizer)

    def _next_lr(self, epoch: int, lr: float) -> float:
        return lr * self.gamma
