"""Losses against PyTorch (float64) and, for the Keras-only ones, numpy formulas plus
finite differences; stability at extreme inputs; every ValueError; the metrics."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, gradcheck
from autograd_lite import losses as L

SETTINGS = settings(max_examples=30, deadline=None)
REDUCTIONS = ["mean", "sum", "none"]
TOL = {"rtol": 1e-9, "atol": 1e-9}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip(
        "torch", reason="PyTorch oracle not installed: pip install torch==2.13.0"
    )


# ----------------------------------------------------------------------- helpers
def leaves(data: Any) -> Any:
    """Nested lists of floats -> the same nesting of leaf Values."""
    if isinstance(data, list):
        return [leaves(x) for x in data]
    return Value(float(data))


def grads(nodes: Any) -> Any:
    if isinstance(nodes, list):
        return [grads(x) for x in nodes]
    return nodes.grad


def ours(
    loss: Callable, pred: Any, target: Any, reduction: str, weights: list[float], **kw: Any
) -> tuple[np.ndarray, np.ndarray]:
    """Loss value(s) and d(loss)/d(pred); for "none", the gradient of sum_i w_i loss_i."""
    xs = leaves(pred)
    out = loss(xs, target, reduction=reduction, **kw)
    if reduction == "none":
        assert isinstance(out, list) and all(isinstance(v, Value) for v in out)
        Value.dot(weights[: len(out)], out).backward()
        value = np.array([v.data for v in out])
    else:
        assert isinstance(out, Value)
        out.backward()
        value = np.array(out.data)
    return value, np.array(grads(xs))


def theirs(
    torch: Any, fn: Callable, pred: Any, reduction: str, weights: list[float]
) -> tuple[np.ndarray, np.ndarray]:
    x = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    out = fn(x, reduction)
    if reduction == "none":
        w = torch.tensor(weights[: out.numel()], dtype=torch.float64).reshape(out.shape)
        (out * w).sum().backward()
    else:
        out.backward()
    return out.detach().numpy(), x.grad.numpy()


def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


WEIGHTS = st.lists(floats(-2.0, 2.0), min_size=40, max_size=40)


@st.composite
def pairs(draw, pred: st.SearchStrategy, target: st.SearchStrategy, **kwargs):
    """(predictions, targets, kwargs) of one random length 1..8."""
    n = draw(st.integers(1, 8))
    p = draw(st.lists(pred, min_size=n, max_size=n))
    t = draw(st.lists(target, min_size=n, max_size=n))
    return p, t, {k: draw(v) for k, v in kwargs.items()}


@st.composite
def logit_rows(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    z = draw(st.lists(st.lists(floats(-50, 50), min_size=c, max_size=c), min_size=n, max_size=n))
    return z, draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), {}


@st.composite
def distributions(draw, n: int, c: int, lo: float) -> list[list[float]]:
    """n probability rows of c entries, each entry >= lo before normalising."""
    w = np.array(
        draw(st.lists(st.lists(floats(lo, 1), min_size=c, max_size=c), min_size=n, max_size=n))
    )
    w[:, 0] += 0.01  # at least one positive entry per row
    return (w / w.sum(axis=1, keepdims=True)).tolist()


@st.composite
def kl_rows(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    p = draw(distributions(n, c, 0.0))  # zeros allowed in the target
    q = draw(distributions(n, c, 0.01))
    return q, p, {}


@st.composite
def nonzero_target_pairs(draw):
    """(predictions, targets, {}) with every target at least 0.5 away from 0 and every
    prediction at least 0.01 away from its target (|d| has a derivative there)."""
    n = draw(st.integers(1, 8))
    t = [draw(floats(0.5, 10)) * draw(st.sampled_from([-1, 1])) for _ in range(n)]
    d = [draw(floats(0.01, 5)) * draw(st.sampled_from([-1, 1])) for _ in range(n)]
    return [a + b for a, b in zip(t, d, strict=True)], t, {}


@st.composite
def onehot_probability_rows(draw):
    """(probability rows, one-hot target rows, {})."""
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    p = draw(distributions(n, c, 0.05))
    k = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return p, np.eye(c)[k].tolist(), {}


class Case(NamedTuple):
    loss: Callable
    torch_fn: Callable  # (torch, x, target, reduction, kwargs) -> tensor
    inputs: st.SearchStrategy
    reductions: tuple[str, ...] = tuple(REDUCTIONS)


def _F(torch):
    return torch.nn.functional


def _tensor(torch, data):
    return torch.tensor(data, dtype=torch.float64)


def _manual(out, reduction):
    return out.mean() if reduction == "mean" else out.sum() if reduction == "sum" else out


REGRESSION = pairs(floats(-10, 10), floats(-10, 10))
TORCH_CASES = {
    "mae": Case(
        L.mae, lambda tc, x, t, r, kw: _F(tc).l1_loss(x, _tensor(tc, t), reduction=r), REGRESSION
    ),
    "mse": Case(
        L.mse, lambda tc, x, t, r, kw: _F(tc).mse_loss(x, _tensor(tc, t), reduction=r), REGRESSION
    ),
    "rmse": Case(
        L.rmse,
        lambda tc, x, t, r, kw: tc.sqrt(_F(tc).mse_loss(x, _tensor(tc, t))),
        # keep the root away from 0, where sqrt has no derivative
        pairs(floats(0.5, 10), floats(-10, -0.5)),
        reductions=("mean",),
    ),
    "pseudo_huber": Case(
        L.pseudo_huber,
        lambda tc, x, t, r, kw: _manual(
            kw["delta"] ** 2 * (tc.sqrt(1 + ((x - _tensor(tc, t)) / kw["delta"]) ** 2) - 1), r
        ),
        pairs(floats(-10, 10), floats(-10, 10), delta=floats(0.1, 5)),
    ),
    "log_cosh": Case(
        L.log_cosh,
        lambda tc, x, t, r, kw: _manual(tc.log(tc.cosh(x - _tensor(tc, t))), r),
        pairs(floats(-20, 20), floats(-20, 20)),
    ),
    "mape": Case(
        L.mape,
        lambda tc, x, t, r, kw: _manual(
            100 * tc.abs(x - _tensor(tc, t)) / tc.abs(_tensor(tc, t)), r
        ),
        nonzero_target_pairs(),
    ),
    "categorical_cross_entropy": Case(
        L.categorical_cross_entropy,
        lambda tc, x, t, r, kw: _manual(
            -(_tensor(tc, t) * tc.log((x / x.sum(dim=1, keepdim=True)).clamp(1e-7, 1 - 1e-7))).sum(
                dim=1
            ),
            r,
        ),
        onehot_probability_rows(),
    ),
    "huber": Case(
        L.huber,
        lambda tc, x, t, r, kw: _F(tc).huber_loss(x, _tensor(tc, t), reduction=r, **kw),
        pairs(floats(-10, 10), floats(-10, 10), delta=floats(0.1, 5)),
    ),
    "binary_cross_entropy": Case(
        L.binary_cross_entropy,
        lambda tc, x, t, r, kw: _F(tc).binary_cross_entropy(x, _tensor(tc, t), reduction=r),
        pairs(floats(1e-6, 1 - 1e-6), floats(0, 1)),
    ),
    "binary_cross_entropy_with_logits": Case(
        L.binary_cross_entropy_with_logits,
        lambda tc, x, t, r, kw: _F(tc).binary_cross_entropy_with_logits(
            x, _tensor(tc, t), reduction=r
        ),
        pairs(floats(-100, 100), floats(0, 1)),
    ),
    "hinge": Case(
        L.hinge,
        lambda tc, x, t, r, kw: _manual(tc.relu(1 - _tensor(tc, t) * x), r),
        pairs(floats(-3, 3), st.sampled_from([-1.0, 1.0])),
    ),
    "squared_hinge": Case(
        L.squared_hinge,
        lambda tc, x, t, r, kw: _manual(tc.relu(1 - _tensor(tc, t) * x) ** 2, r),
        pairs(floats(-3, 3), st.sampled_from([-1.0, 1.0])),
    ),
    "cross_entropy": Case(
        L.cross_entropy,
        lambda tc, x, t, r, kw: _F(tc).cross_entropy(x, tc.tensor(t), reduction=r),
        logit_rows(),
    ),
    "kl_divergence": Case(
        L.LOSSES["kl_divergence"],  # (q, p) order; kl_divergence(p, q) tested below
        lambda tc, q, p, r, kw: (
            _F(tc).kl_div(q.log(), _tensor(tc, p), reduction="none").sum(dim=-1)
            if r == "none"
            else _F(tc).kl_div(q.log(), _tensor(tc, p), reduction="batchmean" if r == "mean" else r)
        ),
        kl_rows(),
    ),
}


# ------------------------------------------------------------ against PyTorch
def test_every_registered_loss_has_a_torch_row():
    """A loss added to the registry without a row in TORCH_CASES fails here, by name."""
    assert sorted(L.REGISTRY) == sorted(TORCH_CASES), "add a TORCH_CASES row for each loss"
    for name, case in TORCH_CASES.items():
        assert L.LOSSES[name] is case.loss


@pytest.mark.parametrize(
    ("name", "reduction"),
    [(name, r) for name, case in TORCH_CASES.items() for r in case.reductions],
)
@SETTINGS
@given(data=st.data(), weights=WEIGHTS)
def test_value_and_gradient_equal_torch(torch, name, reduction, data, weights):
    case = TORCH_CASES[name]
    pred, target, kw = data.draw(case.inputs)
    value, grad = ours(case.loss, pred, target, reduction, weights, **kw)
    t_value, t_grad = theirs(
        torch, lambda x, r: case.torch_fn(torch, x, target, r, kw), pred, reduction, weights
    )
    np.testing.assert_allclose(value, t_value, **TOL)
    np.testing.assert_allclose(grad, t_grad, **TOL)


@SETTINGS
@given(data=st.data())
def test_rmse_is_sqrt_of_torch_mse(torch, data):
    pred, target, _ = data.draw(REGRESSION)
    pred[0] = target[0] + 0.5  # keep the root away from 0, where sqrt has no derivative
    value, grad = ours(L.rmse, pred, target, "mean", [])
    t_value, t_grad = theirs(
        torch,
        lambda x, r: torch.sqrt(torch.nn.functional.mse_loss(x, _tensor(torch, target))),
        pred,
        "mean",
        [],
    )
    np.testing.assert_allclose(value, t_value, **TOL)
    np.testing.assert_allclose(grad, t_grad, **TOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(data=st.data(), weights=WEIGHTS)
def test_kl_divergence_target_first_equals_torch_batchmean(torch, reduction, data, weights):
    q, p, _ = data.draw(kl_rows())
    qs = leaves(q)
    out = L.kl_divergence(p, qs, reduction=reduction)
    registry = L.LOSSES["kl_divergence"](q, p, reduction=reduction)
    if reduction == "none":
        assert [v.data for v in out] == [v.data for v in registry]
        Value.dot(weights[: len(out)], out).backward()
    else:
        assert out.data == registry.data
        out.backward()
    tq = torch.tensor(q, dtype=torch.float64, requires_grad=True)
    r = {"mean": "batchmean", "sum": "sum", "none": "none"}[reduction]
    t_out = torch.nn.functional.kl_div(tq.log(), _tensor(torch, p), reduction=r)
    if reduction == "none":
        t_out = t_out.sum(dim=-1)
        (t_out * _tensor(torch, weights[: len(out)])).sum().backward()
        np.testing.assert_allclose([v.data for v in out], t_out.detach().numpy(), **TOL)
    else:
        t_out.backward()
        np.testing.assert_allclose(out.data, t_out.item(), **TOL)
    np.testing.assert_allclose(grads(qs), tq.grad.numpy(), **TOL)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(logits=st.lists(floats(-50, 50), min_size=1, max_size=6), data=st.data())
def test_cross_entropy_single_row_like_torch_1d(torch, reduction, logits, data):
    k = data.draw(st.integers(0, len(logits) - 1))
    xs = leaves(logits)
    out = L.cross_entropy(xs, k, reduction=reduction)
    out = out[0] if reduction == "none" else out
    out.backward()
    tx = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    t_out = torch.nn.functional.cross_entropy(tx, torch.tensor(k), reduction=reduction)
    t_out.backward()
    np.testing.assert_allclose(out.data, t_out.item(), **TOL)
    np.testing.assert_allclose(grads(xs), tx.grad.numpy(), **TOL)


# ------------------------------------------------ Keras-only: numpy + gradcheck
def _numpy_reduce(per_sample: np.ndarray, reduction: str) -> np.ndarray:
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](per_sample)


def _check_formula_and_gradcheck(loss, flat, shape, target, reduction, weights, expected, **kw):
    """Value equals the numpy formula; gradients pass central differences."""

    def build(*vals):
        rows = np.array(vals, dtype=object).reshape(shape).tolist() if shape else list(vals)
        out = loss(rows, target, reduction=reduction, **kw)
        return Value.dot(weights[: len(out)], out) if reduction == "none" else out

    out = loss(
        np.array(flat).reshape(shape).tolist() if shape else flat,
        target,
        reduction=reduction,
        **kw,
    )
    got = [v.data for v in out] if reduction == "none" else out.data
    np.testing.assert_allclose(got, _numpy_reduce(expected, reduction), rtol=1e-9, atol=1e-12)
    assert gradcheck(build, flat, eps=1e-7)


@st.composite
def probability_rows(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    p = draw(distributions(n, c, 0.05))
    k = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return p, k


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(rows=probability_rows(), weights=WEIGHTS)
def test_categorical_cross_entropy_keras_formula(reduction, rows, weights):
    p, k = rows
    p_np = np.array(p)
    onehot = np.eye(p_np.shape[1])[k]
    clipped = np.clip(p_np / p_np.sum(axis=1, keepdims=True), 1e-7, 1 - 1e-7)
    expected = -(onehot * np.log(clipped)).sum(axis=1)
    _check_formula_and_gradcheck(
        L.categorical_cross_entropy,
        p_np.ravel().tolist(),
        p_np.shape,
        onehot.tolist(),
        reduction,
        weights,
        expected,
    )
    # Keras's gradient, by hand: d/dp_i -sum_j y_j log(p_j / S) = -y_i / p_i + sum_j y_j / S
    xs = leaves(p)
    out = L.categorical_cross_entropy(xs, onehot, reduction=reduction)
    n = len(p)
    row_weights = {"mean": [1 / n] * n, "sum": [1.0] * n, "none": weights[:n]}[reduction]
    (Value.dot(row_weights, out) if reduction == "none" else out).backward()
    by_hand = -onehot / p_np + onehot.sum(axis=1, keepdims=True) / p_np.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(grads(xs), np.array(row_weights)[:, None] * by_hand, **TOL)
    by_index = L.categorical_cross_entropy(p, k, reduction=reduction)
    by_onehot = L.categorical_cross_entropy(p, onehot, reduction=reduction)
    if reduction == "none":
        assert [v.data for v in by_index] == [v.data for v in by_onehot]
    else:
        assert by_index.data == by_onehot.data


def test_categorical_cross_entropy_clips_like_keras():
    p = [leaves([0.0, 1.0])]
    out = L.categorical_cross_entropy(p, [[1.0, 0.0]])
    out.backward()
    assert out.data == pytest.approx(-math.log(1e-7), rel=1e-12)
    assert grads(p) == [[0.0, 0.0]]  # tf.clip_by_value passes no gradient when clipped


@st.composite
def nonzero_targets(draw):
    n = draw(st.integers(1, 8))
    t = [draw(floats(0.5, 10)) * draw(st.sampled_from([-1, 1])) for _ in range(n)]
    d = [draw(floats(0.01, 5)) * draw(st.sampled_from([-1, 1])) for _ in range(n)]
    return [a + b for a, b in zip(t, d, strict=True)], t


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(pair=nonzero_targets(), weights=WEIGHTS)
def test_mape_keras_formula(reduction, pair, weights):
    pred, t = pair
    expected = 100 * np.abs(np.array(t) - pred) / np.abs(t)
    _check_formula_and_gradcheck(L.mape, pred, None, t, reduction, weights, expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(data=st.data(), weights=WEIGHTS)
def test_log_cosh_formula(reduction, data, weights):
    pred, t, _ = data.draw(pairs(floats(-20, 20), floats(-20, 20)))
    expected = np.log(np.cosh(np.array(pred) - t))
    _check_formula_and_gradcheck(L.log_cosh, pred, None, t, reduction, weights, expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@SETTINGS
@given(data=st.data(), weights=WEIGHTS)
def test_pseudo_huber_formula(reduction, data, weights):
    pred, t, kw = data.draw(pairs(floats(-10, 10), floats(-10, 10), delta=floats(0.1, 5)))
    delta = kw["delta"]
    expected = delta**2 * (np.sqrt(1 + ((np.array(pred) - t) / delta) ** 2) - 1)
    _check_formula_and_gradcheck(
        L.pseudo_huber, pred, None, t, reduction, weights, expected, delta=delta
    )


# --------------------------------------------------------------- stability
def test_bce_with_logits_is_finite_at_extreme_logits(torch):
    x, t = [1000.0, -1000.0, 1000.0, -1000.0, 1000.0], [0.0, 1.0, 1.0, 0.0, 0.5]
    value, grad = ours(L.binary_cross_entropy_with_logits, x, t, "sum", [])
    t_value, t_grad = theirs(
        torch,
        lambda v, r: torch.nn.functional.binary_cross_entropy_with_logits(
            v, _tensor(torch, t), reduction=r
        ),
        x,
        "sum",
        [],
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, t_value, **TOL)
    np.testing.assert_allclose(grad, t_grad, **TOL)


def test_bce_at_probability_0_and_1_costs_100_like_torch(torch):
    p, t = [0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0]
    value, grad = ours(L.binary_cross_entropy, p, t, "none", [1.0] * 4)
    t_value = torch.nn.functional.binary_cross_entropy(
        _tensor(torch, p), _tensor(torch, t), reduction="none"
    )
    np.testing.assert_allclose(value, t_value.numpy(), **TOL)
    assert value.tolist() == [100.0, 100.0, 0.0, 0.0]
    assert np.all(np.isfinite(grad))


def test_cross_entropy_is_finite_at_extreme_logits(torch):
    z, k = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], [1, 2]
    value, grad = ours(L.cross_entropy, z, k, "mean", [])
    t_value, t_grad = theirs(
        torch, lambda x, r: torch.nn.functional.cross_entropy(x, torch.tensor(k)), z, "mean", []
    )
    np.testing.assert_allclose(value, t_value, **TOL)
    np.testing.assert_allclose(grad, t_grad, **TOL)


def test_pseudo_huber_keeps_tiny_errors_exact():
    d = 1e-9  # the naive sqrt(1 + d^2) - 1 rounds to 0 here
    assert L.pseudo_huber([d], [0.0]).data == pytest.approx(d * d / 2, rel=1e-12)


def test_log_cosh_does_not_overflow():
    out = L.log_cosh([1000.0, -1000.0], [0.0, 0.0], reduction="none")
    assert [v.data for v in out] == pytest.approx([1000 - math.log(2)] * 2, rel=1e-15)


# ------------------------------------------------------------- input forms
def test_numpy_inputs_are_flattened_not_broadcast():
    pred = leaves([0.5, -1.0, 2.0])
    flat = L.mse(pred, [1.0, 0.0, 2.0])
    column = L.mse(pred, np.array([[1.0], [0.0], [2.0]]))
    assert column.data == flat.data == pytest.approx((0.25 + 1.0 + 0.0) / 3)


def test_single_value_and_value_targets_are_constants():
    pred, target = Value(3.0), Value(1.0)
    out = L.mse(pred, target)
    out.backward()
    assert (out.data, pred.grad, target.grad) == (4.0, 4.0, 0.0)


def test_float_predictions_give_a_value():
    assert isinstance(L.mae([1.0, 2.0], np.array([0.0, 0.0])), Value)


# ---------------------------------------------------------------- errors
BAD_INPUTS = [
    (L.mse, ([1.0, 2.0], [1.0]), {}, "length mismatch: 2 predictions but 1 targets"),
    (L.mae, ([], []), {}, "empty input"),
    (L.mse, ([1.0], [1.0]), {"reduction": "avg"}, "unknown reduction 'avg'"),
    (L.rmse, ([1.0], [1.0]), {"reduction": "sum"}, "only reduction='mean'"),
    (L.mse, ([1.0], [math.nan]), {}, "targets must be finite"),
    (L.huber, ([1.0], [1.0]), {"delta": 0.0}, "huber: delta must be > 0, got 0.0"),
    (L.pseudo_huber, ([1.0], [1.0]), {"delta": -1.0}, "pseudo_huber: delta must be > 0"),
    (L.mape, ([1.0, 2.0], [1.0, 0.0]), {}, r"non-zero .* targets\[1\] = 0"),
    (L.binary_cross_entropy, ([0.5], [1.5]), {}, r"targets must be in \[0, 1\]"),
    (L.binary_cross_entropy, ([1.2], [1.0]), {}, r"predictions must be probabilities"),
    (L.binary_cross_entropy_with_logits, ([3.0], [-1.0]), {}, r"targets must be in \[0, 1\]"),
    (L.hinge, ([0.5], [0.0]), {}, "targets must be -1 or \\+1"),
    (L.squared_hinge, ([0.5], [0.5]), {}, "targets must be -1 or \\+1"),
    (L.cross_entropy, ([[1.0, 2.0]], [2]), {}, "class index out of range"),
    (L.cross_entropy, ([[1.0, 2.0]], [-1]), {}, "class index out of range"),
    (L.cross_entropy, ([[1.0, 2.0]], [0.5]), {}, "class index out of range"),
    (L.cross_entropy, ([[1.0, 2.0]], [0, 1]), {}, "length mismatch"),
    (L.cross_entropy, ([[0.3], [-0.2]], [1, 0]), {}, "one class: for two classes give the"),
    (L.cross_entropy, ([[1.0, 2.0], [1.0]], [0, 0]), {}, "rows differ in length"),
    (L.cross_entropy, ([], []), {}, "empty input"),
    (L.categorical_cross_entropy, ([[0.5, 0.6]], [[1, 0]]), {}, "sums to"),
    (L.categorical_cross_entropy, ([[1.5, -0.5]], [[1, 0]]), {}, "negative"),
    (L.categorical_cross_entropy, ([[0.5, 0.5]], [[1, 0, 0]]), {}, "shape mismatch"),
    (L.categorical_cross_entropy, ([[0.5, 0.5]], [[1, 1]]), {}, "targets row 0 sums to"),
    (L.categorical_cross_entropy, ([[0.5, 0.5]], [3]), {}, "class index out of range"),
    (L.kl_divergence, ([[0.5, 0.5]], [[0.9, 0.2]]), {}, "predictions q row 0 sums to"),
    (L.kl_divergence, ([[0.7, 0.7]], [[0.5, 0.5]]), {}, "targets p row 0 sums to"),
    (L.accuracy, ([1, 0], [1]), {}, "length mismatch"),
    (L.zero_one_loss, ([], []), {}, "empty input"),
    (L.get_loss, ("nope",), {}, "unknown loss 'nope'"),
]


@pytest.mark.parametrize(("fn", "args", "kwargs", "match"), BAD_INPUTS)
def test_bad_input_raises_value_error_saying_which(fn, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kwargs)


@pytest.mark.parametrize(
    ("fn", "args", "kwargs", "match"),
    [
        (L.accuracy, (None, None), {}, "y_true must be a sequence or array of labels"),
        (L.accuracy, ([None], [None]), {}, r"y_true\[0\] must be a number or a string"),
        (L.accuracy, ([1], None), {}, "y_pred must be a sequence or array of labels"),
        (L.mse, ([1.0], [1.0]), {"reduction": None}, "reduction must be one of"),
        (L.huber, ([1.0], [1.0]), {"delta": "a"}, "delta must be a real number"),
        (L.get_loss, (None,), {}, "loss must be a string"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_argument(fn, args, kwargs, match):
    with pytest.raises(TypeError, match=match):
        fn(*args, **kwargs)


def test_non_numeric_input_raises_type_error():
    with pytest.raises(TypeError, match="predictions must be Values or real numbers"):
        L.mse(["a"], [1.0])
    with pytest.raises(TypeError, match="targets must be real numbers"):
        L.mse([1.0], [None])


# --------------------------------------------------------------- metrics
@SETTINGS
@given(data=st.data())
def test_accuracy_and_zero_one_loss_count_matches(data):
    n = data.draw(st.integers(1, 30))
    y_true = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    y_pred = data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n))
    expected = float(np.mean(y_true == np.array(y_pred)))
    assert L.accuracy(y_true, [Value(v) for v in y_pred]) == pytest.approx(expected, abs=1e-15)
    assert L.zero_one_loss(y_true, y_pred) == pytest.approx(1 - expected, abs=1e-15)
    assert L.mean_misclassification_error(y_true, y_pred) == L.zero_one_loss(y_true, y_pred)


def test_registries_name_the_public_functions():
    for name, fn in L.LOSSES.items():
        assert fn is getattr(L, name) or name == "kl_divergence"
        assert L.get_loss(name) is fn
    assert L.get_loss(L.mse) is L.mse
    assert L.METRICS["accuracy"].fn is L.accuracy


def test_registry_entries_name_task_output_and_targets():
    for info in L.REGISTRY.values():
        assert info.task in L.TASKS and info.output in L.OUTPUTS and info.targets in L.TARGETS
        assert L.loss_info(info.name) is info and L.loss_info(info.fn) is info
    assert L.loss_info(L.kl_divergence) is L.REGISTRY["kl_divergence"]
    assert L.loss_info(lambda p, t: p) is None
    with pytest.raises(ValueError, match="already registered"):
        L.register_loss("regression", "raw", "real", name="mse")(L.mae)
    with pytest.raises(ValueError, match="task must be one of"):
        L.register_loss("ranking", "raw", "real")
