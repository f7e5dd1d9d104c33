"""Gradient clipping by the joint norm of all gradients, as ``torch.nn.utils.clip_grad_norm_``."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd_lite import _checks as checks
from autograd_lite.engine import Value
from autograd_lite.optim.optimizer import check_params, parameter_name

__all__ = ["clip_grad_norm"]


def _p_norm(values: list[float], p: float) -> float:
    """p-norm of `values`, scaled by the largest magnitude so it neither under- nor overflows."""
    mags = [abs(v) for v in values]
    if any(math.isnan(m) for m in mags):
        return math.nan
    scale = max(mags)
    if math.isinf(p) or scale == 0.0 or math.isinf(scale):
        return scale
    return scale * math.fsum((m / scale) ** p for m in mags) ** (1.0 / p)


def clip_grad_norm(
    params: Iterable[Value],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale gradients so their joint `norm_type`-norm is at most `max_norm`; return the norm.

    Same formula as `torch.nn.utils.clip_grad_norm_`: every gradient is multiplied by
    min(1, max_norm / (total_norm + 1e-6)), a remedy for exploding gradients. The norm is
    computed with scaling, so tiny or huge gradients do not under/overflow. Every gradient
    is checked before any is changed.

    >>> from autograd_lite import Value
    >>> a, b = Value(0.0), Value(0.0)
    >>> a.grad, b.grad = 3.0, 4.0
    >>> clip_grad_norm([a, b], max_norm=1.0)
    5.0
    >>> round(a.grad, 6), round(b.grad, 6)
    (0.6, 0.8)
    """
    plist = check_params(params, "clip_grad_norm")
    max_norm = checks.real("max_norm", max_norm, finite=False)
    if not max_norm >= 0:
        raise ValueError(f"max_norm must be a number >= 0 (inf allowed), got {max_norm!r}")
    p_norm = checks.real("norm_type", norm_type, finite=False)
    if not p_norm > 0.0:
        raise ValueError(f"norm_type must be a positive number or inf, got {p_norm!r}")
    error_if_nonfinite = checks.flag("error_if_nonfinite", error_if_nonfinite)
    if not plist:
        return 0.0
    grads = [
        checks.real(f"{parameter_name(i, p)}.grad", p.grad, finite=False)
        for i, p in enumerate(plist)
    ]
    total = _p_norm(grads, p_norm)
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(
            f"the total norm of order {norm_type} of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    clip_coef = min(max_norm / (total + 1e-6), 1.0)
    for p, g in zip(plist, grads, strict=True):
        p.grad = g * clip_coef
    return total
