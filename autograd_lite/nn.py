"""Neural-network modules built from ``Value`` nodes: ``Neuron``, ``Layer``, ``MLP``.

Every neuron's weighted sum is a single ``Value.dot`` node (its weights, inputs and bias
are the node's parents), followed by one activation node (none for ``"linear"``), so a
drawn graph shows one node per neuron and a forward pass stays fast.

Parameter names (``named_parameters``, ``state_dict``) are dotted paths:
``"w.0"`` .. ``"w.{nin-1}"`` and ``"b"`` in a ``Neuron``, ``"neurons.{j}.w.{k}"`` in a
``Layer`` and ``"layers.{i}.neurons.{j}.w.{k}"`` in an ``MLP``.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from autograd_lite.engine import Value

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "linear": lambda v: v,
    "relu": Value.relu,
    "leaky_relu": lambda v: v.leaky_relu(0.01),
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "softplus": Value.softplus,
}
INITS = ("he", "xavier", "normal", "uniform")
_HE_FAMILY = ("relu", "leaky_relu")
_FORMAT = "autograd_lite.nn"
_VERSION = 1
Dense = tuple[list[list[float]], list[float], str]  # weight rows, biases, activation


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; valid activations: {', '.join(ACTIVATIONS)}"
        )
    return name


def _check_size(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{what} must be a positive integer, got {n!r}")
    return int(n)


def _initial_weights(
    rng: np.random.Generator,
    init: str | None,
    activation: str,
    nin: int,
    fan_out: int,
    std: float | None,
) -> list[float]:
    """Draw ``nin`` weights: He N(0, 2/nin), Xavier N(0, 2/(nin+fan_out)), N(0, std^2), U(-1, 1)."""
    if init is None:
        init = "he" if activation in _HE_FAMILY else "xavier"
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; valid inits: {', '.join(INITS)}")
    if std is not None and init != "normal":
        raise ValueError(f"std= only applies to init='normal', got init={init!r} with std={std!r}")
    if init == "uniform":
        return rng.uniform(-1.0, 1.0, nin).tolist()
    if init == "normal":
        std = 1.0 if std is None else std
        if not (isinstance(std, numbers.Real) and std > 0 and math.isfinite(std)):
            raise ValueError(f"std must be a positive finite number, got {std!r}")
    else:
        std = math.sqrt(2.0 / nin) if init == "he" else math.sqrt(2.0 / (nin + fan_out))
    return rng.normal(0.0, float(std), nin).tolist()


def _as_inputs(x: Any, nin: int) -> list[Value]:
    """Inputs as a list of Values (numbers become input leaves, drawn as such in a graph,
    and every ``dot`` node then takes the engine's all-Values path); wrong length is a
    ValueError."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(
                f"expected a 1-d input row of {nin} numbers, got an array of shape {x.shape}; "
                f"pass one row at a time"
            )
        x = x.tolist()
    elif isinstance(x, (Value, numbers.Real)):
        x = [x]
    elif not isinstance(x, list):
        x = list(x)
    if len(x) != nin:
        raise ValueError(f"expected {nin} inputs, got {len(x)}")
    return [v if isinstance(v, Value) else Value(v) for v in x]


class Module:
    """Base class: parameters, gradients, state dicts, saving and PyTorch conversion."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(dotted name, parameter) pairs in a fixed order."""
        return []

    def parameters(self) -> list[Value]:
        """The trainable Values, in the order of ``named_parameters``."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Reset every parameter's ``.grad`` to 0 (gradients accumulate across backward calls)."""
        for p in self.parameters():
            p.grad = 0.0

    def forward(self, x: Any) -> Any:
        raise NotImplementedError

    def __call__(self, x: Any) -> Any:
        return self.forward(x)

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> current value."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``; a mismatch raises ValueError and changes nothing."""
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
            values.append(float(v))
        for (_, p), v in zip(named, values, strict=True):
            p.data = v

    def config(self) -> dict[str, Any]:
        """The architecture as a JSON-ready dict (``load`` rebuilds a model from it)."""
        raise NotImplementedError

    def save(self, path: str | os.PathLike) -> None:
        """Write architecture and weights as JSON; ``autograd_lite.nn.load(path)`` reads it."""
        document = {
            "format": _FORMAT,
            "version": _VERSION,
            "architecture": self.config(),
            "state_dict": self.state_dict(),
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1)

    def dense_layers(self) -> list[Dense]:
        """The model as fully connected layers: (weight rows, biases, activation) each."""
        raise NotImplementedError

    def to_torch(self) -> Any:
        """A float64 ``torch.nn.Sequential`` (Linear + activation modules) with these weights."""
        import torch

        modules: list[Any] = []
        for rows, biases, activation in self.dense_layers():
            linear = torch.nn.Linear(len(rows[0]), len(rows), dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(torch.tensor(rows, dtype=torch.float64))
                linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
            modules.append(linear)
            if activation != "linear":
                modules.append(_torch_activation(torch, activation))
        return torch.nn.Sequential(*modules)


def _some(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(repr(n) for n in names[:5])
    return f"{shown} (+{len(names) - 5} more)" if len(names) > 5 else shown


class Neuron(Module):
    """``activation(w . x + b)``: one ``dot`` node and one activation node."""

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        init: str | None = None,
        std: float | None = None,
        seed: int | np.random.Generator | None = None,
        fan_out: int = 1,
    ) -> None:
        """``init`` defaults to He for relu/leaky_relu, Xavier otherwise (``fan_out`` is the
        layer width Xavier uses); ``seed`` is an int or a numpy Generator. Bias starts at 0."""
        self.nin = _check_size(nin, "nin")
        self.activation = _check_activation(activation)
        self._act = ACTIVATIONS[activation]
        rng = np.random.default_rng(seed)
        weights = _initial_weights(rng, init, activation, self.nin, fan_out, std)
        self.w = [Value(w, f"w{k}") for k, w in enumerate(weights)]
        self.b = Value(0.0, "b")

    def _forward(self, x: list) -> Value:
        return self._act(Value.dot(self.w, x, self.b))

    def forward(self, x: Any) -> Value:
        """The neuron's output for one input row (Values, numbers or a 1-d numpy array)."""
        return self._forward(_as_inputs(x, self.nin))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(f"w.{k}", w) for k, w in enumerate(self.w)] + [("b", self.b)]

    def config(self) -> dict[str, Any]:
        return {"type": "Neuron", "nin": self.nin, "activation": self.activation}

    def dense_layers(self) -> list[Dense]:
        return [([[w.data for w in self.w]], [self.b.data], self.activation)]

    def __repr__(self) -> str:
        return f"Neuron(nin={self.nin}, activation={self.activation!r})"


class Layer(Module):
    """``nout`` neurons reading the same inputs; always returns a list of Values."""

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
        self.activation = _check_activation(activation)
        rng = np.random.default_rng(seed)
        self.neurons = [
            Neuron(self.nin, activation, init, std, rng, fan_out=self.nout)
            for _ in range(self.nout)
        ]

    def _forward(self, x: list) -> list[Value]:
        return [n._forward(x) for n in self.neurons]

    def forward(self, x: Any) -> list[Value]:
        """The ``nout`` outputs for one input row."""
        return self._forward(_as_inputs(x, self.nin))

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{j}.{name}", p)
            for j, n in enumerate(self.neurons)
            for name, p in n.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {"type": "Layer", "nin": self.nin, "nout": self.nout, "activation": self.activation}

    def dense_layers(self) -> list[Dense]:
        rows = [[w.data for w in n.w] for n in self.neurons]
        return [(rows, [n.b.data for n in self.neurons], self.activation)]

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, activation={self.activation!r})"


class MLP(Module):
    """Layers of sizes ``nouts``: ``activation`` in the hidden layers, ``output_activation``
    in the last. Returns a single Value when the last layer has one output, else a list."""

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
        rng = np.random.default_rng(seed)
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
        """The network's output for one input row."""
        x = _as_inputs(x, self.nin)
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

    def dense_layers(self) -> list[Dense]:
        return [dense for layer in self.layers for dense in layer.dense_layers()]

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` of Linear layers, each
        optionally followed by ReLU, LeakyReLU(0.01), Tanh, Sigmoid or Softplus(beta=1)."""
        import torch

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
        nouts = [m.out_features for m in linears]
        model = cls._from_activations(linears[0].in_features, nouts, activations)
        for layer, linear in zip(model.layers, linears, strict=True):
            rows = linear.weight.detach().to(torch.float64).tolist()
            biases = linear.bias.detach().to(torch.float64).tolist()
            for neuron, row, b in zip(layer.neurons, rows, biases, strict=True):
                for w, value in zip(neuron.w, row, strict=True):
                    w.data = value
                neuron.b.data = b
        return model

    def __repr__(self) -> str:
        lines = [f"  (layers.{i}): {layer!r}" for i, layer in enumerate(self.layers)]
        return "MLP(\n" + "\n".join(lines) + "\n)"


def _torch_activation(torch: Any, name: str) -> Any:
    if name == "softplus":
        # torch returns x itself above `threshold` (default 20, off by up to 2e-9); at 40,
        # x + log1p(exp(-x)) already rounds to x, so both libraries agree to the last bit.
        return torch.nn.Softplus(beta=1.0, threshold=40.0)
    return {
        "relu": torch.nn.ReLU,
        "leaky_relu": lambda: torch.nn.LeakyReLU(0.01),
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
    }[name]()


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


def _from_config(config: Any) -> Module:
    if not isinstance(config, Mapping):
        raise ValueError(f"architecture must be an object, got {config!r:.60}")
    kind = config.get("type")
    if kind == "Neuron":
        return Neuron(config["nin"], config["activation"], seed=0)
    if kind == "Layer":
        return Layer(config["nin"], config["nout"], config["activation"], seed=0)
    if kind == "MLP":
        nouts, activations = config["nouts"], config["activations"]
        if not isinstance(nouts, list) or not isinstance(activations, list):
            raise ValueError("MLP nouts and activations must be lists")
        return MLP._from_activations(config["nin"], nouts, activations)
    raise ValueError(f"unknown model type {kind!r}; expected Neuron, Layer or MLP")


def load(path: str | os.PathLike) -> Module:
    """A new model from a file written by ``Module.save``; a file that is not such a model,
    or whose weights do not match its architecture, raises ValueError."""
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{os.fspath(path)!r} is not a saved model: not valid JSON ({e})") from e
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(path)!r} is not a saved model: no 'format': {_FORMAT!r}")
    if document.get("version") != _VERSION:
        raise ValueError(
            f"{os.fspath(path)!r}: unsupported version {document.get('version')!r}, "
            f"expected {_VERSION}"
        )
    try:
        model = _from_config(document.get("architecture"))
        model.load_state_dict(document.get("state_dict"))
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{os.fspath(path)!r} does not hold a valid model: {e}") from e
    return model


def softmax(values: Sequence[Value | float]) -> list[Value]:
    """exp(v_i) / sum_j exp(v_j), computed after subtracting max(v) (a constant) so no
    exp overflows; the shift cancels, so values and gradients are unchanged."""
    shifted = _shifted(values)
    exps = [s.exp() for s in shifted]
    total = Value.sum(exps)
    return [e / total for e in exps]


def log_softmax(values: Sequence[Value | float]) -> list[Value]:
    """v_i - log sum_j exp(v_j), stable by the same max shift (log-sum-exp)."""
    shifted = _shifted(values)
    log_total = Value.sum([s.exp() for s in shifted]).log()
    return [s - log_total for s in shifted]


def _shifted(values: Sequence[Value | float]) -> list[Value]:
    vs = [v if isinstance(v, Value) else Value(v) for v in values]
    if not vs:
        raise ValueError("softmax needs at least one value, got an empty sequence")
    m = max(v.data for v in vs)
    return [v - m for v in vs]
