"""The ``autograd-lite`` command line (also ``python -m autograd_lite``).

``demo`` trains an MLP on two moons and writes a loss graph and two plots, ``train`` trains
any MLP on one of four datasets, ``graph`` differentiates a formula typed on the command line.
Errors are one short line on stderr: exit status 2 for bad input (usage, refused formula,
undefined variable), 1 when the work itself fails (no Graphviz renderer, unwritable file).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lite import losses
from autograd_lite import train as training
from autograd_lite._tasks import (
    BINARY,
    DEFAULT_LOSS,
    REGRESSION,
    TRAINABLE_LOSSES,
    Task,
    class_scores,
    fit_on_dataset,
    make_dataset,
    task_for,
)
from autograd_lite.engine import Value
from autograd_lite.expr import FUNCTIONS, UndefinedVariableError, parse
from autograd_lite.nn import ACTIVATIONS, MLP
from autograd_lite.optim import OPTIMIZERS
from autograd_lite.plots import plot_decision_boundary, plot_loss_curve
from autograd_lite.render import RendererNotFound
from autograd_lite.stepper import BackwardStepper
from autograd_lite.viz import draw_dot

PROG = "autograd-lite"
GRAPH_FORMATS = (".svg", ".png", ".pdf", ".dot", ".gv")


class CliError(Exception):
    """A failure reported as one line on stderr with exit ``status``.

    >>> CliError("no such file", 1).status
    1
    """

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


# ------------------------------------------------------------------ argument types
def _number(convert: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Any:
    """An argparse type: ``convert(text)``, refused with "expected ..." unless ``ok``."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return parse


_positive_int = _number(int, lambda v: v >= 1, "a positive integer")
_positive_float = _number(float, lambda v: v > 0 and math.isfinite(v), "a positive number")
_fraction = _number(float, lambda v: 0 < v < 1, "a fraction between 0 and 1")
_seed = _number(int, lambda v: v >= 0, "an integer >= 0")


def _batch_size(text: str) -> int | None:
    return None if text.lower() in ("full", "all") else _positive_int(text)


def _hidden(text: str) -> list[int]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        return [_positive_int(p) for p in parts]
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected layer widths separated by commas, e.g. 16,16, got {text!r}"
        ) from None


def _variable(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=NUMBER, e.g. a=2, got {text!r}")
    try:
        return name.strip(), float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name.strip()}: {value!r} is not a number") from None


def _task(kind: str, loss: str, dataset: str) -> Task:
    task = task_for(kind, losses.REGISTRY[loss])
    if task is None:
        fitting = [name for name in TRAINABLE_LOSSES if task_for(kind, losses.REGISTRY[name])]
        raise CliError(
            f"loss {loss!r} does not fit the {kind} dataset {dataset!r}; "
            f"use one of: {', '.join(fitting)}"
        )
    return task


# ------------------------------------------------------------------ graph output
def _graph_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in GRAPH_FORMATS:
        raise argparse.ArgumentTypeError(
            f"the output format comes from the extension; use one of {', '.join(GRAPH_FORMATS)}, "
            f"got {text!r}"
        )
    return path


def _html_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in (".html", ".htm"):
        raise argparse.ArgumentTypeError(
            f"the player is an HTML page: give a .html path, got {text!r}"
        )
    return path


# ------------------------------------------------------------------ commands
def _parent_made(path: Path) -> Path:
    """``path``, its folder created (with its parents) when missing and checked writable,
    so that a long run does not end in a failed write."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create folder {str(path.parent)!r}: {error.strerror}", 1) from None
    if path.is_dir():
        raise CliError(f"{str(path)!r} is a folder; give a file name", 2)
    if not os.access(path.parent, os.W_OK):
        raise CliError(f"cannot write into folder {str(path.parent)!r}: permission denied", 1)
    return path


def _out_dir(text: str) -> Path:
    out = Path(text)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CliError(f"cannot create output directory {text!r}: {error.strerror}", 1) from None
    return out


def cmd_train(args: argparse.Namespace) -> int:
    """Train an MLP on a dataset; print metrics; write the loss curve (and boundary in 2-D).

    >>> build_parser().parse_args(["train", "--dataset", "blobs"]).run is cmd_train
    True
    """
    X, y, kind = make_dataset(args.dataset, args.samples, args.seed)
    args.loss = args.loss or DEFAULT_LOSS[kind]
    task = _task(kind, args.loss, args.dataset)
    if kind == REGRESSION:
        print("regression targets are standardized (zero mean, unit variance)")
    out = _out_dir(args.out)
    save = None if args.save is None else _parent_made(Path(args.save))  # before training
    run = fit_on_dataset(args, kind, task, X, y)
    title = f"{args.architecture} on {args.dataset}"
    written = [plot_loss_curve(run.history, out / "loss_curve.png", title, args.loss)]
    if kind != REGRESSION and X.shape[1] == 2:
        train, test = run.train, run.test
        train, test = (train[0], task.labels(train[1])), (test[0], task.labels(test[1]))
        path = out / "decision_boundary.png"
        scores = class_scores(task)
        title += ": decision regions"
        written.append(plot_decision_boundary(run.model, scores, train, test, path, title))
    if save is not None:
        run.model.save(save)
        written.append(save)
    for path in written:
        print(f"wrote {path}")
    return 0


def _sample_graph(model: MLP, x: np.ndarray, target: float) -> Any:
    """The loss graph of one sample, its parameters boxed per neuron and layer."""
    inputs = [Value(float(v), label=f"x{i + 1}") for i, v in enumerate(x)]
    logit = model(inputs)
    logit.label = "logit"
    loss = losses.binary_cross_entropy_with_logits([logit], [float(target)])
    loss.label = f"loss (y = {int(target)})"
    model.zero_grad()
    loss.backward()
    return draw_dot(loss, module=model)


def cmd_demo(args: argparse.Namespace) -> int:
    """Train MLP 2-16-16-1 on moons; write graph.svg, loss_curve.png, decision_boundary.png.

    >>> build_parser().parse_args(["demo", "--out", "demo"]).run is cmd_demo
    True
    """
    args.dataset, args.samples, args.test_size = "moons", 250, 0.2
    args.hidden, args.activation = [16, 16], "relu"
    args.loss, args.optimizer, args.lr, args.batch_size = DEFAULT_LOSS[BINARY], "adam", 0.02, 32
    task = _task(BINARY, args.loss, args.dataset)
    out = _out_dir(args.out)
    X, y, _ = make_dataset("moons", args.samples, args.seed)
    run = fit_on_dataset(args, BINARY, task, X, y)
    title = "MLP 2-16-16-1 on two moons"
    plot_loss_curve(run.history, out / "loss_curve.png", title, args.loss)
    plot_decision_boundary(
        run.model, class_scores(task), run.train, run.test, out / "decision_boundary.png",
        f"{title}: test accuracy {run.test_logs['accuracy']:.1%}",
    )  # fmt: skip
    print(f"wrote {out / 'loss_curve.png'}\nwrote {out / 'decision_boundary.png'}")
    nearest = int(np.argmin(np.abs(training.predict(run.model, run.test[0]))))  # |logit| least
    graph = _sample_graph(run.model, run.test[0][nearest], run.test[1][nearest])
    try:
        graph.export(out / "graph.svg")
    except RendererNotFound:
        graph.export(out / "graph.dot")
        print(f"wrote {out / 'graph.dot'} (DOT source) instead of graph.svg", file=sys.stderr)
        raise
    print(f"wrote {out / 'graph.svg'} (the loss graph of the test sample nearest the boundary)")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    """Differentiate a formula: print its value and each variable's gradient; draw it.

    >>> cmd_graph(build_parser().parse_args(["graph", "x**2", "--var", "x=3"]))
    x**2 = 9
    x: 6
    0
    """
    expression = parse(args.expression)
    given: dict[str, float] = {}
    for name, value in args.var:
        if name in given:
            raise CliError(f"variable {name} is given twice")
        given[name] = value
    if args.dpi is not None and (args.out is None or args.out.suffix.lower() != ".png"):
        raise CliError("--dpi sets the resolution of PNG output: use it with --out FILE.png")
    unused = [name for name in given if name not in expression.variables]
    if unused:
        print(f"note: not in the formula: {', '.join(unused)}", file=sys.stderr)
    leaves = {name: Value(value, label=name) for name, value in given.items()}
    try:
        result = expression(leaves)
    except UndefinedVariableError as error:
        example = " ".join(f"--var {name}=1.5" for name in error.names)
        raise CliError(f"{error} (e.g. {example})") from None
    if not result.label:
        result.label = "out"
    stepper = None
    if args.ledger or args.html:
        stepper = BackwardStepper(result)
        stepper.run()  # the backward pass, one recorded step per node
    else:
        result.backward()
    print(f"{expression.source} = {result.data:.8g}")
    for name in (*expression.variables, *unused):
        print(f"{name}: {leaves[name].grad:.8g}")
    if args.ledger:
        print(f"\nchain-rule ledger (one line per edge, from {result.label} back to the inputs):")
        print(stepper.trace)
    if args.out:
        graph = draw_dot(result, rankdir=args.rankdir)
        if args.dpi is not None:
            graph.graph_attr["dpi"] = f"{args.dpi:g}"  # as `dot -Gdpi=N`
        graph.export(_parent_made(args.out))
        print(f"wrote {args.out}")
    if args.html:
        stepper.to_html(_parent_made(args.html))
        print(f"wrote {args.html} (open it in a browser to step through backpropagation)")
    return 0


# ------------------------------------------------------------------ parser
def _add_training_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--epochs", type=_positive_int, default=30, help="passes over the training set")
    p.add_argument("--seed", type=_seed, default=0, help="seed for data, weights and shuffling")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with the demo, train and graph subcommands.

    >>> build_parser().parse_args(["graph", "a*b", "--var", "a=2", "--ledger"]).ledger
    True
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="See backpropagation work: train small MLPs and draw computation graphs.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser(
        "demo",
        help="train an MLP on two moons; write a loss graph and plots",
        description="Train MLP 2-16-16-1 on 250 two-moons samples (80/20 split) with Adam, "
        "print train/test accuracy and write graph.svg (the loss graph of the test sample "
        "nearest the decision boundary, each neuron's parameters folded into one table), "
        "loss_curve.png and decision_boundary.png into --out.",
    )
    demo.add_argument("--out", default="autograd-lite-demo", help="output directory")
    _add_training_options(demo)
    demo.set_defaults(run=cmd_demo)

    train = commands.add_parser(
        "train",
        help="train an MLP on a dataset",
        description="Train an MLP, print train/test metrics, write loss_curve.png (and "
        "decision_boundary.png for 2-D classification) into --out. Default losses: "
        "binary_cross_entropy_with_logits for moons and classification, cross_entropy for "
        "blobs (3 classes), mse for regression (targets standardized).",
    )
    train.add_argument(
        "--dataset", choices=("moons", "blobs", "classification", "regression"), default="moons"
    )
    train.add_argument("--samples", type=_positive_int, default=300, help="dataset size")
    train.add_argument("--test-size", type=_fraction, default=0.2, help="fraction held out")
    train.add_argument("--hidden", type=_hidden, default=[16, 16], help="hidden widths, e.g. 16,16")
    train.add_argument("--activation", choices=tuple(ACTIVATIONS), default="relu")
    train.add_argument("--loss", choices=TRAINABLE_LOSSES, help="default depends on the dataset")
    train.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default="adam")
    train.add_argument("--lr", type=_positive_float, default=0.01, help="learning rate")
    train.add_argument(
        "--batch-size", type=_batch_size, default=32, help="samples per update, or 'full'"
    )
    _add_training_options(train)
    train.add_argument("--out", default="autograd-lite-train", help="output directory")
    train.add_argument("--save", metavar="MODEL.json", help="save the trained model as JSON")
    train.add_argument(
        "--live", action="store_true", help="write the live view's frames into OUT/live"
    )
    train.set_defaults(run=cmd_train)

    graph = commands.add_parser(
        "graph",
        help="differentiate a formula and draw its graph",
        description="Evaluate a formula on the given variables, backpropagate, print the value "
        "and one 'name: gradient' line per variable, and draw the graph with --out. Formulas "
        "use numbers, variables, + - * / ** and the functions " + ", ".join(FUNCTIONS) + ".",
        epilog='example: autograd-lite graph "tanh(a*b + c)" --var a=2 --var b=-3 --var c=1 '
        "--out g.svg",
    )
    graph.add_argument("expression", help='the formula, e.g. "tanh(a*b + c)"')
    graph.add_argument(
        "--var", type=_variable, action="append", default=[], metavar="NAME=VALUE",
        help="a variable's value (repeat for each variable)",
    )  # fmt: skip
    graph.add_argument(
        "--out", type=_graph_path,
        help="write the graph here (.svg, .png, .pdf, .dot); missing folders are created",
    )  # fmt: skip
    graph.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR")
    graph.add_argument(
        "--dpi", type=_positive_float, help="resolution of PNG output (as dot -Gdpi), e.g. 200"
    )
    graph.add_argument(
        "--ledger", action="store_true",
        help="print the chain-rule ledger: each backward step's upstream gradient, local "
        "derivatives and contributions",
    )  # fmt: skip
    graph.add_argument(
        "--html", type=_html_path, metavar="PLAYER.html",
        help="write the step-by-step backpropagation player (a self-contained HTML page)",
    )  # fmt: skip
    graph.set_defaults(run=cmd_graph)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failure, 2 bad input).

    >>> main(["graph", "a*b", "--var", "a=2", "--var", "b=5"])
    a*b = 10
    a: 5
    b: 2
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CliError as error:
        message, status = str(error), error.status
    except RendererNotFound as error:
        message, status = str(error), 1
    except ValueError as error:  # ExpressionError included: bad input
        message, status = str(error), 2
    except OSError as error:
        message, status = f"{error.strerror or error}: {error.filename or ''}".rstrip(": "), 1
    except KeyboardInterrupt:
        message, status = "interrupted", 130
    print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
    return status
