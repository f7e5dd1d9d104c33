"""RMSprop: divide by a running RMS of the gradients; optional momentum and centering."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from autograd_lite import _checks as checks
from autograd_lite.engine import Value
from autograd_lite.optim._functional import div, lerp, sqrt
from autograd_lite.optim.optimizer import (
    Optimizer,
    State,
    StateCheck,
    moment,
    square_moment,
    step_count,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer, name="rmsprop"):
    """RMSprop, as `torch.optim.RMSprop` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = RMSprop([w], lr=0.01, alpha=0.75, eps=0.0)
    >>> w.grad = 3.0
    >>> optimizer.step()
    >>> round(w.data, 6)
    0.98
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {
        "step": step_count,
        "square_avg": square_moment,
        "grad_avg": moment,
        "momentum_buffer": moment,
    }

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build RMSprop; same keywords and defaults as `torch.optim.RMSprop`."""
        defaults = {
            "lr": lr,
            "alpha": checks.interval("alpha", alpha, 0.0, 1.0),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": checks.non_negative("momentum", momentum),
            "centered": checks.flag("centered", centered),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self) -> State:
        state = {"step": 0.0, "square_avg": 0.0}
        if self.defaults["momentum"] > 0:
            state["momentum_buffer"] = 0.0
        if self.defaults["centered"]:
            state["grad_avg"] = 0.0
        return state

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        alpha = d["alpha"]
        new = dict(state)
        new["step"] = state["step"] + 1
        grad = self._with_weight_decay(grad, data)
        square_avg = new["square_avg"] = state["square_avg"] * alpha + (1 - alpha) * grad * grad
        if d["centered"]:
            grad_avg = new["grad_avg"] = lerp(state["grad_avg"], grad, 1 - alpha)
            avg = sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = sqrt(square_avg)
        avg = avg + d["eps"]
        if d["momentum"] > 0:
            buf = new["momentum_buffer"] = state["momentum_buffer"] * d["momentum"] + div(grad, avg)
            return data - d["lr"] * buf, new
        return data - div(d["lr"] * grad, avg), new
