"""Neural-network modules built from ``Value`` nodes: ``Neuron``, ``Layer``, ``MLP``.

Every neuron's weighted sum is a single ``Value.dot`` node (its weights, inputs and bias
are the node's parents), followed by one activation node (none for ``"linear"``), so a
drawn graph shows one node per neuron and a forward pass stays fast.

Parameter names (``named_parameters``, ``state_dict``) are dotted paths:
``"w.0"`` .. ``"w.{nin-1}"`` and ``"b"`` in a ``Neuron``, ``"neurons.{j}.w.{k}"`` in a
``Layer`` and ``"layers.{i}.neurons.{j}.w.{k}"`` in an ``MLP``.

Saving and loading live in ``serialization`` and PyTorch conversion in ``interop``; their
functions are available here too (``nn.load``, ``nn.save``, ``nn.to_torch``, ``nn.from_torch``).

>>> model = MLP(2, [4, 1], activation="tanh", seed=0)
>>> [name for name, _ in model.named_parameters()][:2]
['layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite import _checks, interop, ops, serialization
from autograd_lite._shapes import input_row
from autograd_lite.engine import Value
from autograd_lite.init import INITS as INITS
from autograd_lite.init import initial_weights
from autograd_lite.interop import DenseWeights
from autograd_lite.interop import to_torch as to_torch
from autograd_lite.module import Module
from autograd_lite.serialization import load as load
from autograd_lite.serialization import save as save


def _identity(v: Value) -> Value:
    return v


ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": _identity,
    **{name: getattr(Value, name) for name in ops.ACTIVATIONS},
}
"""Activation name -> function of a Value: "linear" (none) and every activation op of
``ops.ACTIVATIONS`` (``leaky_relu`` with its default slope 0.01). A ``Layer`` (and so an
``MLP``) may also end in ``"softmax"``, which acts on the whole layer (``LAYER_ACTIVATIONS``)."""
LAYER_ACTIVATIONS = (*ACTIVATIONS, "softmax")


def _check_activation(name: Any, argument: str = "activation", valid: Any = ACTIVATIONS) -> str:
    if not isinstance(name, str):
        raise TypeError(
            f"{argument} must be a string, one of {', '.join(valid)}, got {_checks.describe(name)}"
        )
    if name not in valid:
        raise ValueError(f"unknown {argument} {name!r}; valid activations: {', '.join(valid)}")
    return name


def _check_size(n: Any, what: str) -> int:
    return _checks.integer(what, n, minimum=1)


def _config_activation(config: Mapping[str, Any], key: str, valid: Any) -> str:
    name = config[key]
    if not isinstance(name, str):
        raise ValueError(f"{key} must be a string, got {name!r:.40}")
    return _check_activation(name, key, valid)


@serialization.register_model
class Neuron(Module):
    """``activation(w . x + b)``: one ``dot`` node and one activation node.

    ``init`` defaults to He for relu/leaky_relu, Xavier otherwise (``fan_out`` is the layer
    width Xavier uses); ``seed`` is an int or a numpy Generator. The bias starts at 0.

    >>> n = Neuron(2, "linear", seed=0)
    >>> n.w[0].data, n.w[1].data = 2.0, -1.0
    >>> n([3.0, 1.0]).data
    5.0
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        init: str | None = None,
        std: float | None = None,
        seed: int | np.random.Generator | None = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.activation = _check_activation(activation)
        fan_out = _check_size(fan_out, "fan_out")
        self._act = ACTIVATIONS[activation]
        rng = _checks.generator("seed", seed)
        weights = initial_weights(rng, init, activation, self.nin, fan_out, std)
        self.w = [Value(w, f"w{k}") for k, w in enumerate(weights)]
        self.b = Value(0.0, "b")

    def _forward(self, x: list) -> Value:
        return self._act(Value.dot(self.w, x, self.b))

    def forward(self, x: Any) -> Value:
        """The neuron's output for one input row (Values, numbers or a 1-d numpy array).

        >>> Neuron(1, "relu", seed=0)([0.0]).data
        0.0
        """
        return self._forward(input_row(x, self.nin))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{k}", w) for k, w in enumerate(self.w)] + [("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation}

    @staticmethod
    def parameter_count(config: Mapping[str, Any], limit: int) -> int:
        """The number of weights ``config`` describes, checked without allocating.

        >>> Neuron.parameter_count({"nin": 3, "activation": "relu"}, 100)
        4
        """
        _config_activation(config, "activation", ACTIVATIONS)
        return serialization.check_size("nin", config["nin"], limit - 1) + 1

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Neuron:
        """A new neuron (weights to be loaded) from ``config()``'s dict.

        >>> Neuron.from_config({"nin": 3, "activation": "tanh"})
        Neuron(nin=3, activation='tanh')
        """
        return cls(config["nin"], config["activation"], seed=0)

    def dense_layers(self) -> list[DenseWeights]:
        return [DenseWeights([[w.data for w in self.w]], [self.b.data], self.activation)]

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


@serialization.register_model
class Layer(Module):
    """``nout`` neurons reading the same inputs; always returns a list of Values. With
    ``activation="softmax"`` the neurons are linear and the layer returns their softmax.

    >>> [round(v.data, 3) for v in Layer(2, 2, "sigmoid", seed=0)([0.0, 0.0])]
    [0.5, 0.5]
    >>> round(sum(v.data for v in Layer(2, 3, "softmax", seed=0)([1.0, -2.0])), 12)
    1.0
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        init: str | None = None,
        std: float | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        self.nout = _check_size(nout, "nout")
        self.activation = _check_activation(activation, valid=LAYER_ACTIVATIONS)
        rng = _checks.generator("seed", seed)
        each = "linear" if activation == "softmax" else activation
        self.neurons = [
            Neuron(self.nin, each, init, std, rng, fan_out=self.nout) for _ in range(self.nout)
        ]

    def _forward(self, x: list) -> list[Value]:
        out = [n._forward(x) for n in self.neurons]
        return softmax(out) if self.activation == "softmax" else out

    def forward(self, x: Any) -> list[Value]:
        """The ``nout`` outputs for one input row.

        >>> len(Layer(3, 4, seed=0)([1.0, 2.0, 3.0]))
        4
        """
        return self._forward(input_row(x, self.nin))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{j}.{name}", p)
            for j, n in enumerate(self.neurons)
            for name, p in n.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation}

    @staticmethod
    def parameter_count(config: Mapping[str, Any], limit: int) -> int:
        """The number of weights ``config`` describes, checked without allocating.

        >>> Layer.parameter_count({"nin": 3, "nout": 2, "activation": "relu"}, 100)
        8
        """
        _config_activation(config, "activation", LAYER_ACTIVATIONS)
        return _dense_count(config["nin"], [config["nout"]], limit)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Layer:
        """A new layer (weights to be loaded) from ``config()``'s dict.

        >>> Layer.from_config({"nin": 3, "nout": 2, "activation": "tanh"})
        Layer(nin=3, nout=2, activation='tanh')
        """
        return cls(config["nin"], config["nout"], config["activation"], seed=0)

    def dense_layers(self) -> list[DenseWeights]:
        rows = [[w.data for w in n.w] for n in self.neurons]
        return [DenseWeights(rows, [n.b.data for n in self.neurons], self.activation)]

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


def _dense_count(nin: Any, nouts: list[Any], limit: int) -> int:
    """Weights of fully connected layers nin -> nouts[0] -> ...; each size and the running
    total are checked against ``limit`` before the next product, so nothing grows large."""
    width = serialization.check_size("nin", nin, limit)
    total = 0
    for i, nout in enumerate(nouts):
        nout = serialization.check_size(f"nouts[{i}]", nout, limit)
        total += (width + 1) * nout
        if total > limit:
            raise ValueError(
                f"the architecture has more than {limit} parameters (the limit; "
                f"load(max_parameters=...) raises it)"
            )
        width = nout
    return total


@serialization.register_model
class MLP(Module):
    """Layers of sizes ``nouts``: ``activation`` in the hidden layers, ``output_activation``
    in the last. Returns a single Value when the last layer has one output, else a list.

    >>> model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    >>> len(model.parameters())
    337
    >>> type(model([0.5, -0.5])).__name__
    'Value'
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        init: str | None = None,
        std: float | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, got {nouts!r}")
        _check_activation(activation, valid=LAYER_ACTIVATIONS)
        _check_activation(output_activation, "output_activation", LAYER_ACTIVATIONS)
        activations = [activation] * (len(nouts) - 1) + [output_activation]
        self._build(nin, list(nouts), activations, init, std, seed)

    def _build(
        self,
        nin: int,
        nouts: list[int],
        activations: list[str],
        init: str | None = None,
        std: float | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.nin = _check_size(nin, "nin")
        rng = _checks.generator("seed", seed)
        sizes = [self.nin] + [_check_size(n, "each layer size in nouts") for n in nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], act, init, std, rng) for i, act in enumerate(activations)
        ]

    @classmethod
    def _from_activations(cls, nin: int, nouts: list[int], activations: list[str]) -> MLP:
        """An MLP whose layers may each have their own activation (from a file or torch)."""
        if len(nouts) != len(activations) or not nouts:
            raise ValueError("an MLP needs one activation per layer and at least one layer")
        model = cls.__new__(cls)
        model._build(nin, nouts, activations, seed=0)
        return model

    def forward(self, x: Any) -> Value | list[Value]:
        """The network's output for one input row.

        >>> len(MLP(2, [3, 2], seed=0)([1.0, 2.0]))
        2
        """
        x = input_row(x, self.nin)
        for layer in self.layers:
            x = layer._forward(x)
        return x[0] if len(x) == 1 else x

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": [layer.nout for layer in self.layers],
            "activations": [layer.activation for layer in self.layers],
        }

    @staticmethod
    def parameter_count(config: Mapping[str, Any], limit: int) -> int:
        """The number of weights ``config`` describes, checked without allocating.

        >>> config = {"nin": 2, "nouts": [16, 16, 1], "activations": ["relu"] * 3}
        >>> MLP.parameter_count(config, 10**6)
        337
        """
        nouts = serialization.check_list("nouts", config["nouts"], lambda _, v: v)
        activations = serialization.check_list(
            "activations",
            config["activations"],
            lambda name, v: _config_activation({name: v}, name, LAYER_ACTIVATIONS),
        )
        if len(nouts) != len(activations):
            raise ValueError(
                f"an MLP needs one activation per layer: {len(nouts)} layer sizes but "
                f"{len(activations)} activations"
            )
        return _dense_count(config["nin"], nouts, limit)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MLP:
        """A new MLP (weights to be loaded) from ``config()``'s dict.

        >>> MLP.from_config({"nin": 2, "nouts": [3, 1], "activations": ["tanh", "linear"]}).nin
        2
        """
        return cls._from_activations(config["nin"], config["nouts"], config["activations"])

    def dense_layers(self) -> list[DenseWeights]:
        return [dense for layer in self.layers for dense in layer.dense_layers()]

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear layers, each
        optionally followed by ReLU, LeakyReLU(0.01), Tanh, Sigmoid or Softplus(beta=1).

        >>> [len(layer.weight) for layer in MLP(2, [3, 1]).dense_layers()]  # what it reads back
        [3, 1]
        >>> import torch  # doctest: +SKIP
        >>> MLP.from_torch(torch.nn.Sequential(torch.nn.Linear(2, 1))).nin  # doctest: +SKIP
        2
        """
        layers = interop.dense_from_torch(seq)
        nouts = [len(layer.weight) for layer in layers]
        model = cls._from_activations(
            len(layers[0].weight[0]), nouts, [layer.activation for layer in layers]
        )
        for layer, dense in zip(model.layers, layers, strict=True):
            for neuron, row, b in zip(layer.neurons, dense.weight, dense.bias, strict=True):
                for w, value in zip(neuron.w, row, strict=True):
                    w.data = value
                neuron.b.data = b
        return model

    def __repr__(self) -> str:
        lines = [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + "\n)"


from_torch = MLP.from_torch


def softmax(values: Sequence[Value | float]) -> list[Value]:
    """exp(v_i) / sum_j exp(v_j), computed after subtracting max(v) (a constant) so no
    exp overflows; the shift cancels, so values and gradients are unchanged.

    >>> [round(p.data, 4) for p in softmax([0.0, 1000.0])]
    [0.0, 1.0]
    """
    shifted = _shifted(values)
    exps = [s.exp() for s in shifted]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Value | float]) -> list[Value]:
    """v_i - log sum_j exp(v_j), stable by the same max shift (log-sum-exp).

    >>> [round(p.data, 4) for p in log_softmax([0.0, 0.0])]
    [-0.6931, -0.6931]
    """
    shifted = _shifted(values)
    log_total = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_total for s in shifted]


def _shifted(values: Sequence[Value | float]) -> list[Value]:
    if isinstance(values, (Value, str, bytes)) or not isinstance(values, (Sequence, np.ndarray)):
        raise TypeError(f"values must be a sequence of Values or numbers, got {values!r:.60}")
    vs = [v if isinstance(v, Value) else Value(v) for v in values]
    if not vs:
        raise ValueError("softmax needs at least one value, got an empty sequence")
    m = max(v.data for v in vs)
    return [v - m for v in vs]
