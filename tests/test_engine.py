"""The Value contract: construction, operators, IEEE numerics, backward semantics, modes."""

from __future__ import annotations

import gc
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from autograd_lite import (
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    topological_order,
)
from autograd_lite.engine import apply
from autograd_lite.ops import OPS

# ------------------------------------------------------------------ construction


@pytest.mark.parametrize(
    "data, expected",
    [
        (3, 3.0),
        (2.5, 2.5),
        (True, 1.0),
        (False, 0.0),
        (np.float32(1.5), 1.5),
        (np.float64(-2.25), -2.25),
        (np.int64(7), 7.0),
        (np.uint8(200), 200.0),
        (np.bool_(True), 1.0),
        (np.array(4.5), 4.5),
        (np.array(3, dtype=np.int32), 3.0),
    ],
)
def test_constructor_accepts_real_scalars(data, expected):
    v = Value(data)
    assert type(v.data) is float
    assert v.data == expected
    assert type(v.grad) is float and v.grad == 0.0


@pytest.mark.parametrize(
    "bad",
    [
        "1.0",
        None,
        1 + 2j,
        np.complex128(1),
        [1.0],
        (1.0,),
        np.array([1.0]),
        np.zeros((2, 2)),
        np.array("x"),
        Value(1.0),
    ],
    ids=lambda b: type(b).__name__,
)
def test_constructor_rejects_everything_else(bad):
    with pytest.raises(TypeError) as err:
        Value(bad)
    message = str(err.value)
    assert type(bad).__name__ in message
    assert "int, float, bool" in message


def test_huge_int_raises_overflow_error():
    with pytest.raises(OverflowError):
        Value(10**400)


def test_attributes_and_repr():
    a = Value(2.0, label="a")
    b = a * 3
    assert a.is_leaf and a.op == "" and a.parents == ()
    assert not b.is_leaf and b.op == "*" and b.parents == (a,)
    assert b.operands == (a, 3)
    assert b.label == ""
    assert "data=2" in repr(a) and "grad=0" in repr(a) and "'a'" in repr(a)


def test_identity_semantics():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b, a}) == 2
    d = {a: "a", b: "b"}
    assert d[a] == "a" and d[b] == "b"


# -------------------------------------------------------------------- operators


@pytest.mark.parametrize(
    "build, op, value",
    [
        (lambda a, b: a + b, "+", 5.0),
        (lambda a, b: a - b, "-", -1.0),
        (lambda a, b: a * b, "*", 6.0),
        (lambda a, b: a / b, "/", 2 / 3),
        (lambda a, b: a**b, "**", 8.0),
        (lambda a, b: -a, "neg", -2.0),
        (lambda a, b: abs(-a), "abs", 2.0),
    ],
)
def test_each_operator_is_one_named_node(build, op, value):
    a, b = Value(2.0), Value(3.0)
    out = build(a, b)
    assert out.op == op
    assert out.data == pytest.approx(value)


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda x: 1 + x, 3.0),
        (lambda x: 1 - x, -1.0),
        (lambda x: 3 * x, 6.0),
        (lambda x: 1 / x, 0.5),
        (lambda x: 2**x, 4.0),
        (lambda x: x**2, 4.0),
        (lambda x: np.float64(3) * x, 6.0),
        (lambda x: x * np.int32(3), 6.0),
        (lambda x: np.float64(1) - x, -1.0),
    ],
)
def test_mixed_arithmetic_with_numbers(build, expected):
    x = Value(2.0)
    out = build(x)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(expected)
    out.backward()
    h = 1e-6
    numeric = (build(Value(2.0 + h)).data - build(Value(2.0 - h)).data) / (2 * h)
    assert x.grad == pytest.approx(numeric, rel=1e-6)


def test_binary_minus_is_one_node_not_plus_and_neg():
    a, b = Value(1.0), Value(2.0)
    out = a - b
    assert out.op == "-" and out.parents == (a, b)


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1j])
def test_unsupported_operand_types_raise_pythons_type_error(bad):
    with pytest.raises(TypeError):
        Value(1.0) + bad
    with pytest.raises(TypeError):
        bad * Value(1.0)


def test_value_exponent_gradient_is_x_pow_y_log_x():
    x, y = Value(2.0), Value(3.0)
    out = x**y
    out.backward()
    assert x.grad == pytest.approx(3 * 2.0**2)
    assert y.grad == pytest.approx(8.0 * math.log(2.0))


def test_sum_and_dot_are_single_nodes():
    w = [Value(1.0), Value(2.0)]
    x = [Value(3.0), 4.0]
    b = Value(0.5)
    out = Value.dot(w, x, b)
    assert out.op == "dot" and out.parents == (w[0], w[1], x[0], b)
    assert out.operands == (w[0], w[1], x[0], 4.0, b)
    assert out.data == 1 * 3 + 2 * 4 + 0.5
    out.backward()
    assert [w[0].grad, w[1].grad, x[0].grad, b.grad] == [3.0, 4.0, 1.0, 1.0]
    s = Value.sum([w[0], 2.0, x[0]])
    assert s.op == "sum" and s.data == 6.0 and s.parents == (w[0], x[0])
    assert Value.sum([]).data == 0.0


def test_dot_length_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        Value.dot([Value(1.0), Value(1.0)], [1.0, 2.0, 3.0])


def test_dot_rejects_non_numbers_with_a_clear_error():
    with pytest.raises(TypeError, match="expected a Value or a real number, got str"):
        Value.dot([Value(1.0)], ["a"])


# ------------------------------------------------------------------ IEEE numerics


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda: Value(1000).exp(), math.inf),
        (lambda: Value(0).log(), -math.inf),
        (lambda: Value(-1).log(), math.nan),
        (lambda: Value(-8) ** (1 / 3), math.nan),
        (lambda: Value(1) / 0, math.inf),
        (lambda: Value(-1) / 0, -math.inf),
        (lambda: Value(0) / 0, math.nan),
        (lambda: Value(-1).sqrt(), math.nan),
        (lambda: Value(0) ** -1, math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(-10.0) ** 401, -math.inf),
        (lambda: Value(math.inf).sin(), math.nan),
        (lambda: Value(math.inf).cos(), math.nan),
        (lambda: Value(math.nan).relu(), math.nan),
    ],
)
def test_ieee_results_never_raise(build, expected):
    out = build()
    assert isinstance(out.data, float)
    if math.isnan(expected):
        assert math.isnan(out.data)
    else:
        assert out.data == expected
    out.backward()  # nor does differentiating them


@pytest.mark.parametrize("x", [1e308, -1e308, 710.0, -710.0, 0.0])
def test_sigmoid_and_softplus_are_overflow_free(x):
    s = Value(x).sigmoid().data
    sp = Value(x).softplus().data
    assert 0.0 <= s <= 1.0
    assert math.isfinite(sp) and sp >= 0.0
    assert s == pytest.approx(1 / (1 + math.exp(-x)) if abs(x) < 700 else float(x > 0))
    assert sp == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))


@pytest.mark.parametrize(
    "build, expected_grad",
    [
        (lambda x: x.relu(), 0.0),
        (lambda x: abs(x), 0.0),
        (lambda x: x.leaky_relu(), 0.01),
        (lambda x: x.leaky_relu(slope=0.2), 0.2),
    ],
)
def test_derivatives_at_kinks_follow_pytorch(build, expected_grad):
    x = Value(0.0)
    build(x).backward()
    assert x.grad == expected_grad


def test_relu_passes_the_gradient_through_nan_like_pytorch():
    x = Value(math.nan)
    x.relu().backward()
    assert x.grad == 1.0  # PyTorch zeroes the gradient only where x <= 0


def test_power_derivative_with_respect_to_exponent_is_zero_at_zero_base():
    x, y = Value(0.0), Value(2.0)
    (x**y).backward()
    assert y.grad == 0.0 and x.grad == 0.0


# ------------------------------------------------------------------------ backward


def test_diamond_gets_the_sum_of_all_paths():
    x = Value(3.0)
    a = x * x
    b = a + x
    c = a * b  # c = x^2 (x^2 + x) = x^4 + x^3
    c.backward()
    assert x.grad == 4 * 27 + 3 * 9


def test_leaves_accumulate_across_backward_calls():
    x = Value(2.0)
    y = x * x
    y.backward()
    y.backward()
    assert x.grad == 2 * (2 * 2.0)


def test_non_leaf_grads_hold_the_latest_call_only():
    x = Value(2.0)
    h = x * 3
    y = h * h
    y.backward()
    y.backward()
    assert h.grad == 2 * 6.0  # reset, not doubled (micrograd doubles it)
    assert y.grad == 1.0


def test_a_dead_relu_gives_its_neurons_inputs_exact_zero_gradients():
    w, x, b = [Value(0.5), Value(-2.0)], [Value(3.0), Value(1.0)], Value(0.1)
    out = Value.dot(w, x, b).relu() + Value.sum(x)  # dot = -0.4: the relu is dead
    out.backward()
    assert [v.grad for v in w] == [0.0, 0.0] and b.grad == 0.0
    assert [v.grad for v in x] == [1.0, 1.0]  # only the sum's path reaches x


def test_a_zero_upstream_gradient_still_turns_an_infinite_local_derivative_into_nan():
    # ``* 0`` sends back 0 to the dot node; d dot / d x = w = inf and 0 * inf is nan, as
    # in PyTorch: skipping zero gradients must not hide this.
    w, x = Value(math.inf), Value(0.0)
    (Value.dot([w], [x]) * 0.0).backward()
    assert math.isnan(x.grad) and w.grad == 0.0


def test_backward_touches_nothing_it_does_not_reach():
    x = Value(1.0)
    side = x * 5
    side.backward()
    other = x + 1
    other.backward()
    assert side.grad == 1.0  # the first graph's root was not reset by the second call
    assert x.grad == 5.0 + 1.0


def test_backward_gradient_argument_scales_everything():
    x = Value(2.0)
    y = x.tanh()
    y.backward(gradient=3.0)
    assert x.grad == pytest.approx(3.0 * (1 - math.tanh(2.0) ** 2))


def test_backward_on_a_leaf_accumulates_into_it():
    x = Value(2.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_topological_order_puts_parents_first_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0 + x
    order = topological_order(y)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(order) == 10001
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)


_MILLION_CHAIN = """
import json, resource
from autograd_lite import Value
x = Value(0.7)
y = x
for _ in range(1_000_000):
    y = (y * 0.999999).tanh()
y.backward()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
print(json.dumps({"y": y.data, "grad": x.grad, "peak_bytes": peak}))
"""


@pytest.mark.slow
def test_a_chain_of_a_million_nodes_runs_forward_and_backward_in_under_a_gigabyte():
    # A fresh process, so that its peak memory is this chain's alone.
    run = subprocess.run(
        [sys.executable, "-c", _MILLION_CHAIN], capture_output=True, text=True, check=True
    )
    result = json.loads(run.stdout)
    value, derivative = 0.7, 1.0  # the chain and its derivative, by hand in floats
    for _ in range(1_000_000):
        value = math.tanh(value * 0.999999)
        derivative *= 0.999999 * (1 - value * value)
    assert result["y"] == pytest.approx(value, rel=1e-12)
    assert result["grad"] == pytest.approx(derivative, rel=1e-9)
    assert result["peak_bytes"] < 2**30


def test_graphs_have_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = Value(0.3)
        w = [Value(0.1 * i) for i in range(4)]
        y = x
        for _ in range(200):
            y = Value.dot(w, [y, y.tanh(), 2.0, y.sigmoid()], bias=0.1).relu() ** 2 / 3 - 1
            y = Value.sum([y, x.exp(), 1.0])
        y.backward()
        del x, w, y
        assert gc.collect() == 0
    finally:
        gc.enable()


# --------------------------------------------------------------------------- modes


def test_no_grad_records_no_parents_as_context_and_decorator():
    x = Value(2.0)
    with no_grad():
        y = x * 3 + 1
    assert y.is_leaf and y.op == "" and y.parents == () and y.data == 7.0

    @no_grad()
    def f(v: Value) -> Value:
        return Value.dot([v], [2.0]).tanh()

    z = f(x)
    assert z.is_leaf and z.data == pytest.approx(math.tanh(4.0))
    assert (x * 3).parents == (x,)  # recording is back on afterwards


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(RuntimeError), no_grad():
        raise RuntimeError
    assert (Value(1.0) * 2).op == "*"


def test_detach_is_a_new_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * 3).detach()
    assert y.is_leaf and y.data == 6.0
    z = y * x
    z.backward()
    assert x.grad == 6.0 and y.grad == 2.0


def test_detect_anomaly_names_the_forward_op_and_its_inputs():
    a = Value(1000.0, label="a")
    with detect_anomaly(), pytest.raises(FloatingPointError) as err:
        (a * 1.0).exp()
    message = str(err.value)
    assert "'exp'" in message and "1000.0" in message and "'a'" not in message
    assert "<unlabeled>" in message
    with detect_anomaly(), pytest.raises(FloatingPointError, match=r"'log'.*0\.0.*'z'"):
        Value(0.0, label="z").log()


def test_detect_anomaly_names_the_backward_contribution():
    x = Value(0.0, label="x")
    y = x.sqrt()  # forward is finite (0), its derivative 0.5/0 is not
    with detect_anomaly(), pytest.raises(FloatingPointError) as err:
        y.backward()
    message = str(err.value)
    assert "backward of 'sqrt'" in message and "'x'" in message


def test_outside_detect_anomaly_non_finite_values_propagate():
    x = Value(0.0)
    y = x.sqrt()
    y.backward()
    assert x.grad == math.inf
    with detect_anomaly():
        pass
    assert math.isinf(Value(1000.0).exp().data)


@pytest.mark.parametrize("number", [np.float64(3.0), np.float32(3.0), np.int64(3), np.bool_(True)])
def test_numpy_numbers_become_python_floats_inside_nodes(number):
    x = Value(2.0)
    for out in (x * number, number * x, Value.dot([x], [number]), Value.sum([x, number])):
        assert type(out.data) is float
        assert all(type(o) in (float, int) for o in out.operands if not isinstance(o, Value))


def test_ordering_compares_data_and_equality_stays_identity():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5
    assert 2.5 > b  # noqa: SIM300 (the reflected comparison is what is tested)
    assert not (a > b) and Value(1.0) >= 1.0
    assert a != Value(1.0)
    assert sorted([b, a]) == [a, b]


def test_is_grad_enabled_follows_no_grad():
    from autograd_lite import is_grad_enabled

    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_enable_grad_records_again_inside_no_grad_and_restores_the_mode():
    x = Value(2.0)
    with no_grad():
        with enable_grad():
            y = x * x
            assert is_grad_enabled()
        assert not is_grad_enabled()
        z = x * x
    assert y.parents == (x, x) and not z.parents

    @enable_grad()
    def square(v: Value) -> Value:
        return v * v

    with no_grad():
        assert square(x).parents == (x, x)


def test_is_anomaly_enabled_follows_detect_anomaly():
    assert not is_anomaly_enabled()
    with detect_anomaly():
        assert is_anomaly_enabled()
    assert not is_anomaly_enabled()


@pytest.mark.parametrize("name", ["__add__", "__rtruediv__", "__pow__", "__neg__", "tanh"])
def test_generated_methods_are_named_as_methods_of_value(name: str) -> None:
    # what tracebacks, help() and profilers show
    method = getattr(Value, name)
    assert (method.__name__, method.__qualname__) == (name, f"Value.{name}")


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_registry_op_is_a_method_of_value(name: str) -> None:
    op = OPS[name]
    names = {"infix": [op.dunder, f"__r{op.dunder[2:]}"], "prefix": [op.dunder]}.get(
        op.syntax, [name] + ([op.dunder] if op.dunder else [])
    )
    for method in names:
        assert getattr(Value, method).__qualname__ == f"Value.{method}"


# ------------------------------------------------------ bad input (issue: reliability)


@pytest.mark.parametrize(
    ("data", "truth"), [(0.0, False), (-0.0, False), (2.0, True), (math.nan, True)]
)
def test_bool_of_a_value_is_its_data_like_a_0d_tensor(data, truth):
    assert bool(Value(data)) is truth


@pytest.mark.parametrize("bad", ["x", None, [1.0], 1 + 2j])
def test_backward_checks_gradient_before_resetting_any_grad(bad):
    x = Value(3.0)
    h = x * x
    y = h + x
    y.backward()
    before = (x.grad, h.grad, y.grad)
    with pytest.raises(TypeError, match="gradient"):
        y.backward(gradient=bad)
    assert (x.grad, h.grad, y.grad) == before


@pytest.mark.parametrize("gradient", [np.float32(2.0), np.int64(2), Value(2.0), 2])
def test_backward_accepts_numpy_numbers_and_values_as_gradient(gradient):
    x = Value(3.0)
    (x * x).backward(gradient=gradient)
    assert x.grad == 12.0


@pytest.mark.parametrize("label", [3, None, b"x", ["x"]])
def test_label_must_be_a_string(label):
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=label)


@pytest.mark.parametrize("slope", ["a", None, [0.1]])
def test_leaky_relu_slope_must_be_a_number(slope):
    with pytest.raises(TypeError, match="slope"):
        Value(-1.0).leaky_relu(slope)


def test_parameters_accept_numpy_numbers_and_keywords():
    assert Value(-1.0).leaky_relu(np.float32(0.5)).data == -0.5
    assert Value(-1.0).leaky_relu(slope=np.float64(0.25)).data == -0.25
    with pytest.raises(TypeError, match="alpha"):
        Value(-1.0).leaky_relu(alpha=0.1)


def test_nodes_made_by_ops_set_every_field_that_init_sets():
    """Ops build nodes with ``engine._node``, not ``__init__`` (speed): a field added to one
    and forgotten in the other fails here."""
    x = Value(1.0, label="x")
    leaf = Value(2.0)
    nodes = [x * 2, 2 - x, x.tanh(), x.leaky_relu(0.1), Value.sum([x, x, 1.0]), Value.dot([x], [x])]
    with no_grad():
        nodes.append(x * 2)
    for node in nodes:
        for slot in Value.__slots__:
            assert hasattr(node, slot), slot
        kinds = {
            slot: type(getattr(node, slot)) for slot in ("data", "grad", "label", "op", "parents")
        }
        assert kinds == {slot: type(getattr(leaf, slot)) for slot in kinds}


def test_float_of_a_value_is_its_data_like_float_of_a_tensor():
    # kept as in PyTorch; a rule that leans on it (math.cos(x)) is caught by test_ops's
    # second-derivative check against torch
    assert float(Value(2.5)) == 2.5


def test_apply_names_an_unknown_op_and_a_wrong_operand_count():
    with pytest.raises(ValueError, match="unknown op 'tan'"):
        apply("tan", Value(1.0))
    with pytest.raises(TypeError, match="tanh takes 1 operands, got 2"):
        apply("tanh", Value(1.0), 2.0)
    assert apply("leaky_relu", Value(-1.0)).data == -0.01  # the parameter's default
