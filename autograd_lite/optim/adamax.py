"""Adamax: Adam with the infinity norm in place of the second moment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from autograd_lite.engine import Value
from autograd_lite.optim._functional import div, lerp, maximum
from autograd_lite.optim.optimizer import (
    Optimizer,
    State,
    StateCheck,
    moment,
    square_moment,
    step_count,
)
from autograd_lite.optim.optimizer import betas as _betas

__all__ = ["Adamax"]


class Adamax(Optimizer, name="adamax"):
    """Adamax, as `torch.optim.Adamax` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = Adamax([w], lr=0.1, eps=0.0)
    >>> w.grad = -4.0
    >>> optimizer.step()
    >>> round(w.data, 6), optimizer.state[0]["exp_inf"]
    (1.1, 4.0)
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {
        "step": step_count,
        "exp_avg": moment,
        "exp_inf": square_moment,
    }

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adamax; same keywords and defaults as `torch.optim.Adamax`."""
        defaults = {
            "lr": lr,
            "betas": _betas(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self) -> State:
        return {"step": 0.0, "exp_avg": 0.0, "exp_inf": 0.0}

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        beta1, beta2 = d["betas"]
        step = state["step"] + 1
        grad = self._with_weight_decay(grad, data)
        exp_avg = lerp(state["exp_avg"], grad, 1 - beta1)
        exp_inf = maximum(state["exp_inf"] * beta2, abs(grad) + d["eps"])
        clr = d["lr"] / (1 - beta1**step)
        new = {"step": step, "exp_avg": exp_avg, "exp_inf": exp_inf}
        return data - div(clr * exp_avg, exp_inf), new
