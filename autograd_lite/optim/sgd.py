"""Stochastic gradient descent: plain, with (dampened) momentum, or Nesterov (NAG)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from autograd_lite import _checks as checks
from autograd_lite.engine import Value
from autograd_lite.optim.optimizer import (
    Optimizer,
    State,
    StateCheck,
    moment,
)

__all__ = ["SGD"]


class SGD(Optimizer, name="sgd"):
    """Stochastic gradient descent, as `torch.optim.SGD` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(2.0)
    >>> optimizer = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = 1.0
    >>> optimizer.step()
    >>> w.data
    1.9
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {"momentum_buffer": moment}

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build SGD; same keywords and defaults as `torch.optim.SGD`."""
        momentum = checks.non_negative("momentum", momentum)
        dampening = checks.interval("dampening", dampening, 0.0, 1.0)
        nesterov = checks.flag("nesterov", nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening == 0")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        grad = self._with_weight_decay(grad, data)
        momentum = d["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            buf = grad if buf is None else buf * momentum + (1 - d["dampening"]) * grad
            state = {"momentum_buffer": buf}
            grad = grad + momentum * buf if d["nesterov"] else buf
        return data - d["lr"] * grad, state
