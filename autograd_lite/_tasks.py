"""How the command line trains on its datasets with any registered loss.

Everything here is derived from the loss registry (``losses.REGISTRY``): a loss's task,
output kind and targets decide the model's output layer, the target mapping and the
decision threshold. A new loss appears in ``autograd-lite train --loss`` when it fits one of
the datasets, with no table to edit.

>>> "binary_cross_entropy_with_logits" in TRAINABLE_LOSSES
True
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograd_lite import data as datasets
from autograd_lite import losses
from autograd_lite import train as training
from autograd_lite.nn import MLP

BINARY, MULTICLASS, REGRESSION, DISTRIBUTION = "binary", "multiclass", "regression", "distribution"


@dataclass(frozen=True)
class Task:
    """A loss set up for a dataset: output width, output activation, targets, threshold.

    ``targets`` says how the dataset's class labels are given to the loss: as they are
    ("labels"), as -1/+1 ("signed", margin losses) or as one-hot rows ("onehot").

    >>> Task(0, "softmax", "onehot").encode(np.array([2, 0]), 3).tolist()
    [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
    """

    n_outputs: int  # 0: one output per class
    output_activation: str = "linear"
    targets: str = "labels"
    threshold: float | None = None  # binary decision threshold on the output

    def encode(self, y: np.ndarray, n_classes: int) -> np.ndarray:
        """The dataset's targets as this loss takes them."""
        if self.targets == "signed":
            return 2 * y - 1
        return np.eye(n_classes)[y] if self.targets == "onehot" else y

    def labels(self, y: np.ndarray) -> np.ndarray:
        """Class labels back from ``encode``'s targets (for the plots).

        >>> Task(1, targets="signed", threshold=0.0).labels(np.array([-1, 1])).tolist()
        [0, 1]
        """
        if self.targets == "signed":
            return (y + 1) // 2
        return y.argmax(axis=1) if self.targets == "onehot" else y


def task_for(kind: str, info: losses.LossInfo) -> Task | None:
    """How to train on a dataset of ``kind`` with the registered loss ``info``, or None
    when the loss does not fit it. Derived from the loss's task, output and targets only:
    one output per class for multiclass and distribution losses (a softmax layer when they
    read probabilities), one output for binary losses (a sigmoid when they read one).

    >>> task_for(BINARY, losses.REGISTRY["binary_cross_entropy"])
    Task(n_outputs=1, output_activation='sigmoid', targets='labels', threshold=0.5)
    >>> task_for(MULTICLASS, losses.REGISTRY["kl_divergence"])
    Task(n_outputs=0, output_activation='softmax', targets='onehot', threshold=None)
    """
    if kind == REGRESSION or info.task == REGRESSION:
        # 0/1 labels are real targets too, for the losses that take any real
        fits = info.task == REGRESSION and (
            kind == REGRESSION or (kind == BINARY and info.targets == "real")
        )
        return Task(1, threshold=None if kind == REGRESSION else 0.5) if fits else None
    if info.task in (MULTICLASS, DISTRIBUTION):  # one output per class (two for binary)
        activation = "softmax" if info.output == "probability" else "linear"
        return Task(0, activation, "onehot" if info.targets == "distribution" else "labels")
    if kind == MULTICLASS:
        return None
    if info.output == "probability":
        return Task(1, "sigmoid", threshold=0.5)
    return Task(1, targets="signed" if info.targets == "signed" else "labels", threshold=0.0)


KINDS = (BINARY, MULTICLASS, REGRESSION)
TRAINABLE_LOSSES = tuple(
    name for name, info in losses.REGISTRY.items() if any(task_for(k, info) for k in KINDS)
)
"""The losses ``train --loss`` offers: those that fit at least one dataset."""
DEFAULT_LOSS = {
    BINARY: "binary_cross_entropy_with_logits",
    MULTICLASS: "cross_entropy",
    REGRESSION: "mse",
}


def make_dataset(name: str, n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """``X, y, kind`` for a dataset name; regression targets are standardized.

    >>> X, y, kind = make_dataset("blobs", 30, seed=0)
    >>> X.shape, kind
    ((30, 2), 'multiclass')
    """
    if name == "moons":
        X, y = datasets.make_moons(n_samples, noise=0.1, seed=seed)
        return X, y, BINARY
    if name == "blobs":
        X, y = datasets.make_blobs(n_samples, centers=3, seed=seed)
        return X, y, MULTICLASS
    if name == "classification":
        X, y = datasets.make_classification(
            n_samples, n_features=5, n_informative=3, n_redundant=1, seed=seed
        )
        return X, y, BINARY
    X, y = datasets.make_regression(n_samples, n_features=4, n_informative=4, noise=10, seed=seed)
    return X, (y - y.mean()) / y.std(), REGRESSION


def class_scores(task: Task) -> Callable[[np.ndarray], np.ndarray]:
    """Model outputs -> one score per class (argmax = predicted class) for the plots.

    >>> class_scores(Task(1, threshold=0.5))(np.array([0.9]))
    array([[-0.4,  0.4]])
    """
    if task.n_outputs != 1:
        return lambda outputs: outputs
    threshold = task.threshold
    return lambda outputs: np.c_[threshold - outputs, outputs - threshold]


def _architecture(nin: int, nouts: Sequence[int]) -> str:
    return "MLP " + "-".join(str(n) for n in (nin, *nouts))


def _report(name: str, logs: dict[str, float]) -> str:
    return f"{name:<6}" + "  ".join(f"{k} {v:.4f}" for k, v in logs.items())


@dataclass
class Trained:
    """What ``fit_on_dataset`` hands to the plots: the model, its history, the data and the
    test metrics.

    >>> Trained.__dataclass_fields__.keys()
    dict_keys(['model', 'history', 'train', 'test', 'test_logs'])
    """

    model: MLP
    history: training.History
    train: tuple[np.ndarray, np.ndarray]
    test: tuple[np.ndarray, np.ndarray]
    test_logs: dict[str, float]


def fit_on_dataset(
    args: argparse.Namespace, kind: str, task: Task, X: np.ndarray, y: np.ndarray
) -> Trained:
    """Split, build and train the model; print train and test metrics.

    ``args`` holds the ``train`` command's options (``cli.build_parser()`` parses them).

    >>> from autograd_lite.cli import build_parser
    >>> args = build_parser().parse_args(["train", "--epochs", "1", "--samples", "20",
    ...                                   "--hidden", "2", "--loss", "mse"])
    >>> X, y, kind = make_dataset("moons", 20, seed=0)
    >>> run = fit_on_dataset(args, kind, task_for(kind, losses.REGISTRY["mse"]), X, y)
    ... # doctest: +ELLIPSIS
    moons: 16 train / 4 test samples, 2 features; MLP 2-2-1 ...
    >>> run.history.epoch
    [0]
    """
    n_classes = 1 if kind == REGRESSION else int(y.max()) + 1
    y = task.encode(y, n_classes)
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_size=args.test_size, seed=args.seed
    )
    n_outputs = task.n_outputs or n_classes
    nouts = [*args.hidden, n_outputs]
    args.architecture = _architecture(X.shape[1], nouts)
    model = MLP(
        X.shape[1], nouts, activation=args.activation,
        output_activation=task.output_activation, seed=args.seed,
    )  # fmt: skip
    metrics = ["mae"] if kind == REGRESSION else ["accuracy"]
    print(
        f"{args.dataset}: {len(X_train)} train / {len(X_test)} test samples, "
        f"{X.shape[1]} features; {args.architecture} ({len(model.parameters())} parameters); "
        f"loss {args.loss}, {args.optimizer} lr {args.lr}, {args.epochs} epochs, "
        f"batch size {args.batch_size or 'full'}"
    )
    history = training.fit(
        model, X_train, y_train, loss=args.loss, optimizer=args.optimizer, lr=args.lr,
        epochs=args.epochs, batch_size=args.batch_size, validation_data=(X_test, y_test),
        metrics=metrics, seed=args.seed, threshold=task.threshold, progress=True,
        live=getattr(args, "live", False), live_dir=Path(args.out) / "live",
    )  # fmt: skip
    for name, (Xs, ys) in (("train", (X_train, y_train)), ("test", (X_test, y_test))):
        logs = training.evaluate(
            model, Xs, ys, loss=args.loss, metrics=metrics, threshold=task.threshold
        )
        print(_report(name, logs))
    return Trained(model, history, (X_train, y_train), (X_test, y_test), logs)
