"""Tests for autograd_lite.nn: modules, initialisers, state dicts, files, softmax, PyTorch."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradcheck, no_grad
from autograd_lite.nn import ACTIVATIONS, MLP, Layer, Neuron, load, log_softmax, softmax

torch = pytest.importorskip(
    "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
)

ACTS = list(ACTIVATIONS)  # every activation the registry of ops provides, and "linear"
NUMPY_ACTS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
    "gelu": lambda z: 0.5 * z * (1.0 + math.erf(z / math.sqrt(2.0))),
    "silu": lambda z: z / (1.0 + np.exp(-z)),
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
}


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(b))


def weights(module: Layer) -> np.ndarray:
    return np.array([[w.data for w in n.w] for n in module.neurons])


# ------------------------------------------------------------------ structure
def test_parameter_count_matches_micrograd_and_formula():
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1 == 337
    micrograd_nn = pytest.importorskip(
        "micrograd.nn", reason="micrograd not installed: pip install micrograd==0.1.0"
    )
    assert len(micrograd_nn.MLP(2, [16, 16, 1]).parameters()) == 337


def test_named_parameters_are_dotted_paths_in_parameter_order():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(set(names)) == len(names) == 13
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert model.named_parameters()[2][1] is model.layers[0].neurons[0].b


def test_output_types():
    x = [0.5, -1.0, 2.0]
    assert isinstance(Neuron(3)(x), Value)
    one = Layer(3, 1)(x)
    assert isinstance(one, list) and len(one) == 1 and isinstance(one[0], Value)
    assert isinstance(MLP(3, [4, 1])(x), Value)
    many = MLP(3, [4, 2])(x)
    assert isinstance(many, list) and len(many) == 2 and all(isinstance(v, Value) for v in many)


def test_width_one_hidden_layer_works_and_matches_torch():
    model = MLP(2, [16, 1, 1], activation="tanh", seed=3)
    out = model([0.3, -0.7])
    assert isinstance(out, Value)
    out.backward()
    assert all(p.grad != 0.0 for p in model.layers[0].neurons[0].w)
    expected = model.to_torch()(torch.tensor([0.3, -0.7], dtype=torch.float64)).item()
    assert close(out.data, expected)


def test_neuron_is_one_dot_node_then_one_activation_node():
    neuron = Neuron(3, "tanh", seed=0)
    x = [Value(1.0), Value(-2.0), Value(0.5)]
    out = neuron(x)
    assert out.op == "tanh"
    (dot,) = out.parents
    assert dot.op == "dot"
    assert dot.parents == (*neuron.w, *x, neuron.b)
    assert [w.label for w in neuron.w] == ["w0", "w1", "w2"] and neuron.b.label == "b"
    assert Neuron(3, "linear")(x).op == "dot"


@pytest.mark.parametrize("activation", ACTS)
def test_activation_values_match_numpy(activation):
    neuron = Neuron(3, activation, seed=1)
    neuron.b.data = 0.25
    w = np.array([p.data for p in neuron.w])
    for x in np.random.default_rng(0).normal(0, 2, size=(20, 3)):
        expected = NUMPY_ACTS[activation](np.dot(w, x) + 0.25)
        assert close(neuron(x).data, float(expected))


def test_unknown_activation_lists_valid_names():
    with pytest.raises(ValueError, match="swish") as info:
        MLP(2, [3, 1], activation="swish")
    for name in ACTS:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="valid activations"):
        Neuron(2, "ReLU")


def test_repr_shows_layers_like_pytorch():
    text = repr(MLP(2, [16, 16, 1]))
    assert text.startswith("MLP(")
    assert "(layers.0): Layer(nin=2, nout=16, activation='relu')" in text
    assert "(layers.2): Layer(nin=16, nout=1, activation='linear')" in text
    assert repr(Neuron(4, "tanh")) == "Neuron(nin=4, activation='tanh')"


def test_bad_sizes_raise():
    with pytest.raises(ValueError, match="nin must be >= 1, got 0"):
        Neuron(0)
    with pytest.raises(ValueError, match="nouts"):
        MLP(2, [])
    with pytest.raises(TypeError, match="each layer size in nouts must be an integer"):
        MLP(2, [3, 2.5])
    assert MLP(np.int64(2), [np.int32(3), 1]).nin == 2  # numpy integers are integers


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: MLP(2, [1], activation=["relu"]), TypeError, "activation must be a string"),
        (lambda: MLP(2, [1], output_activation=None), TypeError, "output_activation must be"),
        (lambda: MLP(2, [1], output_activation="swish"), ValueError, "unknown output_activation"),
        (lambda: Neuron("3"), TypeError, "nin must be an integer, got str '3'"),
        (lambda: Neuron(3, init=5), TypeError, "init must be a string"),
        (lambda: Neuron(3, init="normal", std="a"), TypeError, "std must be a real number"),
        (lambda: MLP(2, [1])(None), TypeError, "x must be an input row.*got NoneType None"),
        (lambda: MLP(2, [1])("ab"), TypeError, "x must be an input row"),
        (lambda: MLP(2, [1])([1.0, "a"]), TypeError, r"x\[1\] must be a real number or a Value"),
        (lambda: Layer(1, 1)({"a": 1}), TypeError, "x must be an input row"),
        (lambda: softmax(None), TypeError, "values must be a sequence"),
        (lambda: MLP(2, [1], seed="a"), TypeError, "seed must be an int, a numpy Generator"),
        (lambda: MLP(2, [1], seed=-1), ValueError, "seed must be >= 0, got -1"),
        (lambda: Neuron(2, fan_out="a"), TypeError, "fan_out must be an integer"),
    ],
)
def test_argument_errors_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------- initialisers
@pytest.mark.parametrize(
    ("init", "std"),
    [("he", math.sqrt(2 / 50)), ("xavier", math.sqrt(2 / (50 + 400))), ("normal", 0.3)],
)
def test_init_statistics(init, std):
    layer = Layer(50, 400, "tanh", init=init, std=0.3 if init == "normal" else None, seed=1)
    w = weights(layer).ravel()  # 20000 draws: the sample std is within ~0.5% of the truth
    assert abs(w.std() / std - 1) < 0.03
    assert abs(w.mean()) < 4 * std / math.sqrt(w.size)
    assert all(n.b.data == 0.0 for n in layer.neurons)


def test_uniform_init_is_micrograds_u_minus1_1():
    w = weights(Layer(50, 400, init="uniform", seed=2)).ravel()
    assert w.min() >= -1.0 and w.max() <= 1.0
    assert abs(w.var() - 1 / 3) < 0.02
    assert abs(w.mean()) < 0.02


@pytest.mark.parametrize(("activation", "expected"), [("relu", "he"), ("leaky_relu", "he")])
def test_default_init_is_he_for_relu_family(activation, expected):
    default = weights(Layer(7, 5, activation, seed=4))
    assert np.array_equal(default, weights(Layer(7, 5, activation, init=expected, seed=4)))


@pytest.mark.parametrize("activation", ["linear", "tanh", "sigmoid", "softplus"])
def test_default_init_is_xavier_otherwise(activation):
    default = weights(Layer(7, 5, activation, seed=4))
    assert np.array_equal(default, weights(Layer(7, 5, activation, init="xavier", seed=4)))
    assert not np.array_equal(default, weights(Layer(7, 5, activation, init="he", seed=4)))


def test_bad_init_arguments():
    with pytest.raises(ValueError, match="he, xavier, normal, uniform"):
        Neuron(3, init="kaiming")
    with pytest.raises(ValueError, match="std= only applies"):
        Neuron(3, init="he", std=0.1)
    with pytest.raises(ValueError, match="std must be > 0"):
        Neuron(3, init="normal", std=-1.0)


def test_seed_reproducibility():
    a = MLP(3, [5, 5, 1], seed=42).state_dict()
    assert a == MLP(3, [5, 5, 1], seed=42).state_dict()
    assert a == MLP(3, [5, 5, 1], seed=np.random.default_rng(42)).state_dict()
    assert a != MLP(3, [5, 5, 1], seed=43).state_dict()
    assert MLP(3, [5, 1]).state_dict() != MLP(3, [5, 1]).state_dict()


# ---------------------------------------------------------------------- inputs
@pytest.mark.parametrize("module", [Neuron(3), Layer(3, 2), MLP(3, [4, 1])])
def test_wrong_input_length_names_sizes(module):
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        module([1.0, 2.0])
    with pytest.raises(ValueError, match="expected 3 inputs, got 4"):
        module(np.zeros(4))
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        module(np.zeros((2, 3)))


def test_numpy_row_floats_and_values_agree():
    model = MLP(3, [4, 2], seed=0)
    row = np.array([0.5, -1.5, 2.0])
    a = [v.data for v in model(row)]
    b = [v.data for v in model([0.5, -1.5, 2.0])]
    c = [v.data for v in model([Value(0.5), Value(-1.5), Value(2.0)])]
    assert a == b == c


def test_forward_under_no_grad_gives_leaves_with_same_values():
    model = MLP(3, [4, 4, 1], seed=0)
    x = [0.1, 0.2, -0.3]
    with no_grad():
        out = model(x)
    assert out.is_leaf
    assert out.data == model(x).data


# ------------------------------------------------------------------- gradients
def _bind(model: MLP, params: list[Value]) -> None:
    """Make ``params`` the model's parameters (in named_parameters order)."""
    it = iter(params)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.w = [next(it) for _ in neuron.w]
            neuron.b = next(it)


@pytest.mark.parametrize(("hidden", "output"), [("tanh", "sigmoid"), ("softplus", "linear")])
def test_parameter_gradients_pass_gradcheck(hidden, output):
    model = MLP(3, [4, 4, 2], activation=hidden, output_activation=output, seed=0)
    X = np.random.default_rng(1).normal(size=(3, 3))
    Y = np.random.default_rng(2).normal(size=(3, 2))

    def loss(*params: Value) -> Value:
        _bind(model, list(params))
        return Value.sum(
            [
                (o - t) ** 2
                for x, y in zip(X, Y, strict=True)
                for o, t in zip(model(x), y, strict=True)
            ]
        )

    start = [p.data for p in model.parameters()]
    assert gradcheck(loss, start)

    _bind(model, [Value(v) for v in start])
    loss(*model.parameters()).backward()
    for p in model.parameters():  # backward's .grad against our own central differences
        analytic, original = p.grad, p.data
        p.data = original + 1e-6
        up = loss(*model.parameters()).data
        p.data = original - 1e-6
        down = loss(*model.parameters()).data
        p.data = original
        assert abs(analytic - (up - down) / 2e-6) < 1e-6


def test_zero_grad_resets_parameter_grads():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ------------------------------------------------------------------ state dicts
def test_state_dict_round_trip_is_exact():
    a, b = MLP(3, [4, 2], seed=0), MLP(3, [4, 2], seed=1)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()
    x = [0.3, -0.1, 0.8]
    assert [v.data for v in b(x)] == [v.data for v in a(x)]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("layers.0.neurons.0.w.1"),
        lambda d: d.update({"layers.9.neurons.0.b": 1.0}),
        lambda d: d.update({"layers.1.neurons.1.b": "oops"}),
        lambda d: d.update({"layers.1.neurons.1.b": True}),
    ],
    ids=["missing", "unexpected", "string", "bool"],
)
def test_load_state_dict_mismatch_raises_and_changes_nothing(mutate):
    model = MLP(3, [4, 2], seed=0)
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    mutate(state)
    with pytest.raises(ValueError, match="state dict"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_load_state_dict_from_other_architecture_raises():
    model = MLP(3, [4, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="missing"):
        model.load_state_dict(MLP(3, [4, 1]).state_dict())
    assert model.state_dict() == before


# ------------------------------------------------------------------------ files
@pytest.mark.parametrize(
    "model",
    [
        MLP(3, [5, 4, 2], activation="tanh", output_activation="sigmoid", seed=0),
        Layer(3, 2, "softplus", seed=1),
        Neuron(4, "leaky_relu", seed=2),
    ],
    ids=["mlp", "layer", "neuron"],
)
def test_save_load_round_trip_is_exact(model, tmp_path):
    for p in model.parameters():
        p.data += 0.1  # biases too, so nothing is still at its initial value
    path = tmp_path / "model.json"
    model.save(path)
    loaded = load(path)
    assert type(loaded) is type(model)
    assert repr(loaded) == repr(model)
    assert loaded.state_dict() == model.state_dict()
    x = [0.2, -0.4, 0.9, 1.1][: model.nin]
    out, expected = loaded(x), model(x)
    out, expected = (out, expected) if isinstance(out, list) else ([out], [expected])
    assert [v.data for v in out] == [v.data for v in expected]


def _saved(tmp_path, edit) -> str:
    path = tmp_path / "model.json"
    MLP(2, [3, 1], seed=0).save(path)
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("format"), "not a saved model"),
        (lambda d: d.update(version=99), "unsupported version"),
        (lambda d: d["state_dict"].pop("layers.1.neurons.0.b"), "missing"),
        (lambda d: d["architecture"].update(nouts=[3, 2]), "missing"),
        (lambda d: d["architecture"].update(activations=["relu", "swish"]), "swish"),
        (lambda d: d["architecture"].update(type="CNN"), "unknown model type"),
        (lambda d: d["architecture"].pop("nin"), "nin"),
        (lambda d: d["state_dict"].update({"layers.0.neurons.0.b": [1]}), "must be a number"),
    ],
)
def test_mismatched_file_raises_clear_error(tmp_path, edit, message):
    with pytest.raises(ValueError, match=message):
        load(_saved(tmp_path, edit))


def test_non_json_file_raises(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("not json at all")
    with pytest.raises(ValueError, match="not valid JSON"):
        load(path)


# ---------------------------------------------------------------------- softmax
logit_lists = st.lists(
    st.floats(-50, 50, allow_nan=False, allow_infinity=False), min_size=1, max_size=8
)


@settings(max_examples=50, deadline=None)
@given(logits=logit_lists, seed=st.integers(0, 2**32 - 1))
def test_softmax_and_log_softmax_match_torch(logits, seed):
    weights_ = np.random.default_rng(seed).normal(size=len(logits)).tolist()
    for ours_fn, torch_fn in ((softmax, torch.softmax), (log_softmax, torch.log_softmax)):
        xs = [Value(v) for v in logits]
        out = ours_fn(xs)
        Value.sum([w * o for w, o in zip(weights_, out, strict=True)]).backward()
        t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        t_out = torch_fn(t, dim=0)
        (t_out * torch.tensor(weights_, dtype=torch.float64)).sum().backward()
        for o, e in zip(out, t_out.tolist(), strict=True):
            assert close(o.data, e)
        for x, g in zip(xs, t.grad.tolist(), strict=True):
            assert close(x.grad, g)


def test_softmax_is_stable_at_large_logits():
    logits = [1000.0, 999.0, -1000.0]
    t = torch.tensor(logits, dtype=torch.float64)
    probs = softmax([Value(v) for v in logits])
    logs = log_softmax(logits)  # plain floats are accepted too
    assert all(math.isfinite(p.data) for p in probs + logs)
    for p, e in zip(probs, torch.softmax(t, dim=0).tolist(), strict=True):
        assert close(p.data, e)
    for p, e in zip(logs, torch.log_softmax(t, dim=0).tolist(), strict=True):
        assert close(p.data, e)
    assert close(sum(p.data for p in probs), 1.0)


def test_softmax_of_nothing_raises():
    with pytest.raises(ValueError, match="at least one"):
        softmax([])


# ----------------------------------------------------------------- PyTorch
def _compare_with_torch(model: MLP, seq, X: np.ndarray) -> None:
    """Same outputs and same parameter gradients (of a weighted sum of outputs)."""
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    c = np.random.default_rng(5).normal(size=model.layers[-1].nout)
    model.zero_grad()
    seq.zero_grad()
    outs = []
    for x in X:
        out = model(x)
        outs.append(out if isinstance(out, list) else [out])
    Value.sum([ci * o for row in outs for ci, o in zip(c, row, strict=True)]).backward()
    t_out = seq(torch.tensor(X, dtype=torch.float64))
    (t_out * torch.tensor(c, dtype=torch.float64)).sum().backward()
    for row, t_row in zip(outs, t_out.tolist(), strict=True):
        for o, e in zip(row, t_row, strict=True):
            assert close(o.data, e)
    for layer, linear in zip(model.layers, linears, strict=True):
        for neuron, w_row, b_grad in zip(
            layer.neurons, linear.weight.grad, linear.bias.grad, strict=True
        ):
            for w, g in zip(neuron.w, w_row.tolist(), strict=True):
                assert close(w.grad, g)
            assert close(neuron.b.grad, b_grad.item())


def test_every_activation_has_a_numpy_row():
    """An activation op added to the registry without a NUMPY_ACTS row fails here, by name."""
    assert sorted(NUMPY_ACTS) == sorted(ACTS)


@pytest.mark.parametrize("activation", ACTS)
def test_to_torch_same_outputs_and_gradients(activation):
    model = MLP(4, [6, 5, 3], activation=activation, output_activation="sigmoid", seed=0)
    seq = model.to_torch()
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    X = np.random.default_rng(0).normal(size=(10, 4))
    X[:3] *= 30  # pre-activations past softplus's default torch threshold of 20
    _compare_with_torch(model, seq, X)


@pytest.mark.parametrize("activation", ACTS)
def test_every_activation_converts_to_torch_and_back(activation):
    model = MLP(2, [3, 1], activation=activation, seed=0)
    back = MLP.from_torch(model.to_torch())
    assert [layer.activation for layer in back.layers] == [activation, "linear"]
    assert back.state_dict() == model.state_dict()


def test_softmax_output_layer_is_the_softmax_of_linear_neurons():
    model = MLP(3, [4, 3], output_activation="softmax", seed=0)
    x = [0.3, -1.2, 2.0]
    hidden = model.layers[0](x)
    logits = [Value.dot(n.w, hidden, n.b) for n in model.layers[1].neurons]
    assert [v.data for v in model(x)] == [v.data for v in softmax(logits)]
    assert all(n.activation == "linear" for n in model.layers[1].neurons)
    seq = model.to_torch()
    assert isinstance(seq[-1], torch.nn.Softmax)
    _compare_with_torch(model, seq, np.random.default_rng(1).normal(size=(6, 3)))
    back = MLP.from_torch(seq)
    assert back.layers[-1].activation == "softmax" and back.state_dict() == model.state_dict()


def test_softmax_is_a_layer_activation_only():
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        Neuron(3, "softmax")
    assert Layer(2, 3, "softmax", seed=0).config()["activation"] == "softmax"


def test_from_torch_mixed_activations_round_trip(tmp_path):
    torch.manual_seed(0)
    seq = torch.nn.Sequential(
        torch.nn.Linear(3, 5),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 4),
        torch.nn.LeakyReLU(),
        torch.nn.Identity(),
        torch.nn.Linear(4, 2),
        torch.nn.Softplus(),
    ).double()
    model = MLP.from_torch(seq)
    assert [layer.activation for layer in model.layers] == ["tanh", "leaky_relu", "softplus"]
    _compare_with_torch(model, seq, np.random.default_rng(1).normal(size=(8, 3)))
    back = model.to_torch()
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for a, b in zip([m for m in back if isinstance(m, torch.nn.Linear)], linears, strict=True):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)
    model.save(tmp_path / "m.json")
    assert load(tmp_path / "m.json").state_dict() == model.state_dict()


def test_to_torch_from_torch_round_trip_is_exact():
    model = MLP(2, [16, 16, 1], seed=0)
    again = MLP.from_torch(model.to_torch())
    assert again.state_dict() == model.state_dict()
    assert repr(again) == repr(model)


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        (lambda nn: [nn.Linear(2, 3), nn.Dropout(0.5)], "unsupported module"),
        (lambda nn: [nn.Linear(2, 3), nn.LeakyReLU(0.2)], "unsupported module"),
        (lambda nn: [nn.Linear(2, 3), nn.Softplus(beta=2.0)], "unsupported module"),
        (lambda nn: [nn.Linear(2, 3), nn.GELU(approximate="tanh")], "unsupported module"),
        (lambda nn: [nn.Linear(2, 3), nn.ELU(alpha=0.5)], "unsupported module"),
        (lambda nn: [nn.Linear(2, 3, bias=False)], "without bias"),
        (lambda nn: [nn.Linear(2, 3), nn.Linear(4, 1)], "expects 4 inputs"),
        (lambda nn: [nn.ReLU(), nn.Linear(2, 3)], "must follow a Linear"),
        (lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Tanh()], "must follow a Linear"),
        (lambda nn: [], "no Linear"),
    ],
)
def test_from_torch_rejects_unsupported(modules, message):
    with pytest.raises(ValueError, match=message):
        MLP.from_torch(torch.nn.Sequential(*modules(torch.nn)))


def test_from_torch_needs_a_sequential():
    with pytest.raises(TypeError, match="Sequential"):
        MLP.from_torch(torch.nn.Linear(2, 3))


def test_importing_nn_does_not_import_torch():
    code = "import sys, autograd_lite.nn; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_to_torch_softplus_agrees_past_torchs_default_threshold():
    neuron = Neuron(1, "softplus")
    neuron.w[0].data, neuron.b.data = 1.0, 0.0
    seq = neuron.to_torch()
    for x in [*np.arange(-40.0, 60.0, 0.5), 700.0]:
        neuron.zero_grad()
        seq.zero_grad()
        out = neuron([x])
        out.backward()
        t_out = seq(torch.tensor([x], dtype=torch.float64))
        t_out.sum().backward()
        assert close(out.data, t_out.item())
        assert close(neuron.w[0].grad, seq[0].weight.grad.item())
