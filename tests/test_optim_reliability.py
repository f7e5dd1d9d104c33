"""Nothing half-done: optimizer and scheduler steps and loads are all or nothing.

A step or a load that raises leaves every parameter, gradient, state entry and counter
bit-equal to before; errors are TypeError (wrong type) or ValueError (wrong value) and
name what was wrong; eps=0 meeting a zero gradient gives NaN as in torch, not an error.
"""

from __future__ import annotations

import inspect
import math
import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_optim_reference import CASE_IDS, CASES, REFERENCE

from autograd_lite import Value, optim

START = [0.5, -1.2, 2.0, 0.0]
POISONS = [
    pytest.param("x", TypeError, "must be a real number, got str 'x'", id="str"),
    pytest.param(None, TypeError, "must be a real number, got NoneType", id="None"),
    pytest.param(10**400, ValueError, "must fit in a float", id="huge-int"),
    pytest.param(object(), TypeError, "must be a real number, got object", id="object"),
]


def bits(obj: Any) -> Any:
    """`obj` with every float replaced by its 8 bytes: equal means bit-equal (NaN, -0.0)."""
    if isinstance(obj, float):
        return struct.pack("<d", obj)
    if isinstance(obj, dict):
        return {k: bits(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(bits(v) for v in obj)
    return obj


def snapshot(params: list[Value], opt: optim.Optimizer) -> tuple:
    """Everything a step may change, compared bit by bit (grads by identity)."""
    return (
        bits([p.data for p in params]),
        [id(p.grad) for p in params],
        bits(opt.state_dict()),
        [id(st) for st in opt.state],
    )


def warmed_up(name: str, kw: dict, steps: int = 3) -> tuple[list[Value], optim.Optimizer]:
    """An optimizer with a few steps behind it, so its state is not the initial one."""
    params = [Value(v, label=f"w{i}") for i, v in enumerate(START)]
    params[-1].label = "bias"
    opt = optim.make_optimizer(name, params, **kw)
    for k in range(steps):
        for i, p in enumerate(params):
            p.grad = math.sin(3 * k + i) - 0.2
        opt.step()
    return params, opt


@pytest.mark.parametrize(("poison", "error", "match"), POISONS)
@pytest.mark.parametrize(("name", "kw"), CASES, ids=CASE_IDS)
def test_a_bad_gradient_raises_naming_the_parameter_and_changes_nothing(
    name: str, kw: dict, poison: Any, error: type, match: str
) -> None:
    params, opt = warmed_up(name, kw)
    for p in params:
        p.grad = 0.25
    params[-1].grad = poison  # the last one: every other parameter would already be updated
    before = snapshot(params, opt)
    with pytest.raises(error, match=match) as info:
        opt.step()
    assert "parameter 3 ('bias').grad" in str(info.value)
    assert snapshot(params, opt) == before
    assert params[-1].grad is poison


def test_an_unlabelled_parameter_is_named_by_its_index_and_bad_data_is_refused_too() -> None:
    params = [Value(1.0), Value(2.0), Value(3.0)]
    opt = optim.Adam(params, lr=0.1)
    for p in params:
        p.grad = 1.0
    params[1].grad = "0.5"
    with pytest.raises(TypeError, match=r"^parameter 1\.grad must be a real number"):
        opt.step()
    params[1].grad = 0.5
    params[2].data = "3"
    before = snapshot(params, opt)
    with pytest.raises(TypeError, match=r"^parameter 2\.data must be a real number"):
        opt.step()
    assert snapshot(params, opt) == before


def test_numpy_and_int_gradients_step_like_the_same_floats() -> None:
    grads = [np.float32(0.5), np.float64(-1.5), 2, np.int64(-3)]
    results = []
    for gs in (grads, [float(g) for g in grads]):
        params = [Value(v) for v in START]
        opt = optim.Adam(params, lr=0.1)
        for p, g in zip(params, gs, strict=True):
            p.grad = g
        opt.step()
        results.append(bits([p.data for p in params] + [opt.state_dict()]))
    assert results[0] == results[1]


def test_clip_grad_norm_checks_every_gradient_before_scaling_any() -> None:
    params = [Value(0.0), Value(0.0, label="b"), Value(0.0)]
    for p, g in zip(params, [30.0, 40.0, None], strict=True):
        p.grad = g
    with pytest.raises(TypeError, match=r"parameter 2\.grad must be a real number"):
        optim.clip_grad_norm(params, 1.0)
    assert [p.grad for p in params] == [30.0, 40.0, None]


EPS_OPTIMIZERS = sorted(
    name for name, cls in optim.OPTIMIZERS.items() if "eps" in inspect.signature(cls).parameters
)


@pytest.mark.parametrize(
    "extra", [{}, {"momentum": 0.5}, {"amsgrad": True}, {"centered": True}], ids=str
)
@pytest.mark.parametrize("name", EPS_OPTIMIZERS)
def test_eps_zero_meeting_a_zero_gradient_gives_torch_nan_not_an_error(
    name: str, extra: dict
) -> None:
    torch = pytest.importorskip(
        "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
    )
    cls = optim.OPTIMIZERS[name]
    kw = {k: v for k, v in extra.items() if k in inspect.signature(cls).parameters}
    kw["eps"] = 0.0
    start = [0.0, 1.0, -2.0]
    # a parameter with zero gradient from the start (dead relu), one whose gradient dies
    # later, one that keeps learning
    grads = [[0.0, 0.5, 1.0], [0.0, 0.0, -1.0], [0.0, 0.0, 0.5]]
    params = [Value(v) for v in start]
    opt = cls(params, **kw)
    tparams = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    topt = getattr(torch.optim, REFERENCE[name].torch_name)(tparams, foreach=False, **kw)
    for row in grads:
        for p, tp, g in zip(params, tparams, row, strict=True):
            p.grad = g
            tp.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        topt.step()
        ours, theirs = [p.data for p in params], [tp.item() for tp in tparams]
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)
        for state, tp in zip(opt.state, tparams, strict=True):
            for key, value in state.items():
                expected = float(topt.state[tp][key])
                assert value == pytest.approx(expected, rel=1e-12, nan_ok=True), key
    assert math.isnan(params[0].data), "the dead parameter must be NaN, as in torch"


# ------------------------------------------------------------------ load_state_dict


def _adam_state() -> tuple[optim.Adam, dict]:
    params = [Value(1.0), Value(2.0)]
    opt = optim.Adam(params, lr=0.1, amsgrad=True)
    for p in params:
        p.grad = 0.5
    opt.step()
    return opt, opt.state_dict()


def _set(path: tuple, value: Any):
    """A mutation of a state dict: the entry at `path` set to `value`."""

    def mutate(sd: dict) -> dict:
        target = sd
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return sd

    return mutate


def _drop(path: tuple):
    """A mutation of a state dict: the entry at `path` removed."""

    def mutate(sd: dict) -> dict:
        target = sd
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return sd

    return mutate


LOAD_FAILURES = [
    (lambda sd: ["not", "a", "dict"], TypeError, "state_dict must be a dict from Adam"),
    (lambda sd: None, TypeError, "state_dict must be a dict"),
    (_drop(("state",)), ValueError, "keys 'optimizer', 'defaults', 'state'"),
    (lambda sd: {**sd, "optimizer": "SGD"}, ValueError, "is for 'SGD', not 'Adam'"),
    (lambda sd: {**sd, "defaults": 0.1}, TypeError, r"state_dict\['defaults'\] must be a dict"),
    (_drop(("defaults", "amsgrad")), ValueError, "defaults must have keys"),
    (_set(("defaults", "lr"), -1.0), ValueError, r"state_dict\['defaults'\]: lr must be >= 0"),
    (_set(("defaults", "lr"), "x"), TypeError, r"state_dict\['defaults'\]: lr must be a real"),
    (_set(("defaults", "betas"), (0.9,)), ValueError, "betas must be a pair"),
    (_set(("defaults", "amsgrad"), "yes"), TypeError, "amsgrad must be True or False"),
    (_set(("state",), "abc"), TypeError, r"state_dict\['state'\] must be a list"),
    (_drop(("state", 1)), ValueError, "state for 1 parameters"),
    (_set(("state", 1), 5), TypeError, r"state_dict\['state'\]\[1\] .* must be a dict"),
    (_set(("state", 0, "bogus"), 1.0), ValueError, "state for parameter 0 must be a dict"),
    (_drop(("state", 1, "exp_avg")), ValueError, "state for parameter 1"),
    (_set(("state", 0, "exp_avg"), "x"), TypeError, r"\[0\]\['exp_avg'\] must be a real"),
    (_set(("state", 1, "exp_avg_sq"), -1.0), ValueError, r"\[1\]\['exp_avg_sq'\] must be >= 0"),
    (_set(("state", 0, "max_exp_avg_sq"), -0.5), ValueError, "'max_exp_avg_sq'] must be >= 0"),
    (_set(("state", 0, "step"), -1.0), ValueError, r"\['step'\] must be a whole number >= 0"),
    (_set(("state", 0, "step"), 1.5), ValueError, r"\['step'\] must be a whole number >= 0"),
    (_set(("state", 0, "step"), math.inf), ValueError, r"\['step'\] must be finite"),
    (_set(("state", 0, "exp_avg"), 10**400), ValueError, "must fit in a float"),
]


@pytest.mark.parametrize(
    ("mutate", "error", "match"), LOAD_FAILURES, ids=[m for *_, m in LOAD_FAILURES]
)
def test_optimizer_load_state_dict_validates_before_changing_anything(
    mutate, error: type, match: str
) -> None:
    opt, sd = _adam_state()
    bad = mutate(sd)
    before = bits(opt.state_dict())
    with pytest.raises(error, match=match):
        opt.load_state_dict(bad)
    assert bits(opt.state_dict()) == before


def test_optimizer_load_state_dict_accepts_nan_and_inf_moments_as_torch_produces_them() -> None:
    opt, sd = _adam_state()
    sd["state"][0].update(exp_avg=math.nan, exp_avg_sq=math.inf)
    opt.load_state_dict(sd)
    assert math.isnan(opt.state[0]["exp_avg"]) and opt.state[0]["exp_avg_sq"] == math.inf


# ------------------------------------------------------------------------ schedulers


def _scheduler(kind: str) -> optim.LRScheduler:
    opt = optim.SGD([Value(1.0)], lr=0.5)
    if kind == "StepLR":
        return optim.StepLR(opt, step_size=2, gamma=0.5)
    return optim.ExponentialLR(opt, gamma=0.5)


def sched_snapshot(sched: optim.LRScheduler) -> Any:
    return bits((sched.state_dict(), sched.optimizer.state_dict(), sched.get_last_lr()))


@pytest.mark.parametrize(
    ("build", "spoil", "error", "match"),
    [
        (
            lambda opt: optim.ExponentialLR(opt, gamma=1e300),
            lambda s: None,
            ValueError,
            "learning rate for epoch 2 must be finite, got inf",
        ),
        (
            lambda opt: optim.ExponentialLR(opt, gamma=0.5),
            lambda s: setattr(s, "gamma", "x"),
            TypeError,
            None,
        ),
        (
            lambda opt: optim.StepLR(opt, step_size=1, gamma=0.5),
            lambda s: setattr(s, "gamma", -1.0),
            ValueError,
            "learning rate for epoch 2 must be >= 0, got -0.5",
        ),
    ],
    ids=["overflow", "bad-gamma-type", "negative-rate"],
)
def test_a_scheduler_step_that_raises_advances_nothing(build, spoil, error, match) -> None:
    sched = build(optim.SGD([Value(1.0)], lr=1.0))
    sched.step()
    spoil(sched)
    before = sched_snapshot(sched)
    with pytest.raises(error, match=match):
        sched.step()
    assert sched.last_epoch == 1
    assert sched_snapshot(sched) == before


SCHEDULER_LOAD_FAILURES = [
    ("StepLR", lambda sd: 3, TypeError, "state_dict must be a dict from StepLR"),
    ("StepLR", lambda sd: {**sd, "step_size": 0}, ValueError, r"'step_size'\] must be >= 1"),
    ("StepLR", lambda sd: {**sd, "step_size": 2.0}, TypeError, r"'step_size'\] must be an int"),
    ("StepLR", lambda sd: {**sd, "gamma": "x"}, TypeError, r"'gamma'\] must be a real number"),
    ("ExponentialLR", lambda sd: {**sd, "gamma": 0.0}, ValueError, r"'gamma'\] must be > 0"),
    ("ExponentialLR", lambda sd: {**sd, "gamma": math.nan}, ValueError, "must be finite"),
    ("ExponentialLR", lambda sd: {**sd, "last_epoch": -1}, ValueError, "'last_epoch'] must be"),
    ("ExponentialLR", lambda sd: {**sd, "last_epoch": "1"}, TypeError, "must be an integer"),
    ("ExponentialLR", lambda sd: {**sd, "base_lr": -0.1}, ValueError, r"'base_lr'\] must be >="),
    ("StepLR", lambda sd: {**sd, "_last_lr": [0.1, 0.2]}, ValueError, "one learning rate, got 2"),
    ("StepLR", lambda sd: {**sd, "_last_lr": 0.1}, TypeError, "must be a list of one"),
    ("StepLR", lambda sd: {**sd, "_last_lr": ["x"]}, TypeError, r"\[0\] must be a real number"),
    ("StepLR", lambda sd: {**sd, "scheduler": "ExponentialLR"}, ValueError, "not 'StepLR'"),
    ("StepLR", lambda sd: {**sd, "extra": 1}, ValueError, r"unexpected \['extra'\]"),
]


@pytest.mark.parametrize(
    ("kind", "mutate", "error", "match"),
    SCHEDULER_LOAD_FAILURES,
    ids=[m for *_, m in SCHEDULER_LOAD_FAILURES],
)
def test_scheduler_load_state_dict_validates_before_changing_anything(
    kind: str, mutate, error: type, match: str
) -> None:
    sched = _scheduler(kind)
    sched.step()
    other = _scheduler(kind)
    for _ in range(3):
        other.step()
    bad = mutate(other.state_dict())  # a state differing in every position entry
    before = sched_snapshot(sched)
    with pytest.raises(error, match=match):
        sched.load_state_dict(bad)
    assert sched_snapshot(sched) == before


# ------------------------------------------------------------------ the property test

FINITE = st.floats(-1e6, 1e6)
GRADIENT = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(10**6), 10**6)
    | FINITE.map(np.float32)
)
POISON = st.sampled_from(["x", None, 10**400, -(10**400), object(), 1j, True, [0.5]])


@settings(max_examples=200, deadline=None)  # about 1 s in all; no wall-clock limits in tests
@given(data=st.data())
def test_a_step_either_succeeds_or_raises_and_changes_nothing(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(optim.OPTIMIZERS)), label="optimizer")
    kw = data.draw(REFERENCE[name].hyperparameters, label="hyperparameters")
    n = data.draw(st.integers(1, 5), label="parameters")
    params = [Value(x) for x in data.draw(st.lists(FINITE, min_size=n, max_size=n))]
    opt = optim.make_optimizer(name, params, **kw)
    for grads in data.draw(st.lists(st.lists(GRADIENT, min_size=n, max_size=n), max_size=3)):
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()  # valid gradients, NaN and inf included: never an error
    for p, g in zip(params, data.draw(st.lists(GRADIENT, min_size=n, max_size=n)), strict=True):
        p.grad = g
    poisoned = data.draw(st.none() | st.integers(0, n - 1), label="poisoned parameter")
    if poisoned is not None:
        setattr(params[poisoned], data.draw(st.sampled_from(["grad", "data"])), data.draw(POISON))
    steps_before = [st_.get("step") for st_ in opt.state]
    before = snapshot(params, opt)
    try:
        opt.step()
    except (TypeError, ValueError) as exc:
        assert poisoned is not None, f"a valid step raised {exc!r}"
        assert f"parameter {poisoned}" in str(exc)
        assert snapshot(params, opt) == before
    else:
        assert poisoned is None, "a poisoned step succeeded"
        assert all(type(p.data) is float for p in params)
        for old, state in zip(steps_before, opt.state, strict=True):
            assert old is None or state["step"] == old + 1
