"""Saving models as JSON and loading them back, safely for files from anywhere.

A saved model is one JSON object: ``{"format": "autograd_lite.nn", "version": 1,
"architecture": {...}, "state_dict": {name: number}}``. Non-finite weights are written as
the strings ``"nan"``, ``"inf"`` and ``"-inf"``, so the file is strict JSON that any tool
reads, and they load back exactly.

Writing is atomic (``_fileio.atomic_write``): the whole document is serialised first, then
written to a temporary file that replaces ``path`` only once complete, so a failure leaves
the previous file as it was.

Loading checks before it allocates: the file size (at most ``MAX_FILE_BYTES``), the JSON
(nesting depth, numbers), the architecture's sizes, and the number of weights it implies
(at most ``MAX_PARAMETERS``) against the state dict, all before a single ``Value`` is built.
Every problem with a file's content is a ``ValueError``.

Model classes register themselves with ``register_model``; a registered class provides
``config()``, ``parameter_count(config)`` (validates a config without allocating) and
``from_config(config)``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from autograd_lite import _checks
from autograd_lite._fileio import atomic_write, from_json_number, json_number

FORMAT = "autograd_lite.nn"
VERSION = 1
MAX_FILE_BYTES = 128 * 2**20
"""The largest model file ``load`` reads (128 MiB, room for about two million weights)."""
MAX_PARAMETERS = 1_000_000
"""The most weights ``load`` accepts by default: a scalar engine needs a few hundred bytes
per weight, so a million is already hundreds of megabytes. ``load(max_parameters=)`` raises it."""

MODEL_TYPES: dict[str, Any] = {}
"""Model classes that ``load`` can rebuild, by the ``"type"`` their config carries."""


def register_model(cls: type) -> type:
    """Class decorator: let ``load`` rebuild models of this class from their config.

    >>> from autograd_lite.nn import MLP
    >>> MODEL_TYPES["MLP"] is MLP
    True
    """
    MODEL_TYPES[cls.__name__] = cls
    return cls


def _document(model: Any) -> str:
    """The JSON text of a model: built completely before anything is written."""
    if not isinstance(model, tuple(MODEL_TYPES.values())):
        raise TypeError(
            f"model must be one of {', '.join(MODEL_TYPES)}, got {_checks.describe(model)}"
        )
    state = {
        name: json_number(_checks.real(f"parameter {name!r}", value, finite=False))
        for name, value in model.state_dict().items()
    }
    document = {"format": FORMAT, "version": VERSION, "architecture": model.config()}
    document["state_dict"] = state
    return json.dumps(document, indent=1, allow_nan=False)


def save(model: Any, path: str | os.PathLike) -> None:
    """Write ``model``'s architecture and weights to ``path`` as JSON, atomically.

    >>> import pathlib, tempfile
    >>> from autograd_lite.nn import Neuron
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "neuron.json"
    >>> save(Neuron(2, "tanh", seed=0), path)
    >>> load(path)
    Neuron(nin=2, activation='tanh')
    """
    atomic_write(_path(path), _document(model))


def _path(path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {_checks.describe(path)}")
    return os.fspath(path)


def _read(path: str) -> Any:
    """The parsed JSON of ``path``, its size checked before it is read."""
    size = os.stat(path).st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(
            f"{path!r} is {size} bytes, more than a saved model may be "
            f"(MAX_FILE_BYTES = {MAX_FILE_BYTES})"
        )
    with open(path, "rb") as f:
        raw = f.read(size + 1)  # read() allocates what it is asked for: ask for the size
    if len(raw) > size:
        raise ValueError(f"{path!r} grew while it was being read")
    try:
        return json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path!r} is not a saved model: not valid JSON ({e})") from e
    except RecursionError:
        raise ValueError(f"{path!r} is not a saved model: JSON nested too deeply") from None
    except ValueError as e:  # e.g. an integer literal longer than Python converts
        raise ValueError(f"{path!r} is not a saved model: {e}") from e


def _state(state: Any, count: int) -> dict[str, float]:
    """The state dict as floats, its size checked against the architecture's first."""
    if not isinstance(state, Mapping):
        raise ValueError(f"state_dict must be an object, got {type(state).__name__}")
    if len(state) != count:
        raise ValueError(
            f"the architecture has {count} parameters but the state dict holds {len(state)} "
            f"(missing or unexpected entries)"
        )
    return {name: from_json_number(v, f"state dict entry {name!r}") for name, v in state.items()}


def load(path: str | os.PathLike, *, max_parameters: int = MAX_PARAMETERS) -> Any:
    """A new model from a file written by ``save`` (or ``Module.save``).

    A file that is not such a model, whose weights do not match its architecture, or that
    describes more than ``max_parameters`` weights raises ``ValueError``, before anything
    the size of the model is allocated.

    >>> import pathlib, tempfile
    >>> from autograd_lite.nn import MLP
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mlp.json"
    >>> MLP(2, [3, 1], seed=0).save(path)
    >>> len(load(path).parameters())
    13
    """
    path = _path(path)
    max_parameters = _checks.integer("max_parameters", max_parameters, minimum=1)
    document = _read(path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path!r} is not a saved model: no 'format': {FORMAT!r}")
    if document.get("version") != VERSION:
        raise ValueError(
            f"{path!r}: unsupported version {document.get('version')!r:.40}, expected {VERSION}"
        )
    try:
        cls, config = _model_type(document.get("architecture"))
        count = cls.parameter_count(config, max_parameters)
        state = _state(document.get("state_dict"), count)
        model = cls.from_config(config)
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"{path!r} does not hold a valid model: {e}") from e
    return model


def _model_type(config: Any) -> tuple[Any, Mapping[str, Any]]:
    if not isinstance(config, Mapping):
        raise ValueError(f"architecture must be an object, got {config!r:.60}")
    kind = config.get("type")
    if not isinstance(kind, str) or kind not in MODEL_TYPES:
        raise ValueError(
            f"unknown model type {kind!r:.40}; expected one of {', '.join(MODEL_TYPES)}"
        )
    return MODEL_TYPES[kind], config


def check_size(name: str, value: Any, limit: int) -> int:
    """A size read from a file: an int in [1, limit] (a JSON float or bool is refused).

    >>> check_size("nin", 3, 10)
    3
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a positive integer, got {value!r:.40}")
    if not 1 <= value <= limit:
        raise ValueError(f"{name} must be in [1, {limit}], got {value!r:.40}")
    return value


def check_list(name: str, value: Any, item: Callable[[str, Any], Any]) -> list[Any]:
    """A JSON list whose items each pass ``item(name[i], value)``.

    >>> check_list("nouts", [2, 1], lambda n, v: check_size(n, v, 10))
    [2, 1]
    """
    if not isinstance(value, list) or not value:
        raise ValueError(f"{name} must be a non-empty list, got {value!r:.40}")
    return [item(f"{name}[{i}]", v) for i, v in enumerate(value)]
