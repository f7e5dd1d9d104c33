"""Backpropagation one node at a time, forwards and backwards, and the ledger it writes.

``BackwardStepper(root)`` advances ``engine.backward_steps`` (the walk ``backward()`` runs)
one node per ``step()``, so every gradient is exactly ``backward()``'s; ``position = k``
puts the graph's grads back to what they were after ``k`` steps. ``backward_trace(root)``
runs the pass to its end and returns the ledger.
"""

from __future__ import annotations

import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from autograd_lite import _checks
from autograd_lite.engine import Value, backward_steps, topological_order
from autograd_lite.viz import frames, player  # neither imports this module at run time
from autograd_lite.viz.folding import find_groups
from autograd_lite.viz.frames import FRAME_MS
from autograd_lite.viz.graph import Graph, build_graph, check_options, default_fold
from autograd_lite.viz.ledger import Trace, TraceRow
from autograd_lite.viz.names import derivative_name, node_names, short_name


class BackwardStepper:
    """``root.backward(gradient)`` one node per ``step()``; ``back()``, ``reset()`` and
    ``position = k`` go back (the graph's grads become exactly those after ``k`` steps).

    The pass starts as ``backward`` does: non-leaf grads are reset to 0 and the root's grad
    is ``gradient``; leaves accumulate. Leaves that already hold gradients (an earlier
    ``backward()``) keep them and get a warning; ``zero_grad=True`` clears them first.
    ``module``, ``params``, ``fold_params``, ``max_nodes`` and ``rankdir`` draw the graph as
    ``draw_dot`` does (a large module's parameters are folded per neuron).

    >>> from autograd_lite import Value
    >>> a, b = Value(2.0, "a"), Value(0.25, "b")
    >>> st = BackwardStepper((a * b).tanh())
    >>> st.step()
    <step 1: tanh(a*b) (tanh), upstream 1; a*b += 0.7864>
    >>> st.run()[-1].name, a.grad == st.trace[-1].grads_after[0]
    ('a*b', True)
    >>> st.position = 0
    >>> a.grad
    0.0
    """

    def __init__(
        self,
        root: Value,
        gradient: float = 1.0,
        *,
        module: Any = None,
        params: Any = None,
        fold_params: bool | None = None,
        max_nodes: int | None = None,
        rankdir: str = "LR",
        zero_grad: bool = False,
    ) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"BackwardStepper needs a Value as root, got {type(root).__name__}")
        self.gradient = _checks.real("gradient", gradient, finite=False)
        zero_grad = _checks.flag("zero_grad", zero_grad)
        self.fold_params = default_fold(root, module, fold_params)
        check_options(root, rankdir, max_nodes, self.fold_params, module)
        self.root, self.module, self.rankdir, self.max_nodes = root, module, rankdir, max_nodes
        self.params = None if params is None else list(params)
        self.order = topological_order(root)
        self.index = {id(v): i for i, v in enumerate(self.order)}
        groups = find_groups(self.order, self.params, module)
        self.param_names = {key: short_name(path) for key, path in groups.path.items()}
        self.names = node_names(self.order, self.param_names, groups.neurons())
        self._graph_names = node_names(self.order, neurons=groups.neurons())
        self.schedule = [v for v in reversed(self.order) if v.parents]
        self.consumers = Counter(id(p) for v in self.schedule for p in v.parents)
        leaves = [v for v in self.order if not v.parents]
        if zero_grad:
            for v in leaves:
                v.grad = 0.0
        self._warn_held(leaves)
        self._start = [(v, v.grad) for v in leaves]
        self.trace = Trace()
        self._listeners: list[Callable[[int], None]] = []
        self._walk: Iterator[Value] | None = None
        self._full: Trace | None = None
        self._restart()
        self.initial_grads = {id(v): v.grad for v in self.order}

    def _warn_held(self, leaves: list[Value]) -> None:
        held = [self.names[id(v)] for v in leaves if v.grad != 0.0]
        if held:
            shown = ", ".join(held[:5]) + (f" (+{len(held) - 5} more)" if len(held) > 5 else "")
            holds = (
                "leaf already holds a gradient"
                if len(held) == 1
                else "leaves already hold gradients"
            )
            warnings.warn(
                f"{len(held)} {holds} ({shown}): the pass adds to them, as backward() "
                "does; pass zero_grad=True to start from 0",
                stacklevel=3,
            )

    def _restart(self) -> None:
        """Position 0: the leaves' starting grads, and the state backward_steps starts from
        (non-leaf grads 0, the root's ``gradient``), shown before the walk's first step."""
        for v, g in self._start:
            v.grad = g
        for v in self.schedule:
            v.grad = 0.0
        self.trace.clear()
        self._walk = backward_steps(self.root, self.gradient)
        if self.schedule:
            self.root.grad = 0.0 + self.gradient
        else:
            deque(self._walk, maxlen=0)  # a leaf root: the whole pass is adding its seed

    def _advance(self) -> None:
        assert self._walk is not None
        try:
            node = next(self._walk)
        except BaseException:
            self._walk = None  # a generator that raised is finished: replay on the next move
            raise
        g = node.grad
        local = node.local_grads
        name = self.names[id(node)]
        self.trace.append(
            TraceRow(
                step=len(self.trace) + 1,
                node=node,
                name=name,
                op=node.op,
                upstream=g,
                parents=node.parents,
                parent_names=tuple(self.names[id(p)] for p in node.parents),
                local_grads=tuple(local),
                contributions=tuple(g * d for d in local),
                grads_after=tuple(p.grad for p in node.parents),
                upstream_name=derivative_name(self.names[id(self.root)], name),
            )
        )

    def _move(self, k: int) -> None:
        if k < len(self.trace) or self._walk is None:
            done = len(self.trace)
            self._restart()
            for _ in range(min(k, done)):
                self._advance()
        while len(self.trace) < k:
            self._advance()

    @property
    def position(self) -> int:
        """Steps taken so far; setting it moves the pass there (forwards or backwards)."""
        return len(self.trace)

    @position.setter
    def position(self, k: int) -> None:
        self._goto(k)
        for listener in self._listeners:
            listener(self.position)

    def _goto(self, k: int) -> None:
        """Move to position ``k`` without telling the listeners (for moves that come back,
        as ``full_trace`` and the frames make); on an error the position stays as it was."""
        k = _checks.integer("position", k, minimum=0)
        if k > self.total_steps:
            raise ValueError(f"position must be at most total_steps={self.total_steps}, got {k}")
        start = self.position
        try:
            self._move(k)
        except BaseException:
            self._move(start)
            raise

    def add_position_listener(self, callback: Callable[[int], None]) -> None:
        """Call ``callback(position)`` after every move (the live widget follows this way).

        >>> from autograd_lite import Value
        >>> st = BackwardStepper(Value(2.0, "a") * 3)
        >>> st.add_position_listener(lambda k: print("at step", k))
        >>> st.run()[-1].name
        at step 1
        'a*3'
        """
        self._listeners.append(callback)

    def widget(self) -> Any:
        """The live Jupyter widget of this stepper (needs ``autograd-lite[notebook]``): a
        click in it moves ``position``, and moving ``position`` moves it. Showing the stepper
        as a cell's value shows this widget.

        >>> from autograd_lite import Value
        >>> st = BackwardStepper(Value(2.0, "a") * 3)
        >>> st.widget().position = 1
        >>> st.done
        True
        """
        from autograd_lite.viz.widget import stepper_widget

        return stepper_widget(self)

    @property
    def total_steps(self) -> int:
        """Steps in the whole pass: the number of non-leaf nodes."""
        return len(self.schedule)

    @property
    def done(self) -> bool:
        """True when every node has propagated its gradient."""
        return self.position == self.total_steps

    @property
    def current(self) -> Value | None:
        """The node processed by the latest ``step()`` (None before the first)."""
        return self.trace[-1].node if self.trace else None

    @property
    def next(self) -> Value | None:
        """The node the next ``step()`` will process (None when done)."""
        return None if self.done else self.schedule[self.position]

    def name(self, v: Value) -> str:
        """``v``'s name in the ledger: a module parameter's short path, its label, its short
        sub-expression ("a*b"), or "#k"."""
        try:
            return self.names[id(v)]
        except KeyError:
            raise ValueError(f"{v!r} is not in the graph of this stepper's root") from None

    def step(self) -> TraceRow:
        """Propagate the next node's gradient to its parents; return the ledger row."""
        if self.done:
            raise RuntimeError("the backward pass is finished: every node has been stepped")
        self.position = self.position + 1
        return self.trace[-1]

    def back(self) -> None:
        """Undo the latest step: every grad is as it was before it."""
        if self.position == 0:
            raise RuntimeError("the backward pass is at its start: there is no step to undo")
        self.position = self.position - 1

    def reset(self) -> None:
        """Back to the start of the pass (position 0)."""
        self.position = 0

    def run(self) -> Trace:
        """Take every remaining step; return the whole ledger."""
        self.position = self.total_steps
        return self.trace

    def full_trace(self) -> Trace:
        """The ledger of the whole pass, wherever the stepper is (its position is kept)."""
        if self._full is None:
            k = self.position
            self._goto(self.total_steps)
            self._full = Trace(self.trace)
            self._goto(k)
        return self._full

    def status(self) -> dict[int, str]:
        """Node id -> "pending" (no gradient arrived yet) or "partial" (more to come)."""
        received = Counter(id(p) for row in self.trace for p in row.parents)
        out = {}
        for v in self.order:
            expected, got = self.consumers[id(v)], received[id(v)]
            if v is not self.root and got == 0:
                out[id(v)] = "pending"
            elif got < expected:
                out[id(v)] = "partial"
        return out

    def draw(self, rankdir: str | None = None, max_nodes: int | None = None) -> Graph:
        """The graph now: the node just processed and the edges its gradient flowed along in
        red, grads not computed yet shown as "grad ?" (dashed), incomplete ones "(so far)"."""
        current = self.current
        return build_graph(
            self.root,
            rankdir=rankdir or self.rankdir,
            max_nodes=max_nodes or self.max_nodes,
            highlight=() if current is None else (current,),
            params=self.params,
            module=self.module,
            status=self.status(),
            flow=current,
            fold_params=self.fold_params,
            names=self._graph_names,
            stacked=True,  # narrow nodes: more of the graph readable on a screen
        )

    def final_graph(self) -> Graph:
        """The graph as the finished pass leaves it: every node with its final grad (the
        stepper does not move).

        >>> from autograd_lite import Value
        >>> st = BackwardStepper(Value(2.0, "a") * 3)
        >>> "grad 3" in st.final_graph().source, st.position
        (True, 0)
        """
        final = dict(self.initial_grads)
        for row in self.full_trace():
            final.update(zip(map(id, row.parents), row.grads_after))
        return build_graph(
            self.root,
            rankdir=self.rankdir,
            max_nodes=self.max_nodes,
            params=self.params,
            module=self.module,
            grads=final,
            fold_params=self.fold_params,
            names=self._graph_names,
            stacked=True,  # narrow nodes: more of the graph readable on a screen
        )

    def player_data(self, title: str = "") -> dict[str, Any]:
        """The JSON the player's ``mountPlayer`` takes: the graph and every step of the pass."""
        return player.player_data(
            self.root,
            self.full_trace(),
            self.final_graph(),
            start=self.initial_grads,
            names=self.names,
            title=title,
        )

    def to_html(self, path: str | Path, title: str = "Backpropagation, step by step") -> Path:
        """Write the self-contained HTML player of the whole pass (no network needed).

        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> BackwardStepper(Value(2.0, "x").tanh()).to_html(folder / "player.html").name
        'player.html'
        """
        return player.write_player(self.player_data(title), Path(path))

    def save_frames(self, folder: str | Path, fmt: str = "png") -> list[Path]:
        """One picture per position (0 .. total_steps) in ``folder`` (created), for slides:
        ``step_000.png``, ``step_001.png``, ... The stepper's position is kept.

        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "slides"
        >>> [p.name for p in BackwardStepper(Value(2.0, "x").tanh()).save_frames(folder, "svg")]
        ['step_000.svg', 'step_001.svg']
        """
        return frames.save_frames(self, folder, fmt)

    def to_gif(self, path: str | Path, frame_ms: int = FRAME_MS) -> Path:
        """An animated GIF of the whole pass, one frame per position (needs Pillow).

        >>> import tempfile, pathlib
        >>> from autograd_lite import Value
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "pass.gif"
        >>> BackwardStepper(Value(2.0, "x").tanh()).to_gif(path).read_bytes()[:6]
        b'GIF89a'
        """
        return frames.to_gif(self, path, frame_ms)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict:
        from autograd_lite.viz.widget import stepper_mimebundle

        return stepper_mimebundle(self)

    def __repr__(self) -> str:
        return (
            f"<BackwardStepper at step {self.position} of {self.total_steps}, "
            f"root {self.names[id(self.root)]!r}>"
        )


def backward_trace(root: Value, gradient: float = 1.0) -> Trace:
    """Run ``root``'s backward pass (grads change as with ``backward()``) and return its ledger.

    >>> from autograd_lite import Value
    >>> x = Value(3.0, "x")
    >>> [row.contributions for row in backward_trace(x * x)]
    [(3.0, 3.0)]
    """
    return BackwardStepper(root, gradient).run()
