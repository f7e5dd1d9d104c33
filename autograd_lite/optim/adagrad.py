"""Adagrad: a per-parameter rate lr / sqrt(sum of squared gradients), with lr decay."""

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

__all__ = ["Adagrad"]


class Adagrad(Optimizer, name="adagrad"):
    """Adagrad, as `torch.optim.Adagrad` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = Adagrad([w], lr=0.1)
    >>> w.grad = 2.0
    >>> optimizer.step()
    >>> round(w.data, 6), optimizer.state[0]["sum"]
    (0.9, 4.0)
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {"step": step_count, "sum": square_moment}

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adagrad; same keywords and defaults as `torch.optim.Adagrad`."""
        defaults = {
            "lr": lr,
            "lr_decay": checks.non_negative("lr_decay", lr_decay),
            "weight_decay": weight_decay,
            "initial_accumulator_value": checks.non_negative(
                "initial_accumulator_value", initial_accumulator_value
            ),
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self) -> State:
        return {"step": 0.0, "sum": self.defaults["initial_accumulator_value"]}

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        step = state["step"] + 1
        grad = self._with_weight_decay(grad, data)
        clr = d["lr"] / (1 + (step - 1) * d["lr_decay"])
        total = state["sum"] + grad * grad
        std = sqrt(total) + d["eps"]
        return data - div(clr * grad, std), {"step": step, "sum": total}
