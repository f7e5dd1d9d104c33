"""The optim package's layout: torch.optim's module paths, the old import paths, the registry."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import autograd_lite.optim as optim
from autograd_lite import Value
from autograd_lite.optim import optimizer as optimizer_module

PACKAGE = Path(optim.__file__).parent
OLD_NAMES = [
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


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(PACKAGE)]))


def test_every_name_the_flat_module_exported_is_still_exported() -> None:
    assert sorted(optim.__all__) == sorted(OLD_NAMES)
    namespace: dict = {}
    exec(f"from autograd_lite.optim import {', '.join(OLD_NAMES)}", namespace)
    assert all(namespace[name] is getattr(optim, name) for name in OLD_NAMES)


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("optimizer", ["Optimizer", "OPTIMIZERS", "make_optimizer"]),
        ("sgd", ["SGD"]),
        ("adagrad", ["Adagrad"]),
        ("rmsprop", ["RMSprop"]),
        ("adam", ["Adam", "AdamW"]),
        ("adamax", ["Adamax"]),
        ("adadelta", ["Adadelta"]),
        ("lr_scheduler", ["LRScheduler", "StepLR", "ExponentialLR"]),
        ("clip", ["clip_grad_norm"]),
    ],
)
def test_torch_style_module_paths(module: str, names: list[str]) -> None:
    mod = importlib.import_module(f"autograd_lite.optim.{module}")
    assert sorted(mod.__all__) == sorted(names)
    for name in names:
        assert getattr(mod, name) is getattr(optim, name)


def test_every_module_is_under_400_lines() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert {name for name, n in sizes.items() if n > 400} == set(), sizes


def test_no_import_cycles_and_no_module_imports_the_package_itself() -> None:
    graph: dict[str, set[str]] = {}
    for name in _modules():
        tree = ast.parse((PACKAGE / f"{name}.py").read_text())
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert "autograd_lite.optim" not in imported, f"{name}.py imports the package __init__"
        prefix = "autograd_lite.optim."
        graph[name] = {m.removeprefix(prefix) for m in imported if m.startswith(prefix)}
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, f"import cycle: {' -> '.join((*path, node))}"
        if node not in done:
            for dep in graph[node]:
                visit(dep, (*path, node))
            done.add(node)

    for name in graph:
        visit(name, ())
    assert graph["optimizer"] == set(), "the base module imports no algorithm"


def test_every_optimizer_class_in_the_package_is_registered() -> None:
    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    ours = {c for c in subclasses(optim.Optimizer) if c.__module__.startswith("autograd_lite.")}
    assert ours == set(optim.OPTIMIZERS.values())
    assert list(optim.OPTIMIZERS) == [
        "sgd",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "adamax",
        "adadelta",
    ]


def test_a_new_optimizer_is_one_class_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer_module, "OPTIMIZERS", dict(optim.OPTIMIZERS))

    class SignSGD(optim.Optimizer, name="signsgd"):
        def __init__(self, params, lr: float = 0.1) -> None:
            super().__init__(params, {"lr": lr})

        def _update(self, data, grad, state):
            return data - self.lr * (grad > 0) + self.lr * (grad < 0), state

    p = Value(1.0)
    p.grad = -3.0
    opt = optim.make_optimizer("SignSGD", [p], lr=0.25)
    assert isinstance(opt, SignSGD)
    opt.step()
    assert p.data == 1.25
    assert "signsgd" not in optim.OPTIMIZERS  # the real registry was left alone


def test_a_taken_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(optimizer_module, "OPTIMIZERS", dict(optim.OPTIMIZERS))
    with pytest.raises(ValueError, match="'adam' is already registered"):

        class Adam2(optim.Optimizer, name="Adam"):
            pass
