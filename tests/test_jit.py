"""``jit``: the compiled program computes what the eager engine computes, for new inputs.

Acceptance of the jit issue: random expressions over every op of ``ops.OPS`` (the table
is enumerated, so a new op is drawn because it exists) give the eager forward value and
``backward()`` gradients, inf and nan included, at argument values other than the traced
ones; a model's parameters accumulate ``.grad`` as eager backward does and the next call
sees an optimizer's update; a comparison in ``fn`` re-traces when its branch flips; the
source runs on its own; ``detect_anomaly`` raises in jitted code; big programs are split.
"""

from __future__ import annotations

import doctest
import gc
import importlib
import linecache
import math
import operator
import sys
import traceback
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, detect_anomaly, grad
from autograd_lite.jit import codegen, jit
from autograd_lite.losses import mse
from autograd_lite.nn import MLP
from autograd_lite.ops import OPS
from autograd_lite.optim import SGD
from autograd_lite.testing import expressions

# How a test builds a node of each op through the public Value API. Ops named by an
# identifier are Value methods (``x.tanh()``); the others are Python's operators.
_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "neg": operator.neg,
    "abs": abs,
    "sum": lambda *xs: Value.sum([*xs, 0.5]),
    "dot": lambda a, b, c: Value.dot([a, b], [c, -1.5], bias=0.25),
}
_ARITY = {"+": 2, "-": 2, "*": 2, "/": 2, "**": 2, "sum": 3, "dot": 3}


def _builder(op: str):
    if op in _OPERATORS:
        return _ARITY.get(op, 1), _OPERATORS[op]
    method = getattr(Value, op, None)
    if method is None:
        return None
    return 1, method  # unary, its other operands (leaky_relu's slope) at their defaults


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300) or a == b


def test_every_op_can_be_drawn() -> None:
    missing = [op for op in OPS if _builder(op) is None]
    assert not missing, f"no way to build a node of {missing}: add it to _OPERATORS"


NUMBER = st.one_of(
    st.floats(-3.0, 3.0, allow_nan=False),
    st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.0, math.inf, -math.inf, math.nan]),
)


@st.composite
def programs(draw: st.DrawFn):
    """(fn, captured Value, example args, new args): a random graph over every op."""
    n = draw(st.integers(1, 3))
    steps = []
    for k in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(sorted(OPS)))
        arity, _ = _builder(op)
        steps.append((op, [draw(st.integers(0, n + k)) for _ in range(arity)]))
    captured = Value(draw(NUMBER), "c")

    def fn(*xs: Value) -> Value:
        nodes = [*xs, captured]
        for op, args in steps:
            nodes.append(_builder(op)[1](*[nodes[i] for i in args]))
        return nodes[-1]

    example = draw(st.lists(NUMBER, min_size=n, max_size=n))
    new = draw(st.lists(NUMBER, min_size=n, max_size=n))
    return fn, captured, example, new


def _eager(fn, captured: Value, args: list[float], gradient: float):
    captured.grad = 0.0
    xs = [Value(a) for a in args]
    out = fn(*xs)
    if not isinstance(out, Value) or not out.parents:
        return None
    out.backward(gradient)
    return out.data, [x.grad for x in xs], captured.grad


def _check_against_eager(j, fn, captured: Value, args: list[float], gradient: float) -> None:
    expected = _eager(fn, captured, args, gradient)
    if expected is None:
        return
    value, grads, captured_grad = expected
    assert _close(j(*args), value)
    captured.grad = 0.0
    out, d_args = j.backward(*args, gradient=gradient)
    assert _close(out, value)
    assert len(d_args) == len(grads)
    for got, want in zip(d_args, grads):
        assert _close(got, want), (got, want)
    assert _close(captured.grad, captured_grad)


@settings(max_examples=150)
@given(programs(), st.sampled_from([1.0, -0.5, 3.0]))
def test_random_programs_over_every_op_match_eager_at_new_arguments(case, gradient) -> None:
    fn, captured, example, new = case
    try:
        j = jit(fn, *example)
    except TypeError:  # the expression's output is a leaf: nothing to compile
        return
    _check_against_eager(j, fn, captured, new, gradient)
    _check_against_eager(j, fn, captured, example, gradient)
    assert len(j.sources) == 1  # the ops' branches are code: no re-trace


@settings(max_examples=60)
@given(expressions(max_steps=8), st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_the_libraries_expression_strategy_matches_eager(case, new) -> None:
    fn, inputs = case
    new = new[: len(inputs)]
    j = jit(fn, *inputs)
    dummy = Value(0.0)
    _check_against_eager(j, fn, dummy, new, 1.0)
    _check_against_eager(j, fn, dummy, inputs, 2.0)


@settings(max_examples=40)
@given(programs())
def test_programs_split_into_many_functions_still_match_eager(case) -> None:
    fn, captured, example, new = case
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(codegen, "MAX_STATEMENTS", 3)  # splitting exercised on small graphs
        try:
            j = jit(fn, *example)
        except TypeError:
            return
    if j.source.count("    def ") > 3:
        assert "def _f0(S):" in j.source
    _check_against_eager(j, fn, captured, new, 1.0)


# ------------------------------------------------------------------- parameters
def _mlp_loss(model: MLP):
    def loss(x0: float, x1: float, y: float) -> Value:
        d = model([x0, x1]) - y
        return d * d

    return loss


def test_mlp_loss_accumulates_into_grad_exactly_as_eager_and_sees_optimizer_steps() -> None:
    model = MLP(2, [4, 3, 1], activation="tanh", seed=1)
    twin = MLP(2, [4, 3, 1], activation="tanh", seed=1)
    loss = _mlp_loss(model)
    j = jit(loss, 0.5, -0.25, 1.0)
    assert "layers_0_neurons_0_w_0.grad +=" in j.source  # parameters by module path
    opt, twin_opt = SGD(model.parameters(), lr=0.1), SGD(twin.parameters(), lr=0.1)
    samples = [(0.3, -1.2, 1.0), (-0.7, 0.4, -1.0), (1.5, 0.1, 0.5)]
    for _ in range(3):
        opt.zero_grad()
        twin_opt.zero_grad()
        for x0, x1, y in samples:  # gradients accumulate over samples, as in a batch
            value, _ = j.backward(x0, x1, y, gradient=0.5)
            eager = _mlp_loss(twin)(Value(x0), Value(x1), y)
            eager.backward(0.5)
            assert value == eager.data
        for p, q in zip(model.parameters(), twin.parameters()):
            assert p.grad == q.grad  # same products added in the same order: bit-equal
        opt.step()
        twin_opt.step()
    assert j(0.3, -1.2, 1.0) == _mlp_loss(twin)(Value(0.3), Value(-1.2), 1.0).data
    assert [p.data for p in model.parameters()] == [q.data for q in twin.parameters()]


def test_parameters_are_found_in_the_closure_and_listed_in_module_order() -> None:
    model = MLP(1, [2, 1], seed=0)
    j = jit(lambda x: model([x]) * 2.0, 0.5)
    assert j.parameters == model.parameters()


# ------------------------------------------------------------------------ guards
def test_a_comparison_in_fn_retraces_when_its_branch_flips() -> None:
    def f(x: Value, y: Value) -> Value:
        if x > 0:
            return x * y
        return (x - y).tanh()

    j = jit(f, 1.0, 2.0)
    assert j(3.0, 2.0) == 6.0 and len(j.sources) == 1
    assert j(-1.0, 2.0) == math.tanh(-3.0) and len(j.sources) == 2
    assert j.backward(-1.0, 2.0)[1] == (1.0 - math.tanh(-3.0) ** 2, -(1.0 - math.tanh(-3.0) ** 2))
    assert j(4.0, 0.5) == 2.0 and len(j.sources) == 2  # both traces are cached
    assert "if not (x > 0.0): return None  # guard" in j.sources[0]
    assert "if x > 0.0: return None  # guard" in j.sources[1]


def test_comparisons_between_values_and_builtins_that_compare_are_guards() -> None:
    j = jit(lambda a, b: max(a, b) * 2.0, 1.0, 2.0)
    assert j(5.0, 2.0) == 10.0
    assert j(1.0, 3.0) == 6.0
    assert j.backward(5.0, 2.0)[1] == (2.0, 0.0)
    assert j.backward(1.0, 3.0)[1] == (0.0, 2.0)


def test_a_guard_on_an_inner_node_is_checked_where_it_is_computed() -> None:
    def f(x: Value) -> Value:
        h = x * x - 1.0
        return h.log() if h > 0 else (-h).sqrt()

    j = jit(f, 3.0)
    for x in (3.0, 0.5, -2.0, 0.0):
        assert j(x) == f(Value(x)).data


def test_reading_an_arguments_number_warns_and_is_guarded() -> None:
    with pytest.warns(UserWarning, match="reads the number of a Value"):
        j = jit(lambda p, y: mse([p * 2.0], [y]), 1.0, 0.5)  # mse takes y.data: a constant
    assert j(1.0, 0.5) == 2.25
    assert j(1.0, 0.7) == pytest.approx(1.69, rel=1e-15)  # a new trace for the new target
    assert len(j.sources) == 2


# ------------------------------------------------------------------------ source
def test_source_runs_on_its_own_in_a_fresh_namespace() -> None:
    w, b = Value(0.8, "w"), Value(-0.1, "b")

    def neuron(x: Value, y: Value) -> Value:
        z = w * x + b
        z.label = "z"
        a = z.sigmoid()
        a.label = "a"
        return -(y * a.log() + (1.0 - y) * (1.0 - a).log())

    j = jit(neuron, 0.5, 1.0)
    namespace: dict = {}
    exec(j.source, namespace)  # only what the source imports itself
    forward, backward = namespace["make"](j.parameters)
    assert forward(2.0, 0.0) == j(2.0, 0.0)
    w.grad = b.grad = 0.0
    independent = backward(2.0, 0.0, 1.0)
    grads = (w.grad, b.grad)
    w.grad = b.grad = 0.0
    assert independent == j.backward(2.0, 0.0) and grads == (w.grad, b.grad) != (0.0, 0.0)
    d_x = independent[1][0]
    assert "d_z = d_a * (a * (1.0 - a))" in j.source  # the sigmoid's rule, written out
    # dz = a - y: the hand derivation of the logistic neuron with cross-entropy
    a = 1.0 / (1.0 + math.exp(-(0.8 * 2.0 - 0.1)))
    assert d_x == pytest.approx((a - 0.0) * 0.8, rel=1e-12)


def test_source_reads_like_a_hand_derivation() -> None:
    j = jit(lambda x: (x * 2.0).tanh(), 0.5)
    backward = j.source.split("def backward")[1]
    assert "d_t1 = gradient" in backward
    assert "d_t0 = d_t1 * (1.0 - t1 * t1)" in backward
    assert "d_x = d_t0 * 2.0" in backward
    compile(j.source, "<test>", "exec")


def test_wrong_number_of_arguments_is_a_type_error() -> None:
    j = jit(lambda x, y: x * y, 1.0, 2.0)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        j(1.0)
    with pytest.raises(TypeError, match="must return a Value"):
        jit(lambda x: 3.0, 1.0)


# ---------------------------------------------------------------------- anomaly
def test_detect_anomaly_raises_in_jitted_code_naming_the_op() -> None:
    j = jit(lambda x: (x.log() * 2.0).exp(), 2.0)
    assert j(0.0) == 0.0  # outside detect_anomaly inf and nan just propagate
    with detect_anomaly(), pytest.raises(FloatingPointError, match="forward of 'log' gave -inf"):
        j(0.0)
    s = jit(lambda x: x.sqrt(), 1.0)
    with detect_anomaly(), pytest.raises(FloatingPointError) as jitted:
        s.backward(0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError) as eager:
        Value(0.0, "x").sqrt().backward()
    assert str(jitted.value) == str(eager.value)


# ------------------------------------------------------------------- big graphs
def test_a_deep_chain_is_split_into_functions_and_matches_eager() -> None:
    def chain(x: Value) -> Value:
        for _ in range(2000):
            x = (x * 1.0001 + 0.0001).tanh()
        return x

    j = jit(chain, 0.5)
    assert j.source.count("def _f") > 1
    x = Value(0.3)
    y = chain(x)
    y.backward()
    assert j.backward(0.3) == (y.data, (x.grad,))


def test_docstring_examples_run() -> None:
    # the package, not the function ``autograd_lite.jit`` that the top level exports
    for module in (importlib.import_module("autograd_lite.jit"), codegen):
        assert doctest.testmod(module, raise_on_error=True).failed == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jit(lambda x: x * 2.0, 1.0)


def test_tracebacks_show_the_programs_lines_while_it_lives() -> None:
    j = jit(lambda x: x * 2.0, 1.0)
    program = j._programs[0]
    try:
        program.forward("not a number")
    except TypeError as err:
        text = "".join(traceback.format_exception(err))
    assert "t0 = x * 2.0" in text
    filenames = [f for f in linecache.cache if f.startswith("<jit ")]
    del j, program
    gc.collect()
    assert len([f for f in linecache.cache if f.startswith("<jit ")]) < len(filenames)


def test_the_cache_of_traces_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules["autograd_lite.jit"], "MAX_TRACES", 2)
    j = jit(lambda x: x * 2.0 if x > 1 else (x * 3.0 if x > 0 else x * 4.0), 2.0)
    assert (j(2.0), j(0.5), j(-1.0)) == (4.0, 1.5, -4.0)
    assert len(j.sources) == 2
    assert j(2.0) == 4.0  # made again


def test_truth_of_a_value_is_a_guard() -> None:
    j = jit(lambda x, y: x * y if x else y.exp(), 0.0, 1.0)
    assert j(0.0, 1.0) == math.e and len(j.sources) == 1
    assert j(2.0, 3.0) == 6.0 and len(j.sources) == 2
    assert "if x: return None  # guard" in j.sources[0]
    assert "if not x: return None  # guard" in j.sources[1]


def test_a_list_of_outputs_gives_a_tuple_and_takes_one_gradient_per_output() -> None:
    j = jit(lambda x, y: [x * y, (x + y).tanh()], 0.5, 2.0)
    assert j(1.5, -0.5) == (-0.75, math.tanh(1.0))
    out, (d_x, d_y) = j.backward(1.5, -0.5, gradient=[1.0, 2.0])
    x, y = Value(1.5), Value(-0.5)
    gx, gy = grad([x * y, (x + y).tanh()], [x, y], grad_outputs=[1.0, 2.0])
    assert out == (-0.75, math.tanh(1.0))
    assert (d_x, d_y) == pytest.approx((gx.data, gy.data), rel=1e-15)


def test_tracing_leaves_values_comparisons_as_they_were_even_when_fn_raises() -> None:
    names = ("__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__")
    before = {n: Value.__dict__.get(n) for n in names}

    def broken(x: Value) -> Value:
        if x > 0:
            raise ZeroDivisionError("inside fn")
        return x

    with pytest.raises(ZeroDivisionError, match="inside fn"):
        jit(broken, 1.0)
    jit(lambda x: x * 2.0 if x > 0 else x, 1.0)
    assert {n: Value.__dict__.get(n) for n in names} == before
