"""``grad`` (incl. higher order), ``gradcheck``, ``gradgradcheck`` and the testing helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import find, given, settings

from autograd_lite import (
    GradcheckError,
    Value,
    detect_anomaly,
    grad,
    gradcheck,
    gradgradcheck,
    no_grad,
)
from autograd_lite.gradcheck import numeric_grad
from autograd_lite.ops import OPS
from autograd_lite.testing import RandomExpression, Step, assert_grads_close, expressions


def box_volume(x: Value) -> Value:
    """V(x) = 45 x^2 - 2 x^3: the volume of an open box folded from a 30 x 30 sheet."""
    return 45 * x**2 - 2 * x**3


def test_box_problem_first_and_second_derivatives():
    x = Value(15.0)
    (dv,) = grad(box_volume(x), x, create_graph=True)
    (d2v,) = grad(dv, x)
    assert dv.data == 0.0  # 90x - 6x^2 vanishes at x = 15
    assert d2v.data == -90.0  # 90 - 12x < 0: a maximum


def test_third_derivative_and_newtons_method():
    x = Value(0.3)
    y = x.sin() * x.exp()
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    # (sin x e^x)''' = 2 e^x (cos x - sin x)
    assert d3.data == pytest.approx(2 * math.exp(0.3) * (math.cos(0.3) - math.sin(0.3)), rel=1e-12)

    x = 10.0  # Newton's method on V'(x) = 0 finds the stationary point x = 15
    for _ in range(8):
        v = Value(x)
        (first,) = grad(box_volume(v), v, create_graph=True)
        (second,) = grad(first, v)
        x -= first.data / second.data
    assert x == pytest.approx(15.0, abs=1e-12)


def test_hessian_entries():
    a, b = Value(1.5), Value(-0.5)
    f = a * a * b + (a * b).sin()
    da, db = grad(f, [a, b], create_graph=True)
    h_aa, h_ab = grad(da, [a, b])
    h_ba, h_bb = grad(db, [a, b])
    s, c = math.sin(1.5 * -0.5), math.cos(1.5 * -0.5)
    assert h_aa.data == pytest.approx(2 * -0.5 - 0.25 * s)
    assert h_ab.data == pytest.approx(h_ba.data)
    assert h_ab.data == pytest.approx(2 * 1.5 + c - 1.5 * -0.5 * s)
    assert h_bb.data == pytest.approx(-(1.5**2) * s)


def test_grad_does_not_touch_any_grad_and_unreached_inputs_get_zero():
    x, y, unrelated = Value(2.0), Value(3.0), Value(7.0)
    out = x * y
    gx, gy, gu = grad(out, [x, y, unrelated])
    assert (gx.data, gy.data, gu.data) == (3.0, 2.0, 0.0)
    assert all(isinstance(g, Value) for g in (gx, gy, gu))
    assert x.grad == y.grad == out.grad == 0.0


def test_grad_outputs_weigh_several_outputs():
    x = Value(2.0)
    outs = [x * x, x.exp()]
    (g,) = grad(outs, x, grad_outputs=[3.0, Value(0.5)])
    assert g.data == pytest.approx(3.0 * 4.0 + 0.5 * math.exp(2.0))
    with pytest.raises(ValueError, match="2 outputs"):
        grad(outs, x, grad_outputs=[1.0])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value"):
        grad(outs[0], [1.0])


@pytest.mark.parametrize(
    ("call", "error", "argument"),
    [
        (lambda y, x: grad(y, 3.0), TypeError, "inputs"),
        (lambda y, x: grad(3.0, x), TypeError, "outputs"),
        (lambda y, x: grad(y, "x"), TypeError, "inputs"),
        (lambda y, x: grad(y, x, grad_outputs=2.0), TypeError, "grad_outputs"),
        (lambda y, x: grad(y, x, grad_outputs=Value(2.0)), TypeError, "grad_outputs"),
        (lambda y, x: grad(y, x, grad_outputs=[None]), TypeError, r"grad_outputs\[0\]"),
        (
            lambda y, x: grad(y, x, grad_outputs=[None], create_graph=True),
            TypeError,
            r"grad_outputs\[0\]",
        ),
        (lambda y, x: grad(y, x, grad_outputs=["1"]), TypeError, r"grad_outputs\[0\]"),
        (lambda y, x: grad(y, x, grad_outputs=[1.0, 2.0]), ValueError, "grad_outputs"),
        (lambda y, x: grad(y, x, create_graph="yes"), TypeError, "create_graph"),
    ],
)
def test_grad_names_the_bad_argument(call, error, argument):
    x = Value(2.0)
    with pytest.raises(error, match=argument):
        call(x * x, x)


def test_grad_accepts_numpy_weights():
    x = Value(2.0)
    (g,) = grad(x * x, x, grad_outputs=[np.float32(0.5)])
    assert g.data == 2.0


@pytest.mark.parametrize("create_graph", [False, True])
def test_detect_anomaly_also_checks_grad(create_graph):
    x = Value(0.0, label="x")
    y = x.sqrt()
    assert grad(y, x, create_graph=create_graph)[0].data == math.inf  # outside: it propagates
    with detect_anomaly(), pytest.raises(FloatingPointError, match="backward of 'sqrt'"):
        grad(y, x, create_graph=create_graph)


def test_grad_without_create_graph_returns_leaves():
    x = Value(2.0)
    (g,) = grad(x.tanh(), x)
    assert g.is_leaf


def test_gradcheck_passes_and_reports_a_table_on_mismatch():
    assert gradcheck(lambda a, b: (a * b).tanh() + a / b, [0.4, 1.3])

    def wrong(a: Value) -> Value:
        out = a.exp()
        out._local = 3.0  # a deliberately wrong chain rule: d exp(a)/da at 2 is e^2, not 3
        return out

    with pytest.raises(GradcheckError) as err:
        gradcheck(wrong, [2.0])
    message = str(err.value)
    assert "analytic" in message and "numeric" in message and "abs error" in message
    assert "x[0]" in message and " 3 " in message and "7.389056" in message


def test_gradgradcheck_catches_a_wrong_second_derivative(monkeypatch):
    assert gradgradcheck(lambda a, b: (a * b).sin() * a.exp(), [0.3, -0.8])
    assert gradgradcheck(box_volume, [15.0])

    def graphless_tanh_rule(xs, out):
        """Right value, but as a plain number even in create_graph mode: d2 comes out 0."""
        t = out.data if isinstance(out, Value) else out
        return (1.0 - t * t,)

    monkeypatch.setitem(OPS, "tanh", OPS["tanh"]._replace(derivative=graphless_tanh_rule))
    assert gradcheck(lambda a: a.tanh(), [0.7])  # first derivatives are still right
    with pytest.raises(GradcheckError, match="second derivative"):
        gradgradcheck(lambda a: a.tanh(), [0.7])


@pytest.mark.parametrize(
    ("keyword", "value", "error"),
    [
        ("eps", 0, ValueError),
        ("eps", -1e-6, ValueError),
        ("eps", math.nan, ValueError),
        ("eps", "small", TypeError),
        ("atol", -1, ValueError),
        ("atol", math.nan, ValueError),
        ("rtol", -0.5, ValueError),
    ],
)
@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_gradcheck_names_a_bad_tolerance(check, keyword, value, error):
    with pytest.raises(error, match=keyword):
        check(lambda a: a * a, [1.0], **{keyword: value})


def test_gradcheck_accepts_numpy_numbers():
    assert gradcheck(
        lambda a: a * a.sin(), [np.float32(0.5)], eps=np.float64(1e-6), atol=np.int64(0)
    )


def test_numeric_grad_names_a_bad_eps():
    with pytest.raises(ValueError, match="eps"):
        numeric_grad(lambda a: a * a, [1.0], eps=0.0)


def test_gradcheck_rejects_bad_arguments():
    with pytest.raises(TypeError, match="sequence"):
        gradcheck(lambda a: a, Value(1.0))
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck(lambda a: 1.0, [1.0])


@settings(max_examples=150)
@given(expressions())
def test_random_expression_graphs_pass_gradcheck(case):
    fn, inputs = case
    assert gradcheck(fn, inputs)


@settings(max_examples=40)
@given(expressions(max_inputs=2, max_steps=4))
def test_random_expression_graphs_pass_gradgradcheck(case):
    fn, inputs = case
    assert gradgradcheck(fn, inputs, atol=1e-4, rtol=1e-3)


def test_expressions_have_shared_subexpressions_and_print_as_programs():
    expression = RandomExpression(
        1,
        [
            Step("tanh", (0,), (False,)),
            Step("*", (1, 1), (False, False)),
            Step("/", (2, 0.5), (False, True)),
            Step("leaky_relu", (3,), (True,), (0.2,)),
        ],
    )
    out = expression(Value(0.5))
    t = math.tanh(0.5)
    divided = t * math.tanh(t) / -math.exp(math.tanh(0.5))
    assert out.data == pytest.approx(0.2 * -math.exp(math.tanh(divided)))
    assert repr(expression) == (
        "RandomExpression(t0 = tanh(x0); t1 = t0 * tanh(t0); t2 = t1 / -exp(tanh(0.5)); "
        "t3 = leaky_relu(-exp(tanh(t2)), 0.2))"
    )


@settings(max_examples=300)
@given(expressions())
def test_expressions_draw_only_registry_ops_and_finite_values(case):
    fn, inputs = case
    assert {step.op for step in fn.steps} <= set(OPS)
    assert math.isfinite(fn(*[Value(x) for x in inputs]).data)


def test_expressions_reach_every_op_of_the_registry():
    for op in OPS:
        find(expressions(), lambda case, op=op: any(s.op == op for s in case[0].steps))


def test_assert_grads_close_raises_assertion_error_with_the_table():
    def wrong(a: Value) -> Value:
        out = a.exp()
        out._local = 1.0
        return out

    assert_grads_close(lambda a: a.exp(), [0.5])
    with pytest.raises(AssertionError, match="analytic"):
        assert_grads_close(wrong, [0.5])


def test_create_graph_records_the_derivative_graph_even_inside_no_grad():
    x = Value(2.0)
    y = x**3
    with no_grad():
        (dy,) = grad(y, x, create_graph=True)
    assert dy.data == 12.0 and dy.parents  # 3 x^2, still a graph, as in PyTorch
    (d2y,) = grad(dy, x)
    assert d2y.data == 12.0  # 6 x


def test_backward_and_grad_walk_the_same_schedule(monkeypatch):
    from autograd_lite import autograd, walk
    from autograd_lite.engine import backward_steps

    x = Value(0.5, label="x")
    y = (x * x).tanh() + x.exp() * x
    order = walk.backward_order(y)
    assert list(backward_steps(y)) == order
    seen = []

    def spy(roots):
        seen.append(walk.backward_order(roots))
        return seen[-1]

    monkeypatch.setattr(autograd, "backward_order", spy)
    (g,) = grad(y, x)
    assert seen == [order] and g.data == x.grad
