"""The optimizer base class, the registry of optimizers and the checks they share.

Each optimizer reproduces the single-tensor code path of the `torch.optim` class of the
same name (PyTorch 2.x keyword names, defaults and update formulas), so a student can check
every step against PyTorch. Updates read `p.grad` and write `p.data` with plain floats: no
graph is recorded.

The update formulas keep torch's order of floating-point operations (``lr * a / b`` is
``(lr * a) / b`` as in ``addcdiv``, ``lerp`` is ATen's two-branch lerp, ``x ** 0.5`` where
torch writes it). Trajectories then agree with torch's to rounding error only: the last
bit can differ where torch's CPU kernels fuse a multiply and an add (FMA).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

from autograd_lite import _checks as checks
from autograd_lite.engine import Value, enable_grad

__all__ = ["OPTIMIZERS", "Optimizer", "make_optimizer"]

State = dict[str, float]
StateCheck = Callable[[str, Any], float]

# Filled by ``class X(Optimizer, name="x")``: the names `make_optimizer`, `fit` and the CLI
# accept. Insertion order is the order the algorithm modules are imported in.
OPTIMIZERS: dict[str, type[Optimizer]] = {}


def check_params(params: Iterable[Value], what: str) -> list[Value]:
    """`params` as a list of distinct Values, else TypeError/ValueError naming `what`.

    >>> len(check_params([Value(1.0), Value(2.0)], "SGD"))
    2
    """
    if isinstance(params, Value):
        raise TypeError(f"{what} expects an iterable of Values, got a single Value; wrap it in [ ]")
    try:
        plist = list(params)
    except TypeError:
        raise TypeError(
            f"{what} expects an iterable of Values, got {type(params).__name__}"
        ) from None
    for i, p in enumerate(plist):
        if not isinstance(p, Value):
            raise TypeError(
                f"{what} expects autograd_lite.Value parameters, but item {i} is {type(p).__name__}"
            )
    if len({id(p) for p in plist}) != len(plist):
        raise ValueError(f"{what} got the same parameter more than once")
    return plist


def betas(value: Any) -> tuple[float, float]:
    """Adam-style `betas`: a pair of real numbers, each in [0, 1).

    >>> betas((0.9, 0.999))
    (0.9, 0.999)
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {checks.describe(value)}")
    pair = tuple(value)
    if len(pair) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {len(pair)} values {value!r}")
    return (
        checks.interval("betas[0]", pair[0], 0.0, 1.0, closed=False),
        checks.interval("betas[1]", pair[1], 0.0, 1.0, closed=False),
    )


def parameter_name(i: int, p: Value) -> str:
    """How an error message names parameter `i`: its index and its label if it has one.

    >>> parameter_name(3, Value(0.0, label="bias"))
    "parameter 3 ('bias')"
    """
    return f"parameter {i} ({p.label!r})" if p.label else f"parameter {i}"


# Checks for state entries read back by `load_state_dict`. NaN and inf pass, as they are
# what torch's updates produce from NaN/inf gradients or eps=0.
def step_count(name: str, value: Any) -> float:
    """A step counter: a whole number >= 0, kept as a float like torch's ``step`` tensor.

    >>> step_count("step", 3)
    3.0
    """
    x = checks.real(name, value)
    if x < 0 or x != math.floor(x):
        raise ValueError(f"{name} must be a whole number >= 0, got {x!r}")
    return x


def moment(name: str, value: Any) -> float:
    """A running average of gradients (any real number, inf and NaN included).

    >>> moment("exp_avg", -0.5)
    -0.5
    """
    return checks.real(name, value, finite=False)


def square_moment(name: str, value: Any) -> float:
    """A running average of squares or magnitudes: a real number, not negative.

    >>> square_moment("exp_avg_sq", float("inf"))
    inf
    """
    x = checks.real(name, value, finite=False)
    if x < 0:
        raise ValueError(f"{name} must be >= 0 (it averages squares or magnitudes), got {x!r}")
    return x


# Hyperparameters several optimizers share, validated once by the base class.
_SHARED_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "eps": checks.non_negative,
    "weight_decay": checks.non_negative,
    "maximize": checks.flag,
}


class Optimizer:
    """Base class: holds the parameters, the hyperparameters and per-parameter state.

    A subclass registers itself under a name (``class SGD(Optimizer, name="sgd")``), lists
    its state entries with their checks in `state_checks`, gives each parameter's starting
    state in `_init_state` and computes one parameter's update in `_update`. `step()` calls
    `_update` for every parameter and commits the results only when all of them succeeded.

    >>> p = Value(1.0)
    >>> p.grad = 0.5
    >>> opt = make_optimizer("sgd", [p], lr=0.1)
    >>> opt.step()
    >>> p.data
    0.95
    """

    state_checks: ClassVar[dict[str, StateCheck]] = {}

    def __init_subclass__(cls, *, name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if name is None:
            return
        key = checks.text("name", name).lower()
        known = OPTIMIZERS.get(key)
        # A module imported twice (doctest collection, reload) re-registers the same class.
        if known is not None and _path(known) != _path(cls):
            raise ValueError(f"an optimizer named {key!r} is already registered: {_path(known)}")
        OPTIMIZERS[key] = cls

    def __init__(self, params: Iterable[Value], defaults: dict[str, Any]) -> None:
        """Store `params` (Values) and `defaults` (hyperparameters, including `lr`)."""
        self.params: list[Value] = check_params(params, type(self).__name__)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if "lr" not in defaults:
            raise ValueError("defaults must contain a learning rate 'lr'")
        self.defaults: dict[str, Any] = dict(defaults)
        self.defaults["lr"] = checks.non_negative("lr", defaults["lr"])
        for key, check in _SHARED_CHECKS.items():
            if key in self.defaults:
                self.defaults[key] = check(key, self.defaults[key])
        self.state: list[State] = [self._init_state() for _ in self.params]

    @property
    def lr(self) -> float:
        """Current learning rate (schedulers change it)."""
        return self.defaults["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        self.defaults["lr"] = checks.non_negative("lr", value)

    def zero_grad(self) -> None:
        """Reset every parameter's gradient to 0.0 before the next backward pass."""
        for p in self.params:
            p.grad = 0.0

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Apply one update to every parameter from its current `.grad`, all or nothing.

        As in PyTorch, `closure` (optional) re-evaluates the model: it is called first,
        with the graph recorded even inside `no_grad`, typically zeroing the grads, computing
        the loss and calling `backward()`; `step` returns what it returned (else None).
        A gradient that is not a real number raises TypeError (ValueError for an int too
        large for a float) naming the parameter, and then no parameter and no state entry
        has changed. NaN and inf propagate as in torch.
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
        update = self._update
        new_data: list[float] = []
        new_state: list[State] = []
        for i, (p, state) in enumerate(zip(self.params, self.state, strict=True)):
            grad, data = p.grad, p.data
            if type(grad) is not float:
                grad = checks.real(f"{parameter_name(i, p)}.grad", grad, finite=False)
            if type(data) is not float:
                data = checks.real(f"{parameter_name(i, p)}.data", data, finite=False)
            x, st = update(data, -grad if maximize else grad, state)
            new_data.append(x)
            new_state.append(st)
        for p, x in zip(self.params, new_data, strict=True):
            p.data = x
        self.state[:] = new_state
        return loss

    def _init_state(self) -> State:
        """One parameter's state before its first step (read after `defaults` is set)."""
        return {}

    def _update(self, data: float, grad: float, state: State) -> tuple[float, State]:
        """One parameter's new data and new state; must not change `state` itself."""
        raise NotImplementedError

    def _with_weight_decay(self, grad: float, data: float) -> float:
        """`grad` plus the L2 penalty's gradient `weight_decay * data` (torch's coupled decay)."""
        wd = self.defaults["weight_decay"]
        return grad + wd * data if wd != 0 else grad

    def state_dict(self) -> dict[str, Any]:
        """A deep copy of the hyperparameters and per-parameter state (JSON-friendly).

        >>> make_optimizer("adam", [Value(1.0)]).state_dict()["state"]
        [{'step': 0.0, 'exp_avg': 0.0, 'exp_avg_sq': 0.0}]
        """
        return {
            "optimizer": type(self).__name__,
            "defaults": copy.deepcopy(self.defaults),
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a `state_dict()`, checking every entry before changing anything.

        A wrong type raises TypeError and a wrong value ValueError, naming the entry; after
        either the optimizer is exactly as it was.

        >>> opt = make_optimizer("adam", [Value(1.0)])
        >>> opt.load_state_dict(opt.state_dict())
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"state_dict must be a dict from {name}.state_dict(), "
                f"got {checks.describe(state_dict)}"
            )
        if set(state_dict) != {"optimizer", "defaults", "state"}:
            raise ValueError(
                f"state_dict must be a dict with keys 'optimizer', 'defaults', 'state', "
                f"got keys {sorted(map(str, state_dict))}"
            )
        if state_dict["optimizer"] != name:
            raise ValueError(f"state_dict is for {state_dict['optimizer']!r}, not {name!r}")
        defaults = state_dict["defaults"]
        if not isinstance(defaults, Mapping):
            raise TypeError(
                f"state_dict['defaults'] must be a dict, got {checks.describe(defaults)}"
            )
        if set(defaults) != set(self.defaults):
            raise ValueError(
                f"state_dict defaults must have keys {sorted(self.defaults)}, "
                f"got {sorted(map(str, defaults))}"
            )
        try:
            fresh = type(self)(self.params, **defaults)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"state_dict['defaults']: {exc}") from None
        new_state = self._checked_state(state_dict["state"], fresh.state)
        self.defaults = fresh.defaults
        self.state[:] = new_state

    def _checked_state(self, states: Any, initial: list[State]) -> list[State]:
        """`states` validated against `state_checks` and the keys a fresh optimizer has."""
        if not isinstance(states, (list, tuple)):
            raise TypeError(f"state_dict['state'] must be a list, got {checks.describe(states)}")
        if len(states) != len(self.params):
            raise ValueError(
                f"state_dict has state for {len(states)} parameters, "
                f"the optimizer has {len(self.params)}"
            )
        out = []
        for i, (st, required) in enumerate(zip(states, initial, strict=True)):
            where = f"state_dict['state'][{i}]"
            if not isinstance(st, Mapping):
                raise TypeError(f"{where} (state for parameter {i}) must be a dict, got {st!r:.60}")
            if not set(required) <= set(st) <= set(self.state_checks):
                raise ValueError(
                    f"{where}: state for parameter {i} must be a dict with keys "
                    f"{sorted(required)} (and optionally others from {list(self.state_checks)}), "
                    f"got keys {sorted(map(str, st))}"
                )
            out.append({k: self.state_checks[k](f"{where}[{k!r}]", v) for k, v in st.items()})
        return out

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({len(self.params)} params, {settings})"


def _path(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def make_optimizer(name: str, params: Iterable[Value], **kwargs: Any) -> Optimizer:
    """Build an optimizer by its case-insensitive name in `OPTIMIZERS`.

    >>> make_optimizer("Adam", [Value(1.0)], lr=0.01).lr
    0.01
    """
    checks.text("name", name)
    cls = OPTIMIZERS.get(name.lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; valid names: {', '.join(OPTIMIZERS)}")
    return cls(params, **kwargs)
