"""autograd_lite.optim against torch.optim: same gradients in, same parameters out."""

from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optim_reference import CASE_IDS, CASES, REFERENCE

from autograd_lite import Value, optim

torch = pytest.importorskip(
    "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
)

STEPS = 50
START = np.array([0.5, -1.2, 2.0, 0.0, -0.3])
TARGET = np.array([1.0, 0.5, -1.0, 0.2, 3.0])
CURVATURE = np.array([1.0, 0.3, 2.0, 5.0, 0.05])


def gradient(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Gradient of a fixed quadratic bowl plus seeded noise, so the state sees sign changes."""
    return CURVATURE * (x - TARGET) + rng.normal(scale=2.0, size=x.shape)


def run_ours(name: str, kw: dict, steps: int = STEPS, seed: int = 0):
    """Optimise with autograd_lite; return per-step parameters and the optimizer."""
    params = [Value(float(v)) for v in START]
    opt = optim.make_optimizer(name, params, **kw)
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(steps):
        g = gradient(np.array([p.data for p in params]), rng)
        opt.zero_grad()
        for p, gi in zip(params, g, strict=True):
            p.grad = float(gi)
        opt.step()
        history.append([p.data for p in params])
    return np.array(history), opt


def run_torch(name: str, kw: dict, steps: int = STEPS, seed: int = 0):
    """The same run with torch.optim on float64 tensors (single-tensor code path)."""
    params = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in START]
    opt = getattr(torch.optim, REFERENCE[name].torch_name)(params, foreach=False, **kw)
    rng = np.random.default_rng(seed)
    history = []
    for _ in range(steps):
        g = gradient(np.array([p.item() for p in params]), rng)
        for p, gi in zip(params, g, strict=True):
            p.grad = torch.tensor(gi, dtype=torch.float64)
        opt.step()
        history.append([p.item() for p in params])
    return np.array(history), opt, params


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_trajectory_matches_torch(name: str, kw: dict) -> None:
    ours, _ = run_ours(name, kw)
    theirs, _, _ = run_torch(name, kw)
    assert not np.allclose(ours[-1], START), "the optimizer should have moved the parameters"
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_state_matches_torch(name: str, kw: dict) -> None:
    _, opt = run_ours(name, kw)
    _, topt, tparams = run_torch(name, kw)
    for state, tp in zip(opt.state, tparams, strict=True):
        tstate = topt.state[tp]
        assert set(state) == set(tstate), f"{name} state keys differ from torch's"
        for key, value in state.items():
            assert value == pytest.approx(float(tstate[key]), rel=1e-10, abs=1e-12), key


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_defaults_match_torch(name: str) -> None:
    ours = inspect.signature(optim.OPTIMIZERS[name]).parameters
    theirs = inspect.signature(getattr(torch.optim, REFERENCE[name].torch_name)).parameters
    assert "params" in ours
    for key, param in ours.items():
        if key == "params":
            continue
        assert key in theirs, f"{name} keyword {key!r} is not torch's"
        assert param.default == theirs[key].default, f"{name}({key}=...) default differs"
    missing = {"lr", "weight_decay", "maximize"} - set(ours)
    assert not missing


@pytest.mark.parametrize(
    ("scheduler", "kw"),
    [
        ("StepLR", {"step_size": 3, "gamma": 0.5}),
        ("StepLR", {"step_size": 1}),
        ("ExponentialLR", {"gamma": 0.8}),
    ],
)
def test_scheduler_matches_torch(scheduler: str, kw: dict) -> None:
    params = [Value(float(v)) for v in START]
    opt = optim.SGD(params, lr=0.2, momentum=0.5)
    sched = getattr(optim, scheduler)(opt, **kw)
    tparams = [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in START]
    topt = torch.optim.SGD(tparams, lr=0.2, momentum=0.5, foreach=False)
    tsched = getattr(torch.optim.lr_scheduler, scheduler)(topt, **kw)
    rng = np.random.default_rng(1)
    assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-15)
    for _ in range(10):
        g = gradient(START, rng)
        for p, tp, gi in zip(params, tparams, g, strict=True):
            p.grad = float(gi)
            tp.grad = torch.tensor(gi, dtype=torch.float64)
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-15)
        assert opt.lr == pytest.approx(topt.param_groups[0]["lr"], rel=1e-15)
        np.testing.assert_allclose(
            [p.data for p in params], [tp.item() for tp in tparams], rtol=1e-12
        )
    assert opt.lr < 0.2, "ten epochs should have decayed the rate"


@pytest.mark.parametrize(
    ("scheduler", "kw"),
    [("StepLR", {"step_size": 3, "gamma": 0.5}), ("ExponentialLR", {"gamma": 0.8})],
)
def test_scheduler_state_dict_resumes_exactly_where_it_stopped(scheduler: str, kw: dict) -> None:
    def lrs_after(sched: optim.LRScheduler, epochs: int) -> list[float]:
        out = []
        for _ in range(epochs):
            sched.optimizer.step()
            sched.step()
            out.append(sched.optimizer.lr)
        return out

    def fresh() -> optim.LRScheduler:
        params = [Value(1.0)]
        params[0].grad = 0.1
        return getattr(optim, scheduler)(optim.SGD(params, lr=0.2), **kw)

    straight = fresh()
    expected = lrs_after(straight, 10)
    first = fresh()
    lrs_after(first, 4)
    saved = json.loads(json.dumps(first.state_dict()))  # survives a trip through JSON
    resumed = fresh()
    resumed.optimizer.load_state_dict(first.optimizer.state_dict())
    resumed.load_state_dict(saved)
    assert resumed.get_last_lr() == first.get_last_lr()
    assert lrs_after(resumed, 6) == expected[4:]


def test_scheduler_load_state_dict_rejects_another_scheduler_or_missing_keys() -> None:
    opt = optim.SGD([Value(1.0)], lr=0.2)
    step, exp = optim.StepLR(opt, step_size=2), optim.ExponentialLR(opt, gamma=0.9)
    with pytest.raises(ValueError, match="'ExponentialLR' scheduler, not 'StepLR'"):
        step.load_state_dict(exp.state_dict())
    state = step.state_dict()
    del state["step_size"]
    with pytest.raises(ValueError, match=r"missing \['step_size'\]"):
        step.load_state_dict(state)


@settings(max_examples=60, deadline=None)
@given(
    grads=st.lists(
        st.just(0.0)
        | st.builds(lambda m, s: s * m, st.floats(1e-6, 1e3), st.sampled_from([-1, 1])),
        min_size=1,
        max_size=8,
    ),
    max_norm=st.floats(1e-3, 1e3),
    norm_type=st.sampled_from([1.0, 2.0, 3.5, math.inf]),
)
def test_clip_grad_norm_matches_torch(
    grads: list[float], max_norm: float, norm_type: float
) -> None:
    params = [Value(0.0) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = g
    tparams = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in grads]
    for tp, g in zip(tparams, grads, strict=True):
        tp.grad = torch.tensor(g, dtype=torch.float64)
    total = optim.clip_grad_norm(params, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    assert total == pytest.approx(ttotal.item(), rel=1e-12, abs=1e-300)
    for p, tp in zip(params, tparams, strict=True):
        assert p.grad == pytest.approx(tp.grad.item(), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("scale", [1e-170, 1.0, 1e200])
def test_clip_grad_norm_neither_underflows_nor_overflows(scale: float) -> None:
    params = [Value(0.0), Value(0.0)]
    params[0].grad, params[1].grad = 3.0 * scale, 4.0 * scale
    assert optim.clip_grad_norm(params, math.inf) == pytest.approx(math.hypot(3.0, 4.0) * scale)
    assert optim.clip_grad_norm(params, math.inf, norm_type=1) == pytest.approx(7.0 * scale)
    assert optim.clip_grad_norm(params, math.inf, norm_type=math.inf) == 4.0 * scale


def test_clip_grad_norm_clips_large_gradients_only() -> None:
    params = [Value(0.0), Value(0.0)]
    params[0].grad, params[1].grad = 3.0, 4.0
    assert optim.clip_grad_norm(params, 100.0) == pytest.approx(5.0)
    assert [p.grad for p in params] == [3.0, 4.0]
    optim.clip_grad_norm(params, 1.0)
    assert math.hypot(params[0].grad, params[1].grad) == pytest.approx(1.0, rel=1e-5)
    assert params[1].grad / params[0].grad == pytest.approx(4.0 / 3.0)
    assert optim.clip_grad_norm([], 1.0) == torch.nn.utils.clip_grad_norm_([], 1.0).item()


@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_state_dict_round_trip_continues_identically(name: str, kw: dict) -> None:
    full, _ = run_ours(name, kw, steps=30, seed=3)
    params = [Value(float(v)) for v in START]
    opt = optim.make_optimizer(name, params, **kw)
    rng = np.random.default_rng(3)
    for step in range(30):
        if step == 12:
            saved = json.loads(json.dumps(opt.state_dict()))
            params = [Value(p.data) for p in params]
            opt = optim.make_optimizer(name, params)
            opt.load_state_dict(saved)
        g = gradient(np.array([p.data for p in params]), rng)
        for p, gi in zip(params, g, strict=True):
            p.grad = float(gi)
        opt.step()
    np.testing.assert_array_equal([p.data for p in params], full[-1])


def test_state_dict_is_a_copy() -> None:
    params = [Value(1.0)]
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    params[0].grad = 1.0
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["momentum_buffer"] = 99.0
    sd["defaults"]["lr"] = 5.0
    assert opt.state[0]["momentum_buffer"] == 1.0
    assert opt.lr == 0.1


def test_zero_grad_and_lr_setter() -> None:
    params = [Value(1.0), Value(-2.0)]
    opt = optim.SGD(params, lr=0.5)
    for p in params:
        p.grad = 3.0
    opt.zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]
    opt.lr = 0.25
    params[0].grad = 2.0
    opt.step()
    assert params[0].data == 1.0 - 0.25 * 2.0
    assert params[1].data == -2.0


def test_registry_and_make_optimizer() -> None:
    for key, cls in optim.OPTIMIZERS.items():
        assert cls.__name__.lower() == key
        assert issubclass(cls, optim.Optimizer)
    opt = optim.make_optimizer("Adam", [Value(1.0)], lr=0.1, amsgrad=True)
    assert isinstance(opt, optim.Adam)
    assert opt.lr == 0.1
    assert opt.defaults["amsgrad"] is True
    with pytest.raises(ValueError, match="valid names: sgd, adagrad"):
        optim.make_optimizer("lbfgs", [Value(1.0)])


P = [Value(1.0)]
BAD_VALUES = [
    (lambda: optim.SGD(P, lr=-0.1), "lr must be >= 0"),
    (lambda: optim.Adam(P, lr=math.nan), "lr must be finite"),
    (lambda: optim.SGD(P, momentum=-0.9), "momentum must be >= 0"),
    (lambda: optim.RMSprop(P, momentum=-0.1), "momentum must be >= 0"),
    (lambda: optim.SGD(P, dampening=1.5), r"dampening must be in \[0, 1\]"),
    (lambda: optim.SGD(P, nesterov=True), "nesterov=True requires momentum > 0"),
    (lambda: optim.SGD(P, momentum=0.9, dampening=0.1, nesterov=True), "dampening == 0"),
    (lambda: optim.Adam(P, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\)"),
    (lambda: optim.AdamW(P, betas=(0.9, -0.1)), r"betas\[1\] must be in \[0, 1\)"),
    (lambda: optim.Adamax(P, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
    (lambda: optim.Adam(P, betas=(0.9, 0.99, 0.9)), "betas must be a pair"),
    (lambda: optim.Adam(P, eps=-1e-8), "eps must be >= 0"),
    (lambda: optim.Adagrad(P, eps=-1.0), "eps must be >= 0"),
    (lambda: optim.RMSprop(P, eps=-1.0), "eps must be >= 0"),
    (lambda: optim.Adadelta(P, eps=-1.0), "eps must be >= 0"),
    (lambda: optim.SGD(P, weight_decay=-0.1), "weight_decay must be >= 0"),
    (lambda: optim.AdamW(P, weight_decay=-0.1), "weight_decay must be >= 0"),
    (lambda: optim.Adagrad(P, lr_decay=-0.1), "lr_decay must be >= 0"),
    (lambda: optim.Adagrad(P, initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda: optim.RMSprop(P, alpha=1.5), r"alpha must be in \[0, 1\]"),
    (lambda: optim.Adadelta(P, rho=-0.1), r"rho must be in \[0, 1\]"),
    (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda: optim.SGD(P + P), "same parameter more than once"),
    (lambda: setattr(optim.SGD(P), "lr", -1.0), "lr must be >= 0"),
    (lambda: optim.StepLR(optim.SGD(P), step_size=0), "step_size must be >= 1"),
    (lambda: optim.ExponentialLR(optim.SGD(P), gamma=0.0), "gamma must be > 0"),
    (lambda: optim.clip_grad_norm(P, -1.0), "max_norm must be a number >= 0"),
    (lambda: optim.clip_grad_norm(P, math.nan), "max_norm must be a number >= 0"),
    (lambda: optim.clip_grad_norm(P, 1.0, norm_type=0), "norm_type must be a positive number"),
    (lambda: optim.make_optimizer("lbfgs", P), "unknown optimizer 'lbfgs'"),
]
BAD_TYPES = [
    (lambda: optim.Adam(P, lr="fast"), "lr must be a real number, got str 'fast'"),
    (lambda: optim.SGD(P, lr=True), "lr must be a real number, got bool"),
    (lambda: optim.Adam(P, betas=0.9), "betas must be a pair"),
    (lambda: optim.Adam(P, betas=(0.9, "x")), r"betas\[1\] must be a real number"),
    (lambda: optim.Adam(P, amsgrad="yes"), "amsgrad must be True or False"),
    (lambda: optim.SGD(P, maximize=1), "maximize must be True or False"),
    (lambda: optim.Adam([1.0, 2.0]), "item 0 is float"),
    (lambda: optim.Adam(Value(1.0)), "wrap it in"),
    (lambda: optim.Adam(3), "iterable of Values, got int"),
    (lambda: setattr(optim.SGD(P), "lr", "x"), "lr must be a real number"),
    (lambda: optim.StepLR(optim.SGD(P), step_size=2.5), "step_size must be an integer"),
    (lambda: optim.ExponentialLR(optim.SGD(P), gamma="x"), "gamma must be a real number"),
    (lambda: optim.ExponentialLR(object(), gamma=0.5), "needs an autograd_lite.optim.Optimizer"),
    (lambda: optim.clip_grad_norm([0.5], 1.0), "item 0 is float"),
    (lambda: optim.clip_grad_norm(P, "1"), "max_norm must be a real number"),
    (lambda: optim.clip_grad_norm(P, 1.0, error_if_nonfinite=None), "error_if_nonfinite"),
    (lambda: optim.make_optimizer(None, P), "name must be a string, got NoneType"),
]


@pytest.mark.parametrize(("build", "match"), BAD_VALUES, ids=[m for _, m in BAD_VALUES])
def test_bad_values_raise_value_error(build, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize(("build", "match"), BAD_TYPES, ids=[m for _, m in BAD_TYPES])
def test_bad_types_raise_type_error(build, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        build()


def test_numpy_real_scalars_are_accepted_wherever_a_number_is() -> None:
    params = [Value(1.0), Value(-2.0)]
    opt = optim.SGD(params, lr=np.float32(0.5), momentum=np.float64(0.9))
    assert type(opt.lr) is float and opt.lr == 0.5
    adam = optim.Adam([Value(1.0)], betas=(np.float32(0.5), np.float64(0.9)), eps=np.float64(0))
    assert adam.defaults["betas"] == (0.5, 0.9)
    sched = optim.StepLR(opt, step_size=np.int64(2), gamma=np.float32(0.5))
    assert type(sched.step_size) is int
    opt.lr = np.float64(0.25)
    params[0].grad, params[1].grad = np.float32(2.0), np.float64(-1.0)
    opt.step()
    assert [p.data for p in params] == [1.0 - 0.25 * 2.0, -2.0 + 0.25]
    assert all(type(p.data) is float for p in params)
    assert optim.clip_grad_norm(params, np.float32(1.0), norm_type=np.int64(1)) == 3.0


def test_clip_grad_norm_error_if_nonfinite() -> None:
    params = [Value(0.0), Value(0.0)]
    params[0].grad, params[1].grad = math.nan, 1.0
    with pytest.raises(ValueError, match="total norm"):
        optim.clip_grad_norm(params, 1.0, error_if_nonfinite=True)
    assert params[1].grad == 1.0
    assert math.isnan(optim.clip_grad_norm(params, 1.0))


def rosenbrock(x: Value, y: Value) -> Value:
    """Rosenbrock's banana function, minimum 0 at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


@pytest.mark.parametrize(
    ("name", "kw", "steps"),
    [("Adam", {"lr": 0.02}, 2000), ("SGD", {"lr": 5e-4, "momentum": 0.9}, 3000)],
)
def test_minimises_rosenbrock(name: str, kw: dict, steps: int) -> None:
    x, y = Value(-1.5), Value(2.0)
    opt = optim.make_optimizer(name, [x, y], **kw)
    start = rosenbrock(x, y).data
    for _ in range(steps):
        opt.zero_grad()
        rosenbrock(x, y).backward()
        opt.step()
    assert rosenbrock(x, y).data < 1e-3 * start
    assert math.hypot(x.data - 1.0, y.data - 1.0) < 0.1


def test_step_with_a_closure_matches_torch_and_records_the_graph_inside_no_grad() -> None:
    from autograd_lite import no_grad

    def rosenbrock(a, b):
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2

    params = [Value(-1.5), Value(2.0)]
    opt = optim.Adam(params, lr=0.05)

    def closure() -> Value:
        opt.zero_grad()
        loss = rosenbrock(*params)
        loss.backward()
        return loss

    tparams = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (-1.5, 2.0)]
    topt = torch.optim.Adam(tparams, lr=0.05, foreach=False)

    def tclosure() -> torch.Tensor:
        topt.zero_grad()
        loss = rosenbrock(*tparams)
        loss.backward()
        return loss

    for _ in range(20):
        with no_grad():  # the closure still builds its graph, as torch's does
            loss = opt.step(closure)
        tloss = topt.step(tclosure)
        assert isinstance(loss, Value) and loss.parents
        assert loss.data == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose([p.data for p in params], [p.item() for p in tparams], rtol=1e-10)


def test_step_without_a_closure_returns_none_and_a_non_callable_is_refused() -> None:
    p = Value(1.0)
    p.grad = 0.5
    opt = optim.SGD([p], lr=0.1)
    assert opt.step() is None and p.data == pytest.approx(0.95)
    with pytest.raises(TypeError, match="closure must be a callable"):
        opt.step(closure=1.0)
