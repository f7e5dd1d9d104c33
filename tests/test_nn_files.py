"""Saved models: atomic writes (fault injection), portable non-finite weights, and a loader
that refuses hostile files (huge sizes, deep nesting, huge integers) with ValueError before
it allocates anything the size of the model."""

from __future__ import annotations

import json
import math
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from autograd_lite import _fileio, nn, serialization
from autograd_lite.nn import MLP, Layer, Neuron, load


def saved(tmp_path: Path, model: nn.Module | None = None) -> Path:
    path = tmp_path / "model.json"
    (model or MLP(2, [3, 1], seed=0)).save(path)
    return path


def write_document(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


# ------------------------------------------------------------------ atomic save
def test_save_failing_half_way_leaves_the_previous_file_loadable(tmp_path, monkeypatch):
    path = saved(tmp_path)
    before = path.read_bytes()
    model = MLP(2, [3, 1], seed=1)

    def disk_full(fd: int) -> None:  # the bytes were written, flushing them to disk fails
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load(path).state_dict() == MLP(2, [3, 1], seed=0).state_dict()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temp file left


@pytest.mark.parametrize("bad", ["oops", object()], ids=["str", "object"])
def test_save_with_an_unserialisable_weight_writes_nothing(tmp_path, bad):
    path = saved(tmp_path)
    before = path.read_bytes()
    model = MLP(2, [3, 1], seed=1)
    model.layers[1].neurons[0].b.data = bad  # serialising fails at the last parameter
    with pytest.raises(TypeError, match=r"parameter .layers.1.neurons.0.b. must be a real"):
        model.save(path)
    assert path.read_bytes() == before
    assert isinstance(load(path), MLP)


def test_save_accepts_numpy_float_weights(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].neurons[0].w[0].data = np.float32(0.25)
    model.layers[0].neurons[1].b.data = np.float64(-1.5)
    loaded = load(saved(tmp_path, model))
    assert loaded.layers[0].neurons[0].w[0].data == 0.25
    assert loaded.layers[0].neurons[1].b.data == -1.5


def test_save_into_a_missing_folder_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Neuron(2).save(tmp_path / "missing" / "m.json")


def test_non_finite_weights_are_strict_json_and_load_back_exactly(tmp_path):
    model = Neuron(3, "linear", seed=0)
    model.w[0].data, model.w[1].data, model.b.data = math.nan, math.inf, -math.inf
    path = saved(tmp_path, model)

    def refuse(token: str) -> float:
        raise AssertionError(f"non-standard JSON token {token}")

    document = json.loads(path.read_text(), parse_constant=refuse)  # strict JSON
    assert document["state_dict"]["w.0"] == "nan"
    loaded = load(path)
    assert math.isnan(loaded.w[0].data)
    assert (loaded.w[1].data, loaded.b.data) == (math.inf, -math.inf)
    assert loaded.w[2].data == model.w[2].data


# ------------------------------------------------------------------ hostile files
def huge_architecture(nin: int) -> dict:
    return {
        "format": serialization.FORMAT,
        "version": serialization.VERSION,
        "architecture": {"type": "MLP", "nin": nin, "nouts": [1], "activations": ["linear"]},
        "state_dict": {"layers.0.neurons.0.b": 0.0},
    }


@pytest.mark.parametrize("nin", [10**9, 10**400])
def test_huge_sizes_are_refused_without_allocating(tmp_path, nin):
    path = write_document(tmp_path / "huge.json", huge_architecture(nin))
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"nin must be in \[1, 1000000\]"):
            load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # a model with nin = 10**9 would need hundreds of gigabytes


def test_parameter_cap_counts_every_layer_and_can_be_raised(tmp_path):
    model = MLP(3, [40, 40, 1], seed=0)  # 4*40 + 41*40 + 41 = 1841 weights
    path = saved(tmp_path, model)
    with pytest.raises(ValueError, match="more than 1000 parameters"):
        load(path, max_parameters=1000)
    assert load(path, max_parameters=1841).state_dict() == model.state_dict()


def test_state_dict_size_is_checked_before_the_model_is_built(tmp_path, monkeypatch):
    document = json.loads(saved(tmp_path).read_text())
    document["state_dict"].update({f"extra.{i}": 0.0 for i in range(3)})
    path = write_document(tmp_path / "extra.json", document)
    built = []
    monkeypatch.setattr(MLP, "from_config", classmethod(lambda cls, c: built.append(c)))
    with pytest.raises(ValueError, match="has 13 parameters but the state dict holds 16"):
        load(path)
    assert built == []


def test_deeply_nested_json_is_a_value_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(path)


@pytest.mark.parametrize("where", ["weight", "size"])
def test_huge_integer_literal_is_a_value_error(tmp_path, where):
    text = saved(tmp_path).read_text()
    document = json.loads(text)
    huge = "1" + "0" * 400  # 1e400 written as an integer: no float holds it
    if where == "weight":
        document["state_dict"]["layers.0.neurons.0.b"] = 12345
        text = json.dumps(document).replace("12345", huge)
    else:
        document["architecture"]["nin"] = 12345
        text = json.dumps(document).replace("12345", huge)
    path = tmp_path / "huge_int.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"too large for a float|must be in"):
        load(path)


def test_integer_literal_longer_than_python_converts_is_a_value_error(tmp_path):
    text = saved(tmp_path).read_text().replace('"nin": 2', '"nin": ' + "9" * 5000)
    path = tmp_path / "long.json"
    path.write_text(text)
    with pytest.raises(ValueError, match="not a saved model"):
        load(path)


def test_file_size_is_checked_before_reading(tmp_path, monkeypatch):
    path = saved(tmp_path)
    monkeypatch.setattr(serialization, "MAX_FILE_BYTES", 100)
    opened = []
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a))
    with pytest.raises(ValueError, match="more than a saved model may be"):
        load(path)
    assert opened == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["architecture"].update(nin=2.0), "nin must be a positive integer"),
        (lambda d: d["architecture"].update(nin=True), "nin must be a positive integer"),
        (lambda d: d["architecture"].update(nouts=[3, "1"]), r"nouts\[1\] must be a positive"),
        (lambda d: d["architecture"].update(nouts={}), "nouts must be a non-empty list"),
        (lambda d: d["architecture"].update(activations=["relu"]), "one activation per layer"),
        (lambda d: d["architecture"].update(activations=["relu", 3]), "must be a string"),
        (lambda d: d["architecture"].update(type=["MLP"]), "unknown model type"),
        (lambda d: d.update(state_dict=[0.0] * 13), "state_dict must be an object"),
        (lambda d: d["state_dict"].update({"layers.0.neurons.0.b": "x"}), "must be a number"),
        (lambda d: d["state_dict"].update({"layers.0.neurons.0.b": None}), "must be a number"),
        (lambda d: d.update(architecture=None), "architecture must be an object"),
    ],
)
def test_malformed_content_is_a_value_error(tmp_path, edit, message):
    document = json.loads(saved(tmp_path).read_text())
    edit(document)
    with pytest.raises(ValueError, match=message):
        load(write_document(tmp_path / "bad.json", document))


def test_layer_and_neuron_files_are_checked_the_same_way(tmp_path):
    for model in (Layer(2, 3, seed=0), Neuron(2, seed=0)):
        document = json.loads(saved(tmp_path, model).read_text())
        document["architecture"]["nin"] = 10**9
        with pytest.raises(ValueError, match=r"nin must be in \[1, "):
            load(write_document(tmp_path / "bad.json", document))


def test_softmax_models_save_and_load(tmp_path):
    model = MLP(2, [3, 4], output_activation="softmax", seed=0)
    loaded = load(saved(tmp_path, model))
    assert loaded.layers[-1].activation == "softmax"
    assert [v.data for v in loaded([1.0, 2.0])] == [v.data for v in model([1.0, 2.0])]
    document = json.loads(saved(tmp_path, Neuron(2)).read_text())
    document["architecture"]["activation"] = "softmax"  # a neuron has no softmax
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        load(write_document(tmp_path / "bad.json", document))


def test_save_needs_a_model():
    with pytest.raises(TypeError, match="model must be one of Neuron, Layer, MLP, got dict"):
        nn.save({"w": 1.0}, "unused.json")


def test_load_path_must_be_a_path():
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike, got NoneType"):
        load(None)


def test_old_import_paths_keep_working(tmp_path):
    path = saved(tmp_path)
    assert nn.load is serialization.load and nn.save is serialization.save
    nn.save(load(path), path)
    assert isinstance(nn.load(path), MLP)
    assert _fileio.atomic_write is serialization.atomic_write
