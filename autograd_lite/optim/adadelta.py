"""Adadelta: step = RMS(previous updates) / RMS(gradients) * gradient, scaled by lr."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from autograd_lite import _checks as checks
from autograd_lite.engine import Value
from autograd_lite.optim._functional import div, sqrt
from autograd_lite.optim.optimizer import (
    Optimizer,
    State,
    StateCheck,
    square_moment,
    step_count,
)

__all__ = ["Adadelta"]


class Adadelta(Optimizer, name="adadelta"):
    """Adadelta, as `torch.optim.Adadelta` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = Adadelta([w])
    >>> w.grad = 2.0
    >>> optimizer.step()  # no updates to average yet: the step is sqrt(eps) / RMS(grad) * grad
    >>> round(w.data, 6)
    0.996838
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {
        "step": step_count,
        "square_avg": square_moment,
        "acc_delta": square_moment,
    }

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adadelta; same keywords and defaults as `torch.optim.Adadelta`."""
        defaults = {
            "lr": lr,
            "rho": checks.interval("rho", rho, 0.0, 1.0),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self) -> State:
        return {"step": 0.0, "square_avg": 0.0, "acc_delta": 0.0}

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        rho, eps = d["rho"], d["eps"]
        grad = self._with_weight_decay(grad, data)
        square_avg = state["square_avg"] * rho + (1 - rho) * grad * grad
        std = sqrt(square_avg + eps)
        delta = div(sqrt(state["acc_delta"] + eps), std) * grad
        acc_delta = state["acc_delta"] * rho + (1 - rho) * delta * delta
        new = {"step": state["step"] + 1, "square_avg": square_avg, "acc_delta": acc_delta}
        return data - d["lr"] * delta, new
