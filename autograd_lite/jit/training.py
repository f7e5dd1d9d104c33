"""Training through jitted programs: what ``fit(..., jit=True)`` runs for each batch.

The model's forward for one sample is jitted once (re-traced only if a guard flips). For
a batch, the program gives each sample's outputs; the loss is built eagerly on them as
leaves (a small graph, any loss works), and its ``backward`` gives d loss / d output per
sample. Each sample's program then runs backward with those as its gradient, adding into
the parameters' ``.grad``: in the order that eager ``backward`` of the whole batch graph
reaches the samples, so the sums are the eager ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite.engine import Value, topological_order
from autograd_lite.jit import Jitted, jit


class ModelProgram:
    """A model's per-sample program, trained one batch at a time.

    >>> from autograd_lite.nn import MLP
    >>> from autograd_lite.losses import mse
    >>> model = MLP(2, [3, 1], seed=0)
    >>> program = ModelProgram(model)
    >>> loss, outputs = program.step([[0.5, -1.0], [1.0, 2.0]], [1.0, 0.0], mse)
    >>> loss.data == mse([model([0.5, -1.0]), model([1.0, 2.0])], [1.0, 0.0]).data
    True
    """

    def __init__(self, model: Callable[[list], Any]) -> None:
        self.model = model
        self.program: Jitted | None = None

    def _compile(self, row: Sequence[float]) -> Jitted:
        model = self.model

        def sample(*x: Value) -> Any:
            return model(list(x))

        return jit(sample, *row, module=model)

    def step(
        self, rows: Sequence[Sequence[float]], targets: Any, loss_fn: Callable[..., Value]
    ) -> tuple[Value, list]:
        """Forward and backward of one batch: adds d loss / d parameter into each ``.grad``
        (zero them first) and returns the batch loss and the outputs, as leaf Values."""
        if self.program is None:
            self.program = self._compile(rows[0])
        program = self.program
        outputs = [program(*row) for row in rows]
        preds = [Value(o) if isinstance(o, float) else [Value(v) for v in o] for o in outputs]
        loss = loss_fn(preds, targets)
        loss.backward()
        # Eager backward of the batch graph reaches sample i's subgraph where it reaches
        # its outputs: process the samples in that order.
        position = {id(v): k for k, v in enumerate(reversed(topological_order(loss)))}
        first = [
            min(position.get(id(v), len(position)) for v in (p if isinstance(p, list) else [p]))
            for p in preds
        ]
        for i in sorted(range(len(rows)), key=first.__getitem__):
            pred = preds[i]
            if isinstance(pred, list):
                program.backward(*rows[i], gradient=[v.grad for v in pred])
            else:
                program.backward(*rows[i], gradient=pred.grad)
        return loss, preds
