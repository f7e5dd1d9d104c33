"""The command line, run as a user runs it: ``python -m autograd_lite`` and the
``autograd-lite`` script installed next to the interpreter, in subprocesses."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCRIPT = Path(sys.executable).parent / "autograd-lite"
MODULE = [sys.executable, "-m", "autograd_lite"]
ENTRY_POINTS = {"module": MODULE, "script": [str(SCRIPT)]}


needs_system_dot = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="needs the system Graphviz `dot` (PDF output): apt-get install graphviz "
    "(Debian/Ubuntu) or brew install graphviz (macOS)",
)


def run(*args: str, cwd: Path | None = None, entry: str = "module", env=None):
    return subprocess.run(
        [*ENTRY_POINTS[entry], *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def assert_clean_error(done: subprocess.CompletedProcess, status: int) -> None:
    """Failed with ``status``: a short message on stderr, no traceback."""
    assert done.returncode == status, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.strip()
    assert len(done.stderr.strip().splitlines()) <= 4


def read_png(path: Path) -> np.ndarray:
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0.01  # not a blank canvas
    return image


def parse_svg(path: Path) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    return root


# ------------------------------------------------------------------ help and usage errors
@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize("command", [[], ["demo"], ["train"], ["graph"]])
def test_help(entry, command):
    done = run(*command, "--help", entry=entry)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: autograd-lite")
    for option in {"demo": ["--out", "--epochs", "--seed"], "graph": ["--var", "--out"]}.get(
        command[0] if command else "", []
    ):
        assert option in done.stdout
    if command == ["train"]:
        for option in ("--dataset", "--hidden", "--loss", "--optimizer", "--batch-size", "--save"):
            assert option in done.stdout


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["nonsense"],
        ["train", "--dataset", "mnist"],
        ["train", "--epochs", "0"],
        ["train", "--hidden", "16,x"],
        ["train", "--lr", "-1"],
        ["train", "--optimizer", "lbfgs"],
        ["train", "--test-size", "2"],
        ["train", "--test-size", "nan"],
        ["train", "--seed", "-1"],
        ["graph", "a*b", "--var", "a"],
        ["graph", "a*b", "--var", "a=two"],
        ["graph", "a", "--var", "a=1", "--out", "g.jpg"],
    ],
)
def test_usage_errors_exit_2(args, tmp_path):
    done = run(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "usage: autograd-lite" in done.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ graph
FORMULA = (
    "tanh(a*b + c) + exp(-a/2)**2 + log(sqrt(b**2 + 1)) * sigmoid(c) - softplus(a)/relu(c + 3)"
    " + leaky_relu(b) + sin(a)*cos(b) + abs(b) + 2**c"
)
VALUES = {"a": 2.0, "b": -3.0, "c": 1.0}


def formula(a: float, b: float, c: float) -> float:
    """FORMULA written independently with math, for the reference values."""
    return (
        math.tanh(a * b + c)
        + math.exp(-a / 2) ** 2
        + math.log(math.sqrt(b**2 + 1)) / (1 + math.exp(-c))
        - math.log1p(math.exp(a)) / max(c + 3, 0)
        + (b if b > 0 else 0.01 * b)
        + math.sin(a) * math.cos(b)
        + abs(b)
        + 2**c
    )


def printed(stdout: str) -> tuple[float, dict[str, float]]:
    """The output value and the ``name: grad`` lines the graph command prints."""
    lines = stdout.strip().splitlines()
    value = float(lines[0].rsplit("=", 1)[1])
    grads = {}
    for line in lines[1:]:
        match = re.fullmatch(r"(\w+): (\S+)", line)
        if match:
            grads[match.group(1)] = float(match.group(2))
    return value, grads


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_graph_prints_value_and_gradients(entry, tmp_path):
    variables = [f"--var={name}={value}" for name, value in VALUES.items()]
    done = run("graph", FORMULA, *variables, cwd=tmp_path, entry=entry)
    assert done.returncode == 0, done.stderr
    value, grads = printed(done.stdout)
    assert value == pytest.approx(formula(**VALUES), rel=1e-7)
    assert list(grads) == ["a", "b", "c"]  # one line per variable, in order of use
    eps = 1e-6
    for name in VALUES:
        up, down = dict(VALUES), dict(VALUES)
        up[name] += eps
        down[name] -= eps
        expected = (formula(**up) - formula(**down)) / (2 * eps)
        assert grads[name] == pytest.approx(expected, rel=1e-6, abs=1e-7), name
    assert list(tmp_path.iterdir()) == []  # no --out, no file


def test_graph_matches_the_engine(tmp_path):
    from autograd_lite import Value

    done = run("graph", "tanh(a*b + c)", "--var", "a=2", "--var", "b=-3", "--var", "c=1")
    assert done.returncode == 0, done.stderr
    a, b, c = Value(2.0), Value(-3.0), Value(1.0)
    out = (a * b + c).tanh()
    out.backward()
    value, grads = printed(done.stdout)
    assert value == pytest.approx(out.data, rel=1e-7)
    assert grads == pytest.approx({"a": a.grad, "b": b.grad, "c": c.grad}, rel=1e-7)


def test_graph_unused_variable_has_zero_gradient():
    done = run("graph", "a*a", "--var", "a=3", "--var", "z=1")
    assert done.returncode == 0, done.stderr
    assert printed(done.stdout)[1] == {"a": 6.0, "z": 0.0}
    assert "z" in done.stderr


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot"])
def test_graph_writes_the_drawing(suffix, tmp_path):
    out = tmp_path / f"g{suffix}"
    done = run("graph", "tanh(a*b + c)", "--var", "a=2", "--var", "b=-3", "--var", "c=1",
               "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    if suffix == ".svg":
        root = parse_svg(out)
        text = " ".join(t for t in root.itertext())
        assert "tanh" in text and "data 2" in text and "data -3" in text
    elif suffix == ".png":
        read_png(out)
    else:
        source = out.read_text()
        assert source.lstrip().startswith("digraph") and "tanh" in source


@pytest.mark.parametrize(
    "formula_text",
    [
        "__import__('os')",
        "a.b",
        "__import__('os').system('touch pwned')",
        "exec('import os')",
        "lambda: 0",
        "a[0]",
        "import os",
        "unknown(a)",
    ],
)
def test_graph_refuses_outside_the_whitelist(formula_text, tmp_path):
    done = run("graph", formula_text, "--var", "a=1", "--var", "b=2", cwd=tmp_path)
    assert_clean_error(done, 2)
    assert (
        "not allowed" in done.stderr
        or "unknown function" in done.stderr
        or ("not a valid formula" in done.stderr)
    )
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_graph_undefined_variable_exits_2():
    done = run("graph", "a*b + c", "--var", "a=1")
    assert_clean_error(done, 2)
    assert "undefined variables b, c" in done.stderr


def test_graph_same_variable_twice_exits_2():
    assert_clean_error(run("graph", "a", "--var", "a=1", "--var", "a=2"), 2)


def test_graph_without_renderer_exits_1_with_hint(tmp_path):
    env = {**os.environ, "AUTOGRAD_LITE_RENDERER": "none"}  # as if neither were installed
    out = tmp_path / "g.svg"
    done = run("graph", "a*b", "--var", "a=2", "--var", "b=5", "--out", str(out), env=env)
    assert_clean_error(done, 1)
    assert "pip install autograd-lite[render]" in done.stderr
    assert "apt-get install graphviz" in done.stderr
    assert printed(done.stdout)[1] == {"a": 5.0, "b": 2.0}  # the numbers still come out
    assert not out.exists()


@needs_system_dot
def test_graph_writes_pdf_with_system_dot_only(tmp_path):
    out = tmp_path / "g.pdf"
    done = run("graph", "a*b", "--var", "a=2", "--var", "b=5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    env = {**os.environ, "AUTOGRAD_LITE_RENDERER": "graphviz-pure"}
    pure = tmp_path / "pure.pdf"
    done = run("graph", "a*b", "--var", "a=2", "--var", "b=5", "--out", str(pure), env=env)
    assert_clean_error(done, 1)
    assert "PDF output needs the system Graphviz `dot`" in done.stderr
    assert not pure.exists()


# ------------------------------------------------------------------ train
def metric_lines(stdout: str) -> dict[str, dict[str, float]]:
    """{"train": {"loss": .., "accuracy": ..}, "test": {...}} from the printed report."""
    found = {}
    for line in stdout.splitlines():
        words = line.split()
        if words and words[0] in ("train", "test") and len(words) % 2 == 1:
            found[words[0]] = {k: float(v) for k, v in zip(words[1::2], words[2::2])}
    return found


@pytest.mark.parametrize(
    ("dataset", "metric", "boundary"),
    [
        ("moons", "accuracy", True),
        ("blobs", "accuracy", True),
        ("classification", "accuracy", False),
        ("regression", "mae", False),
    ],
)
def test_train_each_dataset(dataset, metric, boundary, tmp_path):
    done = run("train", "--dataset", dataset, "--epochs", "2", "--samples", "60",
               "--out", str(tmp_path), entry="script")  # fmt: skip
    assert done.returncode == 0, done.stderr
    metrics = metric_lines(done.stdout)
    assert set(metrics) == {"train", "test"}
    for split in metrics.values():
        assert set(split) == {"loss", metric}
        assert all(math.isfinite(v) for v in split.values())
    read_png(tmp_path / "loss_curve.png")
    assert (tmp_path / "decision_boundary.png").exists() == boundary
    if boundary:
        read_png(tmp_path / "decision_boundary.png")


def test_train_saved_model_reproduces_the_printed_test_accuracy(tmp_path):
    from autograd_lite.data import make_moons, train_test_split
    from autograd_lite.nn import load

    saved = tmp_path / "model.json"
    done = run("train", "--dataset", "moons", "--samples", "100", "--epochs", "3",
               "--hidden", "8", "--optimizer", "sgd", "--lr", "0.1", "--batch-size", "full",
               "--seed", "4", "--out", str(tmp_path), "--save", str(saved))  # fmt: skip
    assert done.returncode == 0, done.stderr
    model = load(saved)
    assert len(model.parameters()) == 2 * 8 + 8 + 8 + 1
    X, y = make_moons(100, noise=0.1, seed=4)
    _, X_test, _, y_test = train_test_split(X, y, test_size=0.2, seed=4)
    logits = np.array([model(row.tolist()).data for row in X_test])
    accuracy = np.mean((logits > 0).astype(int) == y_test)
    assert metric_lines(done.stdout)["test"]["accuracy"] == pytest.approx(accuracy, abs=1e-4)


@pytest.mark.parametrize(
    ("loss", "dataset"),
    [
        ("binary_cross_entropy", "classification"),
        ("hinge", "classification"),
        ("cross_entropy", "moons"),
        ("huber", "regression"),
    ],
)
def test_train_other_losses(loss, dataset, tmp_path):
    done = run("train", "--dataset", dataset, "--loss", loss, "--epochs", "1", "--samples", "40",
               "--out", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"loss {loss}" in done.stdout


@pytest.mark.parametrize(
    ("dataset", "loss"), [("blobs", "mse"), ("regression", "hinge"), ("moons", "mape")]
)
def test_train_loss_that_does_not_fit_exits_2(dataset, loss, tmp_path):
    done = run("train", "--dataset", dataset, "--loss", loss, "--out", str(tmp_path))
    assert_clean_error(done, 2)
    assert f"loss {loss!r} does not fit" in done.stderr


def test_train_unwritable_output_exits_1(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    done = run("train", "--epochs", "1", "--samples", "20", "--out", str(blocker / "sub"))
    assert_clean_error(done, 1)
    assert "cannot create output directory" in done.stderr


# ------------------------------------------------------------------ demo
@pytest.mark.slow
def test_demo_writes_graph_and_plots(tmp_path):
    out = tmp_path / "demo"
    done = run("demo", "--out", str(out), entry="script")
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "decision_boundary.png",
        "graph.svg",
        "loss_curve.png",
    ]
    read_png(out / "loss_curve.png")
    read_png(out / "decision_boundary.png")
    svg = parse_svg(out / "graph.svg")
    text = " ".join(svg.itertext())
    for label in ("x1", "x2", "logit", "loss", "layer 0", "neuron 15", "relu", "dot", "17 params"):
        assert label in text
    width, height = (float(svg.get(side).removesuffix("pt")) for side in ("width", "height"))
    assert max(width, height) <= 3000  # one readable picture: parameters folded per neuron
    metrics = metric_lines(done.stdout)
    assert metrics["test"]["accuracy"] >= 0.95
    assert metrics["train"]["accuracy"] >= 0.95


# ------------------------------------------------------------------ losses from the registry
def test_loss_choices_come_from_the_registry():
    from autograd_lite import _tasks, losses

    # every registered loss fits a dataset: with a softmax output layer for the ones
    # reading probabilities over classes, one-hot targets for the distribution losses
    assert sorted(_tasks.TRAINABLE_LOSSES) == sorted(losses.REGISTRY)
    blobs = _tasks.MULTICLASS
    kl = _tasks.task_for(blobs, losses.REGISTRY["kl_divergence"])
    assert (kl.output_activation, kl.targets) == ("softmax", "onehot")
    cce = _tasks.task_for(blobs, losses.REGISTRY["categorical_cross_entropy"])
    assert (cce.output_activation, cce.targets) == ("softmax", "labels")
    assert _tasks.task_for(blobs, losses.REGISTRY["mse"]) is None
    assert _tasks.task_for(_tasks.REGRESSION, losses.REGISTRY["hinge"]) is None


def test_an_unknown_loss_is_a_usage_error(tmp_path):
    done = run("train", "--loss", "focal", "--out", str(tmp_path))
    assert done.returncode == 2
    assert "invalid choice" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("loss", ["categorical_cross_entropy", "kl_divergence"])
def test_probability_losses_train_a_softmax_model_and_save_it(loss, tmp_path):
    saved = tmp_path / "m.json"
    done = run("train", "--dataset", "blobs", "--loss", loss, "--epochs", "30", "--samples", "60",
               "--hidden", "8", "--seed", "1", "--out", str(tmp_path),
               "--save", str(saved))  # fmt: skip
    assert done.returncode == 0, done.stderr
    from autograd_lite.nn import load

    model = load(saved)
    assert model.layers[-1].activation == "softmax"
    assert sum(v.data for v in model([0.5, -0.5])) == pytest.approx(1.0, abs=1e-12)
    assert metric_lines(done.stdout)["test"]["accuracy"] >= 0.9  # 3 classes: chance is 1/3
    read_png(tmp_path / "decision_boundary.png")


def test_every_listed_loss_trains_on_a_dataset_it_fits(tmp_path, capsys):
    """In-process (fast): each offered loss runs one epoch on the first dataset it fits."""
    from autograd_lite import _tasks, cli, losses

    kinds = {"moons": _tasks.BINARY, "blobs": _tasks.MULTICLASS, "regression": _tasks.REGRESSION}
    for loss in _tasks.TRAINABLE_LOSSES:
        info = losses.REGISTRY[loss]
        dataset = next(d for d, kind in kinds.items() if _tasks.task_for(kind, info))
        status = cli.main(["train", "--dataset", dataset, "--loss", loss, "--epochs", "1",
                           "--samples", "30", "--hidden", "4", "--out", str(tmp_path)])  # fmt: skip
        out = capsys.readouterr()
        assert status == 0, (loss, out.err)
        assert f"loss {loss}" in out.out


# ------------------------------------------------------------------ output folders
def test_train_save_into_a_missing_folder_creates_it(tmp_path):
    saved = tmp_path / "missing" / "deeper" / "m.json"
    done = run("train", "--epochs", "1", "--samples", "30", "--hidden", "4",
               "--out", str(tmp_path / "out"), "--save", str(saved))  # fmt: skip
    assert done.returncode == 0, done.stderr
    from autograd_lite.nn import load

    assert len(load(saved).parameters()) == 2 * 4 + 4 + 4 + 1


def test_train_save_to_a_folder_is_refused_before_training(tmp_path):
    done = run("train", "--epochs", "1", "--samples", "30", "--out", str(tmp_path / "out"),
               "--save", str(tmp_path))  # fmt: skip
    assert_clean_error(done, 2)
    assert "is a folder" in done.stderr
    assert "train " not in done.stdout  # no metrics printed: nothing was trained
    assert not (tmp_path / "out" / "loss_curve.png").exists()


def test_train_save_into_a_read_only_folder_is_refused_before_training(
    tmp_path, monkeypatch, capsys
):
    """In-process, with os.access saying "not writable" (root may write anywhere)."""
    from autograd_lite import cli

    locked = tmp_path / "locked"
    locked.mkdir()
    monkeypatch.setattr(cli.os, "access", lambda path, mode: Path(path) != locked)
    args = ["--out", str(tmp_path / "out"), "--save", str(locked / "m.json")]
    status = cli.main(["train", "--epochs", "1", "--samples", "30", *args])
    out = capsys.readouterr()
    assert status == 1
    assert "cannot write into folder" in out.err
    assert "train " not in out.out and not (tmp_path / "out" / "loss_curve.png").exists()


def test_graph_out_creates_missing_folders(tmp_path):
    out = tmp_path / "a" / "b" / "x.svg"
    done = run("graph", "a*b", "--var", "a=2", "--var", "b=5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    parse_svg(out)


# ------------------------------------------------------------------ ledger, player, dpi
def test_graph_ledger_prints_each_edge_of_the_chain_rule():
    done = run("graph", "a*b + c", "--var", "a=2", "--var", "b=5", "--var", "c=1", "--ledger")
    assert done.returncode == 0, done.stderr
    assert printed(done.stdout.split("\n\n")[0]) == (11.0, {"a": 5.0, "b": 2.0, "c": 1.0})
    ledger = done.stdout.split("chain-rule ledger", 1)[1].splitlines()
    header = ledger[1].split()
    assert header == ["step", "node", "op", "upstream", "input", "local", "d", "contribution",
                      "input", "grad"]  # fmt: skip
    rows = [line.split() for line in ledger[3:] if line.strip()]
    # step 1: out = a*b + c, upstream 1; step 2: the node a*b (named by its sub-expression),
    # local derivatives b and a
    assert rows[0][:4] == ["1", "out", "+", "1"] and rows[1][-4:] == ["c", "1", "1", "1"]
    assert rows[2][:4] == ["2", "a*b", "*", "1"]
    assert rows[2][-4:] == ["a", "5", "5", "5"] and rows[3][-4:] == ["b", "2", "2", "2"]


def test_graph_html_writes_the_player_into_a_new_folder(tmp_path):
    page = tmp_path / "pages" / "player.html"
    done = run("graph", "tanh(a*b)", "--var", "a=2", "--var", "b=-1", "--html", str(page))
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert text.lstrip().lower().startswith("<!doctype html")
    assert '"op": "tanh"' in text and '"op": "*"' in text  # the two backward steps
    assert printed(done.stdout)[1]["a"] == pytest.approx(-(1 - math.tanh(-2) ** 2), rel=1e-7)


@pytest.mark.parametrize("bad", [["--html", "p.svg"], ["--dpi", "0"], ["--dpi", "x"]])
def test_graph_html_and_dpi_usage_errors_exit_2(bad, tmp_path):
    done = run("graph", "a", "--var", "a=1", *bad, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_graph_dpi_needs_png_output(tmp_path):
    done = run("graph", "a", "--var", "a=1", "--out", str(tmp_path / "g.svg"), "--dpi", "200")
    assert_clean_error(done, 2)
    assert "--dpi sets the resolution of PNG output" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_graph_dpi_scales_the_png(tmp_path):
    shapes = []
    for dpi in ("50", "150"):
        out = tmp_path / f"g{dpi}.png"
        done = run("graph", "a*b", "--var", "a=2", "--var", "b=5", "--out", str(out), "--dpi", dpi)
        assert done.returncode == 0, done.stderr
        shapes.append(np.array(read_png_any(out).shape[:2]))
    assert np.allclose(shapes[1] / shapes[0], 3, rtol=0.05)  # 150 / 50 dpi


def read_png_any(path: Path) -> np.ndarray:
    import matplotlib.image

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    return matplotlib.image.imread(path)
