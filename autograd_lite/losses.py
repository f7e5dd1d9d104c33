"""Loss functions, built from ``Value`` ops so gradients flow, and the registry of losses.

Conventions, so that code written for PyTorch reads the same here:

* Every loss is ``loss(predictions, targets, *, reduction="mean")``, predictions first
  (PyTorch's order). The one exception is ``kl_divergence(p, q)``: target ``p`` first,
  prediction ``q`` second, as in the notation KL(p || q). ``LOSSES["kl_divergence"]``
  takes (predictions, targets) like every other registry entry.
* ``reduction="mean"`` averages over samples, ``"sum"`` adds them and ``"none"`` returns
  the list of per-sample losses (per element for element-wise losses, per row for the
  row-wise ones: ``cross_entropy``, ``categorical_cross_entropy``, ``kl_divergence``).
* Predictions are a ``Value``, a number, or a (nested) list / numpy array of them; plain
  numbers become leaf Values. Element-wise losses flatten both arguments, so a list of n
  predictions and an (n, 1) target array pair up element by element (no broadcasting).
* Targets are constants: numbers, numpy arrays, or Values whose ``data`` is used (no
  gradient flows into a target).

Every loss registers itself with ``@register_loss(task, output, targets)``: the task it
solves, the kind of model output it reads and the targets it takes. ``fit`` and the
command line read that registry (``REGISTRY``), so a new loss is one decorated function
plus one row in the tests' PyTorch table. Equation numbers refer to A. Akbar's lecture
"Artificial Neural Networks, week 3: Optimizing the Loss Function".

>>> mse([Value(2.0)], [1.0]).data
1.0
>>> REGISTRY["binary_cross_entropy"].output
'probability'
"""

from __future__ import annotations

import math

from autograd_lite import _checks, _shapes
from autograd_lite._shapes import Data, LossResult
from autograd_lite.engine import Value

# the registry, re-exported: losses.REGISTRY, losses.register_loss, ... keep working
from autograd_lite.loss_registry import LOSSES as LOSSES
from autograd_lite.loss_registry import OUTPUTS as OUTPUTS
from autograd_lite.loss_registry import REGISTRY as REGISTRY
from autograd_lite.loss_registry import TARGETS as TARGETS
from autograd_lite.loss_registry import TASKS as TASKS
from autograd_lite.loss_registry import LossInfo as LossInfo
from autograd_lite.loss_registry import get_loss as get_loss
from autograd_lite.loss_registry import loss_info as loss_info
from autograd_lite.loss_registry import register_loss
from autograd_lite.metrics import METRICS as METRICS  # re-exported: the one metrics registry
from autograd_lite.metrics import accuracy as accuracy
from autograd_lite.metrics import mean_misclassification_error as mean_misclassification_error
from autograd_lite.metrics import zero_one_loss as zero_one_loss

_LOG_CLAMP = -100.0  # torch.nn.functional.binary_cross_entropy clamps log at -100
_KERAS_EPSILON = 1e-7  # keras.backend.epsilon(), the clip for probabilities
_LOG2 = math.log(2.0)


# -------------------------------------------------------------- regression losses
@register_loss("regression", "raw", "real")
def mae(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean absolute error, the L1 loss |yhat - y| (eq. 2, 10); torch's ``l1_loss``.
    Robust to outliers: each error counts linearly.

    >>> mae([Value(3.0), Value(-1.0)], [1.0, 0.0]).data
    1.5
    """
    preds, ts = _shapes.pairs(predictions, targets, "mae", reduction)
    return _shapes.reduce([abs(p - t) for p, t in zip(preds, ts, strict=True)], reduction)


def _squared_errors(predictions: Data, targets: Data, name: str) -> list[Value]:
    preds, ts = _shapes.pairs(predictions, targets, name)
    out = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        out.append(d * d)
    return out


@register_loss("regression", "raw", "real")
def mse(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean squared error, the L2 loss (yhat - y)^2 (eq. 3, 11); torch's ``mse_loss``.
    Punishes large errors more than small ones.

    >>> mse([3.0, -1.0], [1.0, 0.0]).data
    2.5
    """
    _shapes.check_reduction(reduction, "mse")
    return _shapes.reduce(_squared_errors(predictions, targets, "mse"), reduction)


@register_loss("regression", "raw", "real")
def rmse(predictions: Data, targets: Data, *, reduction: str = "mean") -> Value:
    """Root mean squared error sqrt(MSE) (eq. 12), in the units of the targets.
    Only ``reduction="mean"`` exists: the root is taken of the mean.

    >>> rmse([3.0, 1.0], [1.0, 1.0]).data  # sqrt((4 + 0) / 2)
    1.4142135623730951
    """
    if reduction != "mean":
        raise ValueError(
            f"rmse: only reduction='mean' is defined (the square root of the mean squared "
            f"error), got {reduction!r}"
        )
    terms = _squared_errors(predictions, targets, "rmse")
    return (Value.sum(terms) / len(terms)).sqrt()


def _positive_delta(delta: float, name: str) -> float:
    return _checks.positive(f"{name}: delta", delta)


@register_loss("regression", "raw", "real")
def huber(
    predictions: Data, targets: Data, *, reduction: str = "mean", delta: float = 1.0
) -> LossResult:
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); torch's
    ``huber_loss``. Quadratic near zero, linear (outlier-robust) beyond delta.

    >>> [v.data for v in huber([0.5, 3.0], [0.0, 0.0], reduction="none")]
    [0.125, 2.5]
    """
    delta = _positive_delta(delta, "huber")
    preds, ts = _shapes.pairs(predictions, targets, "huber", reduction)
    terms = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        terms.append(0.5 * (d * d) if abs(d.data) < delta else delta * (abs(d) - 0.5 * delta))
    return _shapes.reduce(terms, reduction)


@register_loss("regression", "raw", "real")
def pseudo_huber(
    predictions: Data, targets: Data, *, reduction: str = "mean", delta: float = 1.0
) -> LossResult:
    """Pseudo-Huber loss delta^2 (sqrt(1 + (d/delta)^2) - 1): a smooth Huber.

    Computed as delta^2 x / (sqrt(1 + x) + 1) with x = (d/delta)^2, the same number
    without the cancellation of sqrt(1 + x) - 1 for small d.

    >>> round(pseudo_huber([1.0], [0.0]).data, 6)  # sqrt(2) - 1
    0.414214
    """
    delta = _positive_delta(delta, "pseudo_huber")
    preds, ts = _shapes.pairs(predictions, targets, "pseudo_huber", reduction)
    terms = []
    for p, t in zip(preds, ts, strict=True):
        r = (p - t) / delta
        x = r * r
        terms.append(x / ((x + 1.0).sqrt() + 1.0) * (delta * delta))
    return _shapes.reduce(terms, reduction)


@register_loss("regression", "raw", "real")
def log_cosh(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """log(cosh(d)) as Keras computes it, d + softplus(-2d) - log 2 (no overflow of cosh).
    About d^2 / 2 for small errors and |d| - log 2 for large ones.

    >>> round(log_cosh([1.0], [0.0]).data, 6)  # log(cosh(1))
    0.433781
    """
    preds, ts = _shapes.pairs(predictions, targets, "log_cosh", reduction)
    terms = []
    for p, t in zip(preds, ts, strict=True):
        d = p - t
        terms.append(d + (d * -2.0).softplus() - _LOG2)
    return _shapes.reduce(terms, reduction)


@register_loss("regression", "raw", "nonzero")
def mape(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Mean absolute percentage error 100 |y - yhat| / |y|, in percent like Keras.
    A zero target has no percentage error: ``ValueError`` (Keras divides by 1e-7).

    >>> mape([110.0, 45.0], [100.0, 50.0]).data
    10.0
    """
    preds, ts = _shapes.pairs(predictions, targets, "mape", reduction)
    for i, t in enumerate(ts):
        if t == 0:
            raise ValueError(
                f"mape: targets must be non-zero (percent of the target), got targets[{i}] = 0"
            )
    return _shapes.reduce(
        [abs(p - t) * (100.0 / abs(t)) for p, t in zip(preds, ts, strict=True)], reduction
    )


# ----------------------------------------------------------- binary classification
def _check_unit_targets(ts: list[float], name: str) -> None:
    for i, t in enumerate(ts):
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"{name}: targets must be in [0, 1], got targets[{i}] = {t!r}")


def _clamped_log(x: Value) -> Value | float:
    """log(x), replaced by the constant -100 below -100 (torch's BCE clamp)."""
    out = x.log()
    return out if out.data >= _LOG_CLAMP else _LOG_CLAMP


@register_loss("binary", "probability", "unit")
def binary_cross_entropy(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """-(y log p + (1 - y) log(1 - p)) on probabilities p (eq. 5, 8); torch's
    ``binary_cross_entropy``, each log clamped at -100 so p = 0 or 1 costs at most 100.

    The gradient is the exact derivative of that clamped loss. It matches torch's except
    where p(1 - p) < 1e-12, where torch uses (p - y) / max(p(1 - p), 1e-12) instead.

    >>> round(binary_cross_entropy([0.8], [1.0]).data, 6)  # -log(0.8)
    0.223144
    """
    name = "binary_cross_entropy"
    preds, ts = _shapes.pairs(predictions, targets, name, reduction)
    _check_unit_targets(ts, name)
    terms = []
    for i, (p, t) in enumerate(zip(preds, ts, strict=True)):
        if not 0.0 <= p.data <= 1.0:
            raise ValueError(
                f"{name}: predictions must be probabilities in [0, 1], got predictions[{i}] = "
                f"{p.data!r} (use binary_cross_entropy_with_logits for raw scores)"
            )
        if t == 1.0:
            term = -_clamped_log(p)
        elif t == 0.0:
            term = -_clamped_log(1.0 - p)
        else:
            term = -(t * _clamped_log(p) + (1.0 - t) * _clamped_log(1.0 - p))
        terms.append(term if isinstance(term, Value) else Value(term))
    return _shapes.reduce(terms, reduction)


@register_loss("binary", "logits", "unit")
def binary_cross_entropy_with_logits(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """BCE of sigmoid(x) from the logit x, computed stably as softplus(x) - y x
    (= (1 - y) x + softplus(-x)); torch's ``binary_cross_entropy_with_logits``.
    Finite for any logit, with gradient sigmoid(x) - y.

    >>> round(binary_cross_entropy_with_logits([0.0], [1.0]).data, 6)  # log 2
    0.693147
    """
    name = "binary_cross_entropy_with_logits"
    preds, ts = _shapes.pairs(predictions, targets, name, reduction)
    _check_unit_targets(ts, name)
    terms = []
    for x, t in zip(preds, ts, strict=True):
        if t == 0.0:
            terms.append(x.softplus())
        elif t == 1.0:
            terms.append((-x).softplus())
        elif t < 0.5:
            terms.append(x.softplus() - t * x)
        else:
            terms.append((-x).softplus() + (1.0 - t) * x)
    return _shapes.reduce(terms, reduction)


def _check_signs(ts: list[float], name: str) -> None:
    for i, t in enumerate(ts):
        if t not in (-1.0, 1.0):
            raise ValueError(f"{name}: targets must be -1 or +1, got targets[{i}] = {t!r}")


def _margins(predictions: Data, targets: Data, name: str) -> list[Value]:
    """max(0, 1 - y yhat) for each pair (relu, so the subgradient at the kink is 0)."""
    preds, ts = _shapes.pairs(predictions, targets, name)
    _check_signs(ts, name)
    return [((1.0 - p) if t == 1.0 else (p + 1.0)).relu() for p, t in zip(preds, ts, strict=True)]


@register_loss("binary", "raw", "signed")
def hinge(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Hinge loss max(0, 1 - y yhat) with y in {-1, +1} (the SVM's margin loss, Keras's
    ``hinge``): zero once a score is on the right side with margin 1.

    >>> hinge([0.5, 2.0], [1.0, 1.0]).data  # (0.5 + 0) / 2
    0.25
    """
    _shapes.check_reduction(reduction, "hinge")
    return _shapes.reduce(_margins(predictions, targets, "hinge"), reduction)


@register_loss("binary", "raw", "signed")
def squared_hinge(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """max(0, 1 - y yhat)^2 with y in {-1, +1} (Keras's ``squared_hinge``): a hinge that is
    smooth at the margin and punishes large violations more.

    >>> squared_hinge([0.5, -1.0], [1.0, 1.0]).data  # (0.25 + 4) / 2
    2.125
    """
    _shapes.check_reduction(reduction, "squared_hinge")
    return _shapes.reduce(
        [m * m for m in _margins(predictions, targets, "squared_hinge")], reduction
    )


# -------------------------------------------------------------- row-wise losses
@register_loss("multiclass", "logits", "index")
def cross_entropy(predictions: Data, targets: Data, *, reduction: str = "mean") -> LossResult:
    """Softmax cross-entropy of logit rows against class indices; torch's ``cross_entropy``.

    Each row costs log(sum_j exp(z_j)) - z_k for its class k, with the log-sum-exp shifted
    by the row's maximum so no exp overflows. One row (a flat list) takes one index.

    >>> round(cross_entropy([[0.0, 0.0]], [1]).data, 6)  # log 2
    0.693147
    """
    name = "cross_entropy"
    _shapes.check_reduction(reduction, name)
    rows, _ = _shapes.prediction_rows(predictions, name)
    indices = _shapes.class_indices(targets, len(rows), len(rows[0]), name)
    terms = []
    for row, k in zip(rows, indices, strict=True):
        m = max(z.data for z in row)
        shifted = [z - m for z in row]
        terms.append(Value.sum([s.exp() for s in shifted]).log() - shifted[k])
    return _shapes.reduce(terms, reduction)


def _probability_rows(
    predictions: Data, what: str, name: str, reduction: str
) -> tuple[list[list[Value]], bool]:
    """Prediction rows, each checked to be a probability distribution (after the reduction)."""
    _shapes.check_reduction(reduction, name)
    rows, single = _shapes.prediction_rows(predictions, name)
    for i, row in enumerate(rows):
        _shapes.check_distribution([v.data for v in row], what, i, name)
    return rows, single


@register_loss("multiclass", "probability", "index")
def categorical_cross_entropy(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """-sum_j y_j log(p_j) on probability rows (the softmax cross-entropy of M. Othman's
    "ANNs Training: Loss Functions & Optimizers"), exactly as Keras's
    ``categorical_crossentropy``: each row divided by its sum, then clipped to
    [1e-7, 1 - 1e-7] (a clipped entry passes no gradient).

    Prediction rows must sum to 1 within 1e-6 (e.g. a softmax). Targets are one-hot (or
    any probability) rows of the same shape, or class indices, one per row.

    >>> round(categorical_cross_entropy([[0.25, 0.75]], [1]).data, 6)  # -log(0.75)
    0.287682
    """
    name = "categorical_cross_entropy"
    rows, single = _probability_rows(predictions, "predictions", name, reduction)
    shape = (len(rows), len(rows[0]))
    if _shapes.depth(targets) < (1 if single else 2):
        indices = _shapes.class_indices(targets, shape[0], shape[1], name)
        target_rows = [[float(j == k) for j in range(shape[1])] for k in indices]
    else:
        target_rows = _shapes.target_rows(targets, shape, "targets", name)
        for i, row in enumerate(target_rows):
            _shapes.check_distribution(row, "targets", i, name)
    low, high = _KERAS_EPSILON, 1.0 - _KERAS_EPSILON
    terms = []
    for row, target in zip(rows, target_rows, strict=True):
        total = Value.sum(row)
        weights, logs = [], []
        for p, y in zip(row, target, strict=True):
            if y != 0.0:
                q = p / total
                clipped = min(max(q.data, low), high)
                logs.append(q.log() if clipped == q.data else math.log(clipped))
                weights.append(-y)
        terms.append(Value.dot(weights, logs))
    return _shapes.reduce(terms, reduction)


def kl_divergence(p: Data, q: Data, *, reduction: str = "mean") -> LossResult:
    """KL(p || q) = sum_j p_j log(p_j / q_j) per row, target p first, prediction q second.

    Both are probability rows (each summing to 1 within 1e-6). ``"mean"`` averages the row
    sums over rows: torch's ``kl_div(q.log(), p, reduction="batchmean")``. Terms with
    p_j = 0 contribute 0, as in torch.

    >>> round(kl_divergence([[0.5, 0.5]], [[0.25, 0.75]]).data, 6)
    0.143841
    """
    name = "kl_divergence"
    rows, _ = _probability_rows(q, "predictions q", name, reduction)
    target_rows = _shapes.target_rows(p, (len(rows), len(rows[0])), "targets p", name)
    terms = []
    for i, (row, target) in enumerate(zip(rows, target_rows, strict=True)):
        _shapes.check_distribution(target, "targets p", i, name)
        support = [(pj, qj) for pj, qj in zip(target, row, strict=True) if pj > 0.0]
        entropy_part = math.fsum(pj * math.log(pj) for pj, _ in support)
        terms.append(
            Value.dot([-pj for pj, _ in support], [qj.log() for _, qj in support], entropy_part)
        )
    return _shapes.reduce(terms, reduction)


@register_loss("distribution", "probability", "distribution", name="kl_divergence",
               public=kl_divergence)  # fmt: skip
def _kl_predictions_first(
    predictions: Data, targets: Data, *, reduction: str = "mean"
) -> LossResult:
    """``kl_divergence(targets, predictions)``: the registry's (predictions, targets) order."""
    return kl_divergence(targets, predictions, reduction=reduction)
