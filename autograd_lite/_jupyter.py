"""Whether this code runs in a Jupyter kernel: the one test the progress bar, the stepper's
widget and the live training view share."""

from __future__ import annotations

import sys


def in_kernel() -> bool:
    """True inside a running IPython kernel, where a widget frontend may be listening (a
    process that merely imported ipykernel, as nbclient does to run notebooks, is not one).
    IPython is only looked up, never imported: a kernel has always imported it.

    >>> in_kernel()
    False
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None
