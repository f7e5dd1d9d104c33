"""Argument checks shared by every public function: one rule everywhere.

A wrong type raises ``TypeError``, a wrong value ``ValueError``; the message names the
argument, what it got and what it expects. numpy real scalars (``np.float32(0.1)``,
``np.int64(2)``) are accepted wherever a Python number is, and come back as Python numbers.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np


def describe(value: Any) -> str:
    """``value`` as a message shows it: its type and a short repr.

    >>> describe("x")
    "str 'x'"
    """
    return f"{type(value).__name__} {value!r:.60}"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def real(name: str, value: Any, *, finite: bool = True) -> float:
    """``value`` as a float: a real number (not a bool), finite unless ``finite=False``.

    >>> real("lr", np.float32(0.5))
    0.5
    """
    if _is_bool(value) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number, got {describe(value)}")
    try:
        x = float(value)
    except OverflowError:  # an int too large for a float
        raise ValueError(f"{name} must fit in a float, got {value!r:.60}") from None
    if finite and not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x!r}")
    return x


def positive(name: str, value: Any) -> float:
    """A finite real number > 0.

    >>> positive("lr", 0.1)
    0.1
    """
    x = real(name, value)
    if not x > 0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return x


def non_negative(name: str, value: Any) -> float:
    """A finite real number >= 0.

    >>> non_negative("noise", 0)
    0.0
    """
    x = real(name, value)
    if x < 0:
        raise ValueError(f"{name} must be >= 0, got {x!r}")
    return x


def interval(name: str, value: Any, low: float, high: float, *, closed: bool = True) -> float:
    """A finite real number in [low, high] (or [low, high) with ``closed=False``).

    >>> interval("momentum", 0.9, 0.0, 1.0, closed=False)
    0.9
    """
    x = real(name, value)
    if x < low or x > high or (not closed and x == high):
        shown = f"[{low:g}, {high:g}{']' if closed else ')'}"
        raise ValueError(f"{name} must be in {shown}, got {x!r}")
    return x


def integer(name: str, value: Any, *, minimum: int | None = None) -> int:
    """An int (or numpy integer, not a bool), at least ``minimum`` when given.

    >>> integer("epochs", np.int64(3), minimum=1)
    3
    """
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {describe(value)}")
    n = int(value)
    if minimum is not None and n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def flag(name: str, value: Any) -> bool:
    """True or False (a numpy bool too).

    >>> flag("nesterov", True)
    True
    """
    if not _is_bool(value):
        raise TypeError(f"{name} must be True or False, got {describe(value)}")
    return bool(value)


def choice(name: str, value: Any, options: Iterable[str]) -> str:
    """One of the strings in ``options``.

    >>> choice("reduction", "mean", ("mean", "sum", "none"))
    'mean'
    """
    options = tuple(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {options}, got {describe(value)}")
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


def text(name: str, value: Any) -> str:
    """A str.

    >>> text("label", "x")
    'x'
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {describe(value)}")
    return value


def generator(name: str, value: Any) -> np.random.Generator:
    """A numpy ``Generator`` from a seed: None (fresh entropy), an int >= 0 or a Generator
    (returned as is, so one stream can feed several calls).

    >>> int(generator("seed", np.int64(3)).integers(10)) == int(generator("seed", 3).integers(10))
    True
    """
    if value is None or isinstance(value, np.random.Generator):
        return np.random.default_rng(value)
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, a numpy Generator or None, got {describe(value)}")
    return np.random.default_rng(integer(name, value, minimum=0))
