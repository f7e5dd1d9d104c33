"""Conversion between autograd_lite models and PyTorch ``torch.nn.Sequential`` (float64).

A model is seen as a list of fully connected layers (``DenseWeights``: weight rows, biases,
activation name); ``to_torch`` builds Linear + activation modules from that list and
``dense_from_torch`` reads it back from a Sequential. PyTorch is optional: it is imported
when a conversion runs, never when this module is imported.

The torch module of each activation comes from its op's registry entry
(``ops.OPS[name].torch_module`` and ``.params``): a new activation op converts with no
change here.

>>> from autograd_lite.nn import MLP
>>> [layer.activation for layer in MLP(2, [3, 1], activation="tanh").dense_layers()]
['tanh', 'linear']
"""

from __future__ import annotations

from typing import Any, NamedTuple

from autograd_lite import _checks, ops


class DenseWeights(NamedTuple):
    """One fully connected layer's numbers: ``weight`` rows (one per output), ``bias``,
    and the ``activation`` applied after it ("linear" for none).

    >>> DenseWeights([[1.0, 2.0]], [0.5], "relu").bias
    [0.5]
    """

    weight: list[list[float]]
    bias: list[float]
    activation: str


def torch_activation(torch: Any, name: str) -> Any:
    """The ``torch.nn`` module computing activation ``name``: its class and constant
    parameters come from the op's registry entry (``ops.OPS[name].torch_module``, ``.params``).

    >>> ops.OPS["leaky_relu"].torch_module, ops.OPS["leaky_relu"].params
    ('LeakyReLU', (('slope', 0.01),))
    """
    if name == "softmax":  # a layer's activation, not an op: over the layer's outputs
        return torch.nn.Softmax(dim=-1)
    op = ops.OPS[name]
    module = getattr(torch.nn, op.torch_module)(*(default for _, default in op.params))
    if op.torch_module == "Softplus":
        # torch returns x itself above `threshold` (default 20, off by up to 2e-9); at 40,
        # x + log1p(exp(-x)) already rounds to x, so both libraries agree to the last bit.
        module.threshold = 40.0
    return module


# Settings of a torch module that do not change what it computes (for reading one back):
# `inplace`, and Softplus's `threshold` (where it returns x, softplus(x) is x to 2e-9).
_NO_EFFECT = ("inplace", "threshold")


def _settings(module: Any) -> dict[str, str]:
    """A torch module's settings from its ``extra_repr`` ("negative_slope=0.01, ...")."""
    pairs = (item.split("=", 1) for item in module.extra_repr().split(", ") if "=" in item)
    return {key: value for key, value in pairs if key not in _NO_EFFECT}


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
    convertible = [name for name in ops.ACTIVATIONS if ops.OPS[name].torch_module]
    convertible.append("softmax")
    for layer in layers:
        if layer.activation != "linear" and layer.activation not in convertible:
            raise ValueError(
                f"activation {layer.activation!r} has no PyTorch module; "
                f"convertible: linear, {', '.join(convertible)}"
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
            modules.append(torch_activation(torch, activation))
    return torch.nn.Sequential(*modules)


def _activation_name(torch: Any, module: Any, index: int) -> str:
    """The activation op a torch module computes: same class, same settings as ours."""
    if isinstance(module, torch.nn.Softmax) and module.dim in (-1, 1):  # over each row
        return "softmax"
    for name in ops.ACTIVATIONS:
        op = ops.OPS[name]
        if not op.torch_module or type(module) is not getattr(torch.nn, op.torch_module):
            continue
        if _settings(module) == _settings(torch_activation(torch, name)):
            return name
    supported = ", ".join(
        f"{ops.OPS[n].torch_module}({_settings(torch_activation(torch, n))})"
        for n in ops.ACTIVATIONS
        if ops.OPS[n].torch_module
    )
    raise ValueError(
        f"layer {index}: unsupported module {module!r}; supported: Linear (with bias), "
        f"Softmax(dim=-1), Identity, {supported.replace('()', '')}"
    )


def dense_from_torch(seq: Any) -> list[DenseWeights]:
    """The layers of a ``torch.nn.Sequential`` of Linear modules, each optionally followed
    by the torch module of an activation op with our settings (ReLU, LeakyReLU(0.01),
    Softplus(beta=1), GELU(approximate='none'), ...); ``MLP.from_torch`` builds a model.

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
