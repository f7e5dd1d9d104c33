"""Conversion between autograd_lite models and PyTorch ``torch.nn.Sequential`` (float64).

A model is seen as a list of fully connected layers (``DenseWeights``: weight rows, biases,
activation name); ``to_torch`` builds Linear + activation modules from that list and
``dense_from_torch`` reads it back from a Sequential. PyTorch is optional: it is imported
when a conversion runs, never when this module is imported.

The activation table below covers the activations whose torch module is known here:
``ops.OPS`` entries do not carry a torch mapping yet; once they do, this table should be
derived from them.

>>> from autograd_lite.nn import MLP
>>> [layer.activation for layer in MLP(2, [3, 1], activation="tanh").dense_layers()]
['tanh', 'linear']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from autograd_lite import _checks


class DenseWeights(NamedTuple):
    """One fully connected layer's numbers: ``weight`` rows (one per output), ``bias``,
    and the ``activation`` applied after it ("linear" for none).

    >>> DenseWeights([[1.0, 2.0]], [0.5], "relu").bias
    [0.5]
    """

    weight: list[list[float]]
    bias: list[float]
    activation: str


def _softplus(torch: Any) -> Any:
    # torch returns x itself above `threshold` (default 20, off by up to 2e-9); at 40,
    # x + log1p(exp(-x)) already rounds to x, so both libraries agree to the last bit.
    return torch.nn.Softplus(beta=1.0, threshold=40.0)


TORCH_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "relu": lambda torch: torch.nn.ReLU(),
    "leaky_relu": lambda torch: torch.nn.LeakyReLU(0.01),
    "tanh": lambda torch: torch.nn.Tanh(),
    "sigmoid": lambda torch: torch.nn.Sigmoid(),
    "softplus": _softplus,
}
"""Activation name -> ``f(torch)`` building the equivalent torch module."""


def _torch() -> Any:
    import torch  # optional dependency: imported only when a conversion runs

    return torch


def to_torch(model: Any) -> Any:
    """A float64 ``torch.nn.Sequential`` (Linear + activation modules) with ``model``'s
    weights; ``model`` is anything with ``dense_layers()`` (``Neuron``, ``Layer``, ``MLP``).

    >>> from autograd_lite.nn import MLP
    >>> model = MLP(2, [3, 1], activation="tanh")
    >>> [layer.activation for layer in model.dense_layers()]  # what to_torch converts
    ['tanh', 'linear']
    >>> to_torch(model)  # doctest: +SKIP
    Sequential(
      (0): Linear(in_features=2, out_features=3, bias=True)
      (1): Tanh()
      (2): Linear(in_features=3, out_features=1, bias=True)
    )
    """
    if not callable(getattr(model, "dense_layers", None)):
        raise TypeError(f"model must have dense_layers(), got {_checks.describe(model)}")
    layers = model.dense_layers()
    for layer in layers:
        if layer.activation != "linear" and layer.activation not in TORCH_ACTIVATIONS:
            raise ValueError(
                f"activation {layer.activation!r} has no PyTorch module here; "
                f"convertible: linear, {', '.join(TORCH_ACTIVATIONS)}"
            )
    torch = _torch()
    modules: list[Any] = []
    for weight, bias, activation in layers:
        linear = torch.nn.Linear(len(weight[0]), len(weight), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(bias, dtype=torch.float64))
        modules.append(linear)
        if activation != "linear":
            modules.append(TORCH_ACTIVATIONS[activation](torch))
    return torch.nn.Sequential(*modules)


def _activation_name(torch: Any, module: Any, index: int) -> str:
    nn = torch.nn
    if isinstance(module, nn.LeakyReLU) and module.negative_slope == 0.01:
        return "leaky_relu"
    if isinstance(module, nn.Softplus) and module.beta == 1.0:
        return "softplus"
    for cls, name in ((nn.ReLU, "relu"), (nn.Tanh, "tanh"), (nn.Sigmoid, "sigmoid")):
        if isinstance(module, cls):
            return name
    raise ValueError(
        f"layer {index}: unsupported module {module!r}; supported: Linear (with bias), ReLU, "
        f"LeakyReLU(0.01), Tanh, Sigmoid, Softplus(beta=1), Identity"
    )


def dense_from_torch(seq: Any) -> list[DenseWeights]:
    """The layers of a ``torch.nn.Sequential`` of Linear modules, each optionally followed
    by ReLU, LeakyReLU(0.01), Tanh, Sigmoid or Softplus(beta=1); ``MLP.from_torch`` builds
    a model from them.

    >>> DenseWeights._fields
    ('weight', 'bias', 'activation')
    >>> import torch  # doctest: +SKIP
    >>> dense_from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1)))[0].activation  # doctest: +SKIP
    'linear'
    """
    torch = _torch()
    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch expects a torch.nn.Sequential, got {type(seq).__name__}")
    linears: list[Any] = []
    activations: list[str] = []
    for i, module in enumerate(seq):
        if isinstance(module, torch.nn.Identity):
            continue
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"layer {i}: Linear without bias is not supported")
            if linears and module.in_features != linears[-1].out_features:
                raise ValueError(
                    f"layer {i}: Linear expects {module.in_features} inputs but the previous "
                    f"Linear gives {linears[-1].out_features}"
                )
            linears.append(module)
            activations.append("linear")
            continue
        name = _activation_name(torch, module, i)
        if not linears or activations[-1] != "linear":
            raise ValueError(f"layer {i}: an activation must follow a Linear, got {module!r}")
        activations[-1] = name
    if not linears:
        raise ValueError("from_torch: the Sequential has no Linear layer")
    return [
        DenseWeights(
            linear.weight.detach().to(torch.float64).tolist(),
            linear.bias.detach().to(torch.float64).tolist(),
            activation,
        )
        for linear, activation in zip(linears, activations, strict=True)
    ]
