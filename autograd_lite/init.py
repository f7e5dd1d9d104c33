"""Weight initialisation for ``nn`` (as ``torch.nn.init``): He, Xavier, normal, uniform.

>>> INITS
('he', 'xavier', 'normal', 'uniform')
"""

from __future__ import annotations

import math

import numpy as np

from autograd_lite import _checks

INITS = ("he", "xavier", "normal", "uniform")
HE_FAMILY = ("relu", "leaky_relu")
"""Activations whose default initialisation is He's (the others get Xavier's)."""


def initial_weights(
    rng: np.random.Generator,
    init: str | None,
    activation: str,
    nin: int,
    fan_out: int,
    std: float | None,
) -> list[float]:
    """Draw ``nin`` weights: He N(0, 2/nin), Xavier N(0, 2/(nin+fan_out)), N(0, std^2), U(-1, 1).

    ``init=None`` picks He for the relu family and Xavier otherwise.

    >>> len(initial_weights(np.random.default_rng(0), None, "relu", 3, 1, None))
    3
    """
    if init is None:
        init = "he" if activation in HE_FAMILY else "xavier"
    if not isinstance(init, str):
        raise TypeError(f"init must be a string, one of {', '.join(INITS)}, got {init!r:.40}")
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid inits: {', '.join(INITS)}")
    if std is not None and init != "normal":
        raise ValueError(f"std= only applies to init='normal', got init={init!r} with std={std!r}")
    if init == "uniform":
        return rng.uniform(-1.0, 1.0, nin).tolist()
    if init == "normal":
        std = 1.0 if std is None else _checks.positive("std", std)
    else:
        std = math.sqrt(2.0 / nin) if init == "he" else math.sqrt(2.0 / (nin + fan_out))
    return rng.normal(0.0, float(std), nin).tolist()
