"""``Module``, the base class of every model: parameters, gradients, state dicts, saving
(``serialization``) and PyTorch conversion (``interop``), as ``torch.nn.Module``.

>>> from autograd_lite.nn import Neuron
>>> isinstance(Neuron(2), Module)
True
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from typing import Any

from autograd_lite.engine import Value
from autograd_lite.interop import DenseWeights, to_torch
from autograd_lite.serialization import save


class Module:
    """Base class: parameters, gradients, state dicts, saving and PyTorch conversion.

    >>> from autograd_lite.nn import Layer
    >>> layer = Layer(2, 3, seed=0)
    >>> len(layer.parameters()), layer.named_parameters()[0][0]
    (9, 'neurons.0.w.0')
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order.

        >>> from autograd_lite.nn import Neuron
        >>> [name for name, _ in Neuron(2, seed=0).named_parameters()]
        ['w.0', 'w.1', 'b']
        """
        return []

    def parameters(self) -> list[Value]:
        """The trainable Values, in the order of ``named_parameters``.

        >>> from autograd_lite.nn import MLP
        >>> len(MLP(2, [16, 16, 1]).parameters())
        337
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0 (gradients accumulate across backward calls).

        >>> from autograd_lite.nn import Neuron
        >>> n = Neuron(1, "linear", seed=0)
        >>> n([2.0]).backward(); n.w[0].grad
        2.0
        >>> n.zero_grad(); n.w[0].grad
        0.0
        """
        for p in self.parameters():
            p.grad = 0.0

    def forward(self, x: Any) -> Any:
        """The module's output for one input row (each subclass defines it; calling the
        module calls it).

        >>> from autograd_lite.nn import Neuron
        >>> Neuron(1, "linear", seed=0).forward([0.0]).data
        0.0
        """
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> current value.

        >>> from autograd_lite.nn import Neuron
        >>> Neuron(1, "linear", seed=0).state_dict()["b"]
        0.0
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``; a mismatch raises and changes nothing.

        >>> from autograd_lite.nn import Neuron
        >>> a, b = Neuron(2, seed=0), Neuron(2, seed=1)
        >>> b.load_state_dict(a.state_dict()); b.state_dict() == a.state_dict()
        True
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"state must be a mapping of name -> number, got {type(state).__name__}"
            )
        named = self.named_parameters()
        own = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [name for name in state if name not in own]
        if missing or unexpected:
            raise ValueError(
                f"state dict does not match this {type(self).__name__} ({len(own)} parameters): "
                f"missing {_some(missing)}, unexpected {_some(unexpected)}"
            )
        values = []
        for name, _ in named:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise ValueError(f"state dict entry {name!r} must be a real number, got {v!r:.60}")
            try:
                values.append(float(v))
            except OverflowError:
                raise ValueError(f"state dict entry {name!r} is too large for a float") from None
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    def config(self) -> dict[str, Any]:
        """The architecture as a JSON-ready dict (``load`` rebuilds a model from it).

        >>> from autograd_lite.nn import Layer
        >>> Layer(2, 3, "tanh").config()
        {'type': 'Layer', 'nin': 2, 'nout': 3, 'activation': 'tanh'}
        """
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> None:
        """Write architecture and weights as JSON, atomically; ``nn.nn.load(path)`` reads it.

        >>> import pathlib, tempfile
        >>> from autograd_lite import nn
        >>> from autograd_lite.nn import Layer
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "layer.json"
        >>> Layer(2, 3, seed=0).save(path); nn.load(path)
        Layer(nin=2, nout=3, activation='relu')
        """
        save(self, path)

    def dense_layers(self) -> list[DenseWeights]:
        """The model as fully connected layers: (weight rows, biases, activation) each.

        >>> from autograd_lite.nn import Neuron
        >>> Neuron(2, "tanh", seed=0).dense_layers()[0].activation
        'tanh'
        """
        raise NotImplementedError

    def to_torch(self) -> Any:
        """A float64 ``torch.nn.Sequential`` (Linear + activation modules) with these weights.

        >>> from autograd_lite.nn import Neuron
        >>> neuron = Neuron(2, "tanh")
        >>> len(neuron.dense_layers())  # to_torch makes a Linear (+ activation) of each
        1
        >>> neuron.to_torch()  # doctest: +SKIP
        Sequential(
          (0): Linear(in_features=2, out_features=1, bias=True)
          (1): Tanh()
        )
        """
        return to_torch(self)


def _some(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:5])
    return f"{shown} (+{len(names) - 5} more)" if len(names) > 5 else shown
