"""What ``detect_anomaly`` raises inside a jitted program: the eager engine's messages."""

from __future__ import annotations

import math
from collections.abc import Sequence


def _describe(labels: Sequence[str | None], values: Sequence[float]) -> str:
    return ", ".join(
        f"{v!r} (constant)" if label is None else f"{v!r} (label {label!r})"
        for label, v in zip(labels, values)
    )


def forward_anomaly(op: str, data: float, labels: Sequence, values: Sequence[float]) -> None:
    """Raise ``FloatingPointError``: the forward of ``op`` gave a non-finite ``data``."""
    raise FloatingPointError(
        f"detect_anomaly: forward of {op!r} gave {data!r} from inputs {_describe(labels, values)}"
    )


def backward_anomaly(
    op: str,
    g: float,
    local: Sequence[float],
    contributions: Sequence[float],
    labels: Sequence,
    values: Sequence[float],
) -> None:
    """Raise ``FloatingPointError`` for the first input of ``op`` whose gradient
    contribution ``g * local`` is not finite."""
    for i, (d, c) in enumerate(zip(local, contributions)):
        if not math.isfinite(c):
            raise FloatingPointError(
                f"detect_anomaly: backward of {op!r} gave a non-finite gradient {c!r} for its "
                f"input {i} (upstream {g!r} x local {d!r}); the node's inputs: "
                f"{_describe(labels, values)}"
            )
