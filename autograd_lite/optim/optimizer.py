"""Optimizers, learning-rate schedulers and gradient clipping for `Value` parameters.

Each optimizer reproduces the single-tensor code path of the `torch.optim` class of the
same name (PyTorch 2.x keyword names, defaults and update formulas, in the same order of
floating-point operations), so a student can check every step against PyTorch. Updates
read `p.grad` and write `p.data` with plain floats: no graph is recorded.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from autograd_lite.engine import Value, enable_grad

__all__ = [
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "StepLR",
    "clip_grad_norm",
    "make_optimizer",
]


def _check_params(params: Iterable[Value], what: str) -> list[Value]:
    """Materialise `params` into a list, rejecting non-Values, duplicates and emptiness."""
    if isinstance(params, Value):
        raise ValueError(
            f"{what} expects an iterable of Values, got a single Value; wrap it in [ ]"
        )
    try:
        plist = list(params)
    except TypeError:
        raise ValueError(
            f"{what} expects an iterable of Values, got {type(params).__name__}"
        ) from None
    for i, p in enumerate(plist):
        if not isinstance(p, Value):
            raise ValueError(
                f"{what} expects autograd_lite.Value parameters, but item {i} is {type(p).__name__}"
            )
    if len({id(p) for p in plist}) != len(plist):
        raise ValueError(f"{what} got the same parameter more than once")
    return plist


def _real(name: str, value: Any) -> float:
    """Return `value` as a finite float, or raise ValueError naming the hyperparameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _non_negative(name: str, value: Any) -> float:
    """Validate a hyperparameter that must be >= 0 (lr, eps, weight_decay, ...)."""
    x = _real(name, value)
    if x < 0.0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return x


def _unit_interval(name: str, value: Any, *, closed: bool) -> float:
    """Validate a decay rate in [0, 1] (closed) or [0, 1) (half-open)."""
    x = _real(name, value)
    if x < 0.0 or x > 1.0 or (not closed and x == 1.0):
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return x


def _betas(value: Any) -> tuple[float, float]:
    """Validate Adam-style `betas`: a pair of floats, each in [0, 1)."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {value!r}")
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {value!r}")
    b1 = _unit_interval("betas[0]", pair[0], closed=False)
    b2 = _unit_interval("betas[1]", pair[1], closed=False)
    return (b1, b2)


def _flag(name: str, value: Any) -> bool:
    """Validate a boolean switch such as `nesterov` or `amsgrad`."""
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return value


# Hyperparameters several optimizers share, validated once by the base class.
_SHARED_CHECKS = {"eps": _non_negative, "weight_decay": _non_negative, "maximize": _flag}


def _sqrt(x: float) -> float:
    """Square root that returns NaN for negative input, like torch.sqrt."""
    return math.sqrt(x) if x >= 0.0 else math.nan


def _maximum(a: float, b: float) -> float:
    """Larger of two floats, NaN if either is NaN, like torch.maximum."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return a if a >= b else b


def _lerp(start: float, end: float, weight: float) -> float:
    """Linear interpolation computed exactly as ATen's lerp kernel does."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


class Optimizer:
    """Base class: holds the parameters, the hyperparameters and per-parameter state.

    Subclasses implement `_update(p, grad, state)` for one parameter; `step()` calls it for
    every parameter with the gradient already negated when `maximize=True`.
    """

    state_keys: ClassVar[tuple[str, ...]] = ()

    def __init__(self, params: Iterable[Value], defaults: dict[str, Any]) -> None:
        """Store `params` (Values) and `defaults` (hyperparameters, including `lr`)."""
        self.params: list[Value] = _check_params(params, type(self).__name__)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if "lr" not in defaults:
            raise ValueError("defaults must contain a learning rate 'lr'")
        self.defaults: dict[str, Any] = dict(defaults)
        self.defaults["lr"] = _non_negative("lr", defaults["lr"])
        for key, check in _SHARED_CHECKS.items():
            if key in self.defaults:
                self.defaults[key] = check(key, self.defaults[key])
        self.state: list[dict[str, float]] = [{} for _ in self.params]

    @property
    def lr(self) -> float:
        """Current learning rate (schedulers change it)."""
        return self.defaults["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        self.defaults["lr"] = _non_negative("lr", value)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0.0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter from its current `.grad`.

        As in PyTorch, `closure` (optional) re-evaluates the model: it is called first,
        with the graph recorded even inside `no_grad`, typically zeroing the grads, computing
        the loss and calling `backward()`; `step` returns what it returned (else None).
        """
        loss = None
        if closure is not None:
            if not callable(closure):
                raise TypeError(
                    f"step(closure): closure must be a callable returning the loss, "
                    f"got {type(closure).__name__}"
                )
            with enable_grad():
                loss = closure()
        maximize = self.defaults.get("maximize", False)
        for p, state in zip(self.params, self.state, strict=True):
            grad = -p.grad if maximize else p.grad
            self._update(p, grad, state)
        return loss

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        raise NotImplementedError

    def _with_weight_decay(self, grad: float, p: Value) -> float:
        """`grad` plus the L2 penalty's gradient `weight_decay * p` (torch's coupled decay)."""
        wd = self.defaults["weight_decay"]
        return grad + wd * p.data if wd != 0 else grad

    def state_dict(self) -> dict[str, Any]:
        """Return a deep copy of the hyperparameters and per-parameter state (JSON-friendly)."""
        return {
            "optimizer": type(self).__name__,
            "defaults": copy.deepcopy(self.defaults),
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`; on any mismatch raise ValueError and change nothing."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {
            "optimizer",
            "defaults",
            "state",
        }:
            raise ValueError("state_dict must be a dict with keys 'optimizer', 'defaults', 'state'")
        if state_dict["optimizer"] != name:
            raise ValueError(f"state_dict is for {state_dict['optimizer']!r}, not {name!r}")
        defaults = state_dict["defaults"]
        if not isinstance(defaults, dict) or set(defaults) != set(self.defaults):
            raise ValueError(
                f"state_dict defaults must have keys {sorted(self.defaults)}, "
                f"got {sorted(defaults) if isinstance(defaults, dict) else defaults!r}"
            )
        try:
            fresh = type(self)(self.params, **defaults)
        except TypeError as exc:
            raise ValueError(f"state_dict defaults are invalid: {exc}") from None
        states = state_dict["state"]
        if not isinstance(states, list) or len(states) != len(self.params):
            raise ValueError(
                f"state_dict has state for {len(states) if isinstance(states, list) else '?'} "
                f"parameters, the optimizer has {len(self.params)}"
            )
        for i, (st, required) in enumerate(zip(states, fresh.state, strict=True)):
            if not isinstance(st, dict) or not set(required) <= set(st) <= set(self.state_keys):
                raise ValueError(
                    f"state for parameter {i} must be a dict with keys {sorted(required)} "
                    f"(and optionally others from {list(self.state_keys)}), got {st!r}"
                )
            for key, value in st.items():
                _real(f"state[{i}][{key!r}]", value)
        self.defaults = fresh.defaults
        self.state = [{k: float(v) for k, v in st.items()} for st in states]

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({len(self.params)} params, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent: plain, with (dampened) momentum, or Nesterov (NAG)."""

    state_keys = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build SGD; same keywords and defaults as `torch.optim.SGD`."""
        momentum = _non_negative("momentum", momentum)
        dampening = _unit_interval("dampening", dampening, closed=True)
        nesterov = _flag("nesterov", nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov=True requires momentum > 0 and dampening == 0")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        grad = self._with_weight_decay(grad, p)
        momentum = d["momentum"]
        if momentum != 0:
            buf = state.get("momentum_buffer")
            buf = grad if buf is None else buf * momentum + (1 - d["dampening"]) * grad
            state["momentum_buffer"] = buf
            grad = grad + momentum * buf if d["nesterov"] else buf
        p.data = p.data + (-d["lr"]) * grad


class Adagrad(Optimizer):
    """Adagrad: per-parameter rate lr / sqrt(sum of squared gradients), with lr decay."""

    state_keys = ("step", "sum")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adagrad; same keywords and defaults as `torch.optim.Adagrad`."""
        defaults = {
            "lr": lr,
            "lr_decay": _non_negative("lr_decay", lr_decay),
            "weight_decay": weight_decay,
            "initial_accumulator_value": _non_negative(
                "initial_accumulator_value", initial_accumulator_value
            ),
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for state in self.state:
            state.update(step=0.0, sum=self.defaults["initial_accumulator_value"])

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        state["step"] += 1
        grad = self._with_weight_decay(grad, p)
        clr = d["lr"] / (1 + (state["step"] - 1) * d["lr_decay"])
        state["sum"] = state["sum"] + 1 * grad * grad
        std = _sqrt(state["sum"]) + d["eps"]
        p.data = p.data + (-clr) * grad / std


class RMSprop(Optimizer):
    """RMSprop: divide by a running RMS of gradients; optional momentum and centering."""

    state_keys = ("step", "square_avg", "grad_avg", "momentum_buffer")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build RMSprop; same keywords and defaults as `torch.optim.RMSprop`."""
        defaults = {
            "lr": lr,
            "alpha": _unit_interval("alpha", alpha, closed=True),
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": _non_negative("momentum", momentum),
            "centered": _flag("centered", centered),
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for state in self.state:
            state.update(step=0.0, square_avg=0.0)
            if self.defaults["momentum"] > 0:
                state["momentum_buffer"] = 0.0
            if self.defaults["centered"]:
                state["grad_avg"] = 0.0

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        alpha = d["alpha"]
        state["step"] += 1
        grad = self._with_weight_decay(grad, p)
        state["square_avg"] = state["square_avg"] * alpha + (1 - alpha) * grad * grad
        if d["centered"]:
            state["grad_avg"] = _lerp(state["grad_avg"], grad, 1 - alpha)
            avg = _sqrt(state["square_avg"] + -1 * state["grad_avg"] * state["grad_avg"])
        else:
            avg = _sqrt(state["square_avg"])
        avg = avg + d["eps"]
        if d["momentum"] > 0:
            buf = state["momentum_buffer"] * d["momentum"] + 1 * grad / avg
            state["momentum_buffer"] = buf
            p.data = p.data + (-d["lr"]) * buf
        else:
            p.data = p.data + (-d["lr"]) * grad / avg


class Adam(Optimizer):
    """Adam: bias-corrected first and second moment estimates; optional AMSGrad."""

    state_keys = ("step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq")
    _decoupled_weight_decay: ClassVar[bool] = False

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adam; same keywords and defaults as `torch.optim.Adam`."""
        defaults = {
            "lr": lr,
            "betas": _betas(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": _flag("amsgrad", amsgrad),
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for state in self.state:
            state.update(step=0.0, exp_avg=0.0, exp_avg_sq=0.0)
            if self.defaults["amsgrad"]:
                state["max_exp_avg_sq"] = 0.0

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        lr, (beta1, beta2), wd = d["lr"], d["betas"], d["weight_decay"]
        state["step"] += 1
        if not self._decoupled_weight_decay:
            grad = self._with_weight_decay(grad, p)
        elif wd != 0:
            p.data = p.data * (1 - lr * wd)
        state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        state["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + (1 - beta2) * grad * grad
        step = state["step"]
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        second = state["exp_avg_sq"]
        if d["amsgrad"]:
            second = _maximum(state["max_exp_avg_sq"], second)
            state["max_exp_avg_sq"] = second
        denom = _sqrt(second) / bias_correction2_sqrt + d["eps"]
        p.data = p.data + (-step_size) * state["exp_avg"] / denom


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (p *= 1 - lr * weight_decay each step)."""

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """Build AdamW; same keywords and defaults as `torch.optim.AdamW` (weight_decay=0.01)."""
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm in place of the second moment."""

    state_keys = ("step", "exp_avg", "exp_inf")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adamax; same keywords and defaults as `torch.optim.Adamax`."""
        defaults = {
            "lr": lr,
            "betas": _betas(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for state in self.state:
            state.update(step=0.0, exp_avg=0.0, exp_inf=0.0)

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        beta1, beta2 = d["betas"]
        state["step"] += 1
        grad = self._with_weight_decay(grad, p)
        state["exp_avg"] = _lerp(state["exp_avg"], grad, 1 - beta1)
        state["exp_inf"] = _maximum(state["exp_inf"] * beta2, abs(grad) + d["eps"])
        clr = d["lr"] / (1 - beta1 ** state["step"])
        p.data = p.data + (-clr) * state["exp_avg"] / state["exp_inf"]


class Adadelta(Optimizer):
    """Adadelta: step = RMS(previous updates) / RMS(gradients) * gradient, scaled by lr."""

    state_keys = ("step", "square_avg", "acc_delta")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        """Build Adadelta; same keywords and defaults as `torch.optim.Adadelta`."""
        defaults = {
            "lr": lr,
            "rho": _unit_interval("rho", rho, closed=True),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for state in self.state:
            state.update(step=0.0, square_avg=0.0, acc_delta=0.0)

    def _update(self, p: Value, grad: float, state: dict[str, float]) -> None:
        d = self.defaults
        rho, eps = d["rho"], d["eps"]
        state["step"] += 1
        grad = self._with_weight_decay(grad, p)
        state["square_avg"] = state["square_avg"] * rho + (1 - rho) * grad * grad
        std = _sqrt(state["square_avg"] + eps)
        delta = _sqrt(state["acc_delta"] + eps) / std * grad
        state["acc_delta"] = state["acc_delta"] * rho + (1 - rho) * delta * delta
        p.data = p.data + (-d["lr"]) * delta


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
    "adamax": Adamax,
    "adadelta": Adadelta,
}


def make_optimizer(name: str, params: Iterable[Value], **kwargs: Any) -> Optimizer:
    """Build an optimizer by case-insensitive name: `make_optimizer("adam", ps, lr=0.01)`."""
    cls = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZERS)}")
    return cls(params, **kwargs)


class LRScheduler:
    """Base scheduler: `step()` once per epoch sets `optimizer.lr` to the next rate."""

    def __init__(self, optimizer: Optimizer) -> None:
        """Attach to `optimizer`, remembering its starting rate as `base_lr`."""
        if not isinstance(optimizer, Optimizer):
            raise ValueError(
                f"{type(self).__name__} needs an autograd_lite.optim.Optimizer, "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        self._last_lr = [optimizer.lr]

    def _next_lr(self) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and update the optimizer's learning rate."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr()
        self._last_lr = [self.optimizer.lr]

    def get_last_lr(self) -> list[float]:
        """Rate set by the last `step()`, as a one-element list like torch's (one group)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's settings and position (a JSON-friendly copy), to resume training."""
        state = {k: v for k, v in vars(self).items() if k != "optimizer"}
        return {"scheduler": type(self).__name__, **copy.deepcopy(state)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from `state_dict()`. As in PyTorch the optimizer's rate is not touched:
        load the optimizer's own state for that."""
        name = type(self).__name__
        if state_dict.get("scheduler") != name:
            raise ValueError(
                f"this state is for a {state_dict.get('scheduler')!r} scheduler, not {name!r}"
            )
        expected = set(vars(self)) - {"optimizer"}
        given = set(state_dict) - {"scheduler"}
        if given != expected:
            raise ValueError(
                f"{name} state keys differ: missing {sorted(expected - given)}, "
                f"unexpected {sorted(given - expected)}"
            )
        for key in expected:
            setattr(self, key, copy.deepcopy(state_dict[key]))


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` epochs (as torch's StepLR)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        """Decay `optimizer.lr` by `gamma` whenever the epoch count is a multiple of `step_size`."""
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {step_size!r}")
        self.step_size = step_size
        self.gamma = _gamma(gamma)
        super().__init__(optimizer)

    def _next_lr(self) -> float:
        if self.last_epoch % self.step_size != 0:
            return self.optimizer.lr
        return self.optimizer.lr * self.gamma


class ExponentialLR(LRScheduler):
    """Multiply the rate by `gamma` every epoch (as torch's ExponentialLR)."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        """Decay `optimizer.lr` by `gamma` at every `step()`."""
        self.gamma = _gamma(gamma)
        super().__init__(optimizer)

    def _next_lr(self) -> float:
        return self.optimizer.lr * self.gamma


def _gamma(value: Any) -> float:
    """Validate a scheduler's decay factor: a finite number > 0."""
    g = _real("gamma", value)
    if g <= 0.0:
        raise ValueError(f"gamma must be > 0, got {value!r}")
    return g


def _p_norm(values: list[float], p: float) -> float:
    """p-norm of `values`, scaled by the largest magnitude so it neither under- nor overflows."""
    mags = [abs(v) for v in values]
    if any(math.isnan(m) for m in mags):
        return math.nan
    scale = max(mags)
    if math.isinf(p) or scale == 0.0 or math.isinf(scale):
        return scale
    return scale * math.fsum((m / scale) ** p for m in mags) ** (1.0 / p)


def clip_grad_norm(
    params: Iterable[Value],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale gradients so their joint `norm_type`-norm is at most `max_norm`; return the norm.

    Same formula as `torch.nn.utils.clip_grad_norm_`: every gradient is multiplied by
    min(1, max_norm / (total_norm + 1e-6)). A remedy for exploding gradients (seed 001).
    The norm is computed with scaling, so tiny or huge gradients do not under/overflow.
    """
    plist = _check_params(params, "clip_grad_norm")
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float)) or not max_norm >= 0:
        raise ValueError(f"max_norm must be a number >= 0 (inf allowed), got {max_norm!r}")
    p_norm = float(norm_type) if isinstance(norm_type, (int, float)) else math.nan
    if isinstance(norm_type, bool) or not p_norm > 0.0:
        raise ValueError(f"norm_type must be a positive number or inf, got {norm_type!r}")
    if not plist:
        return 0.0
    total = _p_norm([p.grad for p in plist], p_norm)
    if error_if_nonfinite and not math.isfinite(total):
        raise ValueError(
            f"the total norm of order {norm_type} of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    clip_coef = min(max_norm / (total + 1e-6), 1.0)
    for p in plist:
        p.grad = p.grad * clip_coef
    return total
