"""Adam and AdamW: bias-corrected first and second moment estimates; optional AMSGrad."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from autograd_lite import _checks as checks
from autograd_lite.engine import Value
from autograd_lite.optim._functional import div, lerp, maximum, sqrt
from autograd_lite.optim.optimizer import (
    Optimizer,
    State,
    StateCheck,
    moment,
    square_moment,
    step_count,
)
from autograd_lite.optim.optimizer import betas as _betas

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer, name="adam"):
    """Adam, as `torch.optim.Adam` (same keywords and defaults).

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = Adam([w], lr=0.1)
    >>> w.grad = 5.0
    >>> optimizer.step()  # the first step moves by about lr, whatever the gradient's size
    >>> round(w.data, 6)
    0.9
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {
        "step": step_count,
        "exp_avg": moment,
        "exp_avg_sq": square_moment,
        "max_exp_avg_sq": square_moment,
    }
    _decoupled_weight_decay: ClassVar[bool] = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adam; same keywords and defaults as `torch.optim.Adam`."""
        defaults = {
            "lr": lr,
            "betas": _betas(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": checks.flag("amsgrad", amsgrad),
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _init_state(self) -> State:
        state = {"step": 0.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
        if self.defaults["amsgrad"]:
            state["max_exp_avg_sq"] = 0.0
        return state

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        d = self.defaults
        lr, (beta1, beta2), wd = d["lr"], d["betas"], d["weight_decay"]
        step = state["step"] + 1
        if not self._decoupled_weight_decay:
            grad = self._with_weight_decay(grad, data)
        elif wd != 0:
            data = data * (1 - lr * wd)
        exp_avg = lerp(state["exp_avg"], grad, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"] * beta2 + (1 - beta2) * grad * grad
        new = {"step": step, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        second = exp_avg_sq
        if d["amsgrad"]:
            second = new["max_exp_avg_sq"] = maximum(state["max_exp_avg_sq"], exp_avg_sq)
        denom = sqrt(second) / bias_correction2_sqrt + d["eps"]
        return data - div(step_size * exp_avg, denom), new


class AdamW(Adam, name="adamw"):
    """AdamW, as `torch.optim.AdamW`: Adam with decoupled weight decay.

    Each step first shrinks the parameter, ``p *= 1 - lr * weight_decay``, then takes
    Adam's step without the penalty in the gradient.

    >>> from autograd_lite import Value
    >>> w = Value(1.0)
    >>> optimizer = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = 0.0
    >>> optimizer.step()  # no gradient: only the decay acts, 1 * (1 - 0.1 * 0.5)
    >>> w.data
    0.95
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build AdamW; same keywords and defaults as `torch.optim.AdamW` (weight_decay=0.01)."""
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
