"""The table every optimizer test reads: one row per optimizer in ``optim.OPTIMIZERS``.

A row names the torch class that is the optimizer's oracle, the settings its trajectory is
compared on, and a hypothesis strategy for valid hyperparameters (the property tests draw
from it). A new optimizer is tested because it is registered: without its row the named
test below fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from autograd_lite import optim


@dataclass(frozen=True)
class Reference:
    torch_name: str  # the class in torch.optim with the same update
    settings: list[dict[str, Any]]  # keyword sets compared with torch step by step
    hyperparameters: st.SearchStrategy[dict[str, Any]]  # any valid keyword set


def _keywords(**fields: st.SearchStrategy) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=fields)


LR = st.floats(0.0, 1.0)
EPS = st.just(0.0) | st.floats(1e-12, 1e-2)  # eps=0 included: NaN, like torch, not an error
DECAY = st.just(0.0) | st.floats(1e-6, 0.5)
RATE = st.floats(0.0, 1.0)  # a decay rate in [0, 1]
BETA = st.floats(0.0, 0.999)  # in [0, 1)
BETAS = st.tuples(BETA, BETA)
FLAG = st.booleans()

_SGD_PLAIN = _keywords(
    lr=LR, momentum=st.floats(0.0, 0.99), dampening=RATE, weight_decay=DECAY, maximize=FLAG
)
_SGD_NESTEROV = st.fixed_dictionaries(
    {"momentum": st.floats(0.01, 0.99), "nesterov": st.just(True)},
    optional={"lr": LR, "weight_decay": DECAY, "maximize": FLAG},
)

REFERENCE: dict[str, Reference] = {
    "sgd": Reference(
        "SGD",
        [
            {"lr": 0.1},
            {"lr": 0.05, "momentum": 0.9},
            {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01},
            {"lr": 0.05, "momentum": 0.8, "nesterov": True},
            {"lr": 0.02, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1, "maximize": True},
            {},
        ],
        _SGD_PLAIN | _SGD_NESTEROV,
    ),
    "adagrad": Reference(
        "Adagrad",
        [
            {},
            {"lr": 0.1, "lr_decay": 0.05},
            {"lr": 0.3, "weight_decay": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
            {"lr": 0.1, "maximize": True},
        ],
        _keywords(
            lr=LR,
            lr_decay=DECAY,
            weight_decay=DECAY,
            initial_accumulator_value=st.floats(0.0, 2.0),
            eps=EPS,
            maximize=FLAG,
        ),
    ),
    "rmsprop": Reference(
        "RMSprop",
        [
            {},
            {"lr": 0.01, "momentum": 0.9},
            {"lr": 0.01, "centered": True},
            {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.01, "alpha": 0.9},
            {"lr": 0.001, "alpha": 0.3, "centered": True, "eps": 1e-3, "maximize": True},
        ],
        _keywords(
            lr=LR,
            alpha=RATE,
            eps=EPS,
            weight_decay=DECAY,
            momentum=st.floats(0.0, 0.99),
            centered=FLAG,
            maximize=FLAG,
        ),
    ),
    "adam": Reference(
        "Adam",
        [
            {},
            {"lr": 0.05, "amsgrad": True},
            {"lr": 0.05, "weight_decay": 0.1},
            {"lr": 0.1, "betas": (0.3, 0.5), "eps": 1e-3, "amsgrad": True, "weight_decay": 0.2},
            {"lr": 0.01, "maximize": True},
        ],
        _keywords(lr=LR, betas=BETAS, eps=EPS, weight_decay=DECAY, amsgrad=FLAG, maximize=FLAG),
    ),
    "adamw": Reference(
        "AdamW",
        [
            {},
            {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True},
            {"lr": 0.1, "betas": (0.5, 0.9), "weight_decay": 0.0},
            {"lr": 0.02, "betas": (0.7, 0.95), "weight_decay": 0.3, "maximize": True},
        ],
        _keywords(lr=LR, betas=BETAS, eps=EPS, weight_decay=DECAY, amsgrad=FLAG, maximize=FLAG),
    ),
    "adamax": Reference(
        "Adamax",
        [
            {},
            {"lr": 0.05, "betas": (0.3, 0.8), "weight_decay": 0.1},
            {"lr": 0.05, "eps": 1e-3, "maximize": True},
        ],
        _keywords(lr=LR, betas=BETAS, eps=EPS, weight_decay=DECAY, maximize=FLAG),
    ),
    "adadelta": Reference(
        "Adadelta",
        [
            {},
            {"rho": 0.5, "weight_decay": 0.1},
            {"lr": 0.5, "eps": 1e-4, "maximize": True},
        ],
        _keywords(lr=LR, rho=RATE, eps=EPS, weight_decay=DECAY, maximize=FLAG),
    ),
}

CASES = [(name, kw) for name, ref in REFERENCE.items() for kw in ref.settings]
CASE_IDS = [f"{name}-{i}" for name, ref in REFERENCE.items() for i in range(len(ref.settings))]


def test_every_registered_optimizer_has_a_reference_row() -> None:
    missing = sorted(set(optim.OPTIMIZERS) - set(REFERENCE))
    assert not missing, f"add a row to REFERENCE in {__file__} for: {missing}"


def test_every_reference_row_is_a_registered_optimizer() -> None:
    stale = sorted(set(REFERENCE) - set(optim.OPTIMIZERS))
    assert not stale, f"REFERENCE rows for optimizers that are not registered: {stale}"
    for name, ref in REFERENCE.items():
        assert ref.settings, f"{name}: no settings to compare with torch"
        assert optim.OPTIMIZERS[name].__name__ == ref.torch_name
