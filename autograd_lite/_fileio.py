"""Files written whole or not at all, and JSON that carries inf and nan portably.

Every writer in the library goes through ``atomic_write``: the data goes to a temporary
file in the destination's folder, is flushed to disk, and only then replaces the
destination with ``os.replace`` (atomic on POSIX and Windows). A failure at any point
leaves the previous file as it was and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from pathlib import Path
from typing import Any


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; return the path.

    The folder must exist: a missing one is a ``FileNotFoundError`` naming it.

    >>> import tempfile, pathlib
    >>> p = atomic_write(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "hi")
    >>> p.read_text()
    'hi'
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot write {str(path)!r}: its folder {str(folder)!r} does not exist"
        )
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def json_number(x: float) -> float | str:
    """A float as JSON can hold it: finite ones as they are, else "nan", "inf" or "-inf".

    >>> json_number(float("-inf")), json_number(0.5)
    ('-inf', 0.5)
    """
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def from_json_number(x: Any, name: str) -> float:
    """The float that ``json_number`` wrote (a number, or "nan", "inf", "-inf").

    >>> from_json_number("inf", "w")
    inf
    """
    if isinstance(x, str) and x in _NON_FINITE:
        return _NON_FINITE[x]
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise ValueError(f"{name} must be a number or 'nan', 'inf', '-inf', got {x!r:.60}")
    try:
        return float(x)
    except OverflowError:
        raise ValueError(f"{name} is too large for a float: {x!r:.60}") from None
