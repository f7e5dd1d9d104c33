"""Training through jitted per-sample programs equals eager training.

For every optimizer of ``optim.OPTIMIZERS`` (enumerated, so a new one is tested because it
exists), a one-output regression and a three-class classification trained three epochs
in mini-batches end with the eager weights to 1e-12 relative (in fact bit for bit: the
same products are added in the same order).
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograd_lite.jit import training
from autograd_lite.jit.training import ModelProgram
from autograd_lite.losses import cross_entropy, mse
from autograd_lite.nn import MLP
from autograd_lite.optim import OPTIMIZERS, make_optimizer
from autograd_lite.train import fit

RNG = np.random.default_rng(0)
X = RNG.normal(size=(20, 3))
TASKS = {
    "regression": ([4, 1], mse, RNG.normal(size=20)),
    "classes": ([4, 3], cross_entropy, RNG.integers(0, 3, size=20)),
}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b)) or a == b


@pytest.mark.parametrize("task", sorted(TASKS))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_model_program_trains_like_eager_with_every_optimizer(name: str, task: str) -> None:
    nouts, loss_fn, y = TASKS[task]
    eager, jitted = (MLP(3, nouts, activation="tanh", seed=1) for _ in range(2))
    eager_opt = make_optimizer(name, eager.parameters())
    jitted_opt = make_optimizer(name, jitted.parameters())
    program = ModelProgram(jitted)
    for _ in range(3):
        for start in range(0, len(X), 7):
            rows, targets = X[start : start + 7].tolist(), y[start : start + 7].tolist()
            loss = loss_fn([eager(r) for r in rows], targets)
            eager_opt.zero_grad()
            loss.backward()
            eager_opt.step()
            jitted_opt.zero_grad()
            jitted_loss, _ = program.step(rows, targets, loss_fn)
            jitted_opt.step()
            assert _close(jitted_loss.data, loss.data)
    for p, q in zip(eager.parameters(), jitted.parameters(), strict=True):
        assert _close(p.data, q.data), (p.data, q.data)
    assert program.program is not None and len(program.program.sources) == 1


def test_docstring_examples_run() -> None:
    assert doctest.testmod(training, raise_on_error=True).attempted > 0


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_fit_with_jit_ends_at_the_eager_weights_with_every_optimizer(name: str) -> None:
    histories, models = [], []
    for jit in (False, True):
        for nouts, loss in (([4, 1], "mse"), ([4, 3], "cross_entropy")):
            y = TASKS["regression" if loss == "mse" else "classes"][2]
            model = MLP(3, nouts, activation="tanh", seed=1)
            metrics = ["mae"] if loss == "mse" else ["accuracy"]
            h = fit(model, X, y, loss=loss, optimizer=name, epochs=3, batch_size=7, seed=0,
                    metrics=metrics, progress=False, jit=jit)  # fmt: skip
            histories.append(h.history)
            models.append(model)
    for eager, jitted in zip(models[:2], models[2:]):
        for p, q in zip(eager.parameters(), jitted.parameters(), strict=True):
            assert _close(p.data, q.data), (p.data, q.data)
    for eager, jitted in zip(histories[:2], histories[2:]):
        assert eager.keys() == jitted.keys()
        for key in eager:
            assert all(map(_close, eager[key], jitted[key])), key


def test_fit_jit_must_be_a_flag() -> None:
    with pytest.raises(TypeError, match="jit"):
        fit(MLP(3, [1], seed=0), X, X[:, 0], loss="mse", jit="yes", progress=False)
