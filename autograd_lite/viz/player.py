"""The interactive player of a backward pass: one JS asset, a static page around it.

``player.js`` defines ``mountPlayer(el, data, {position, onPosition})``; the static page
(``write_player``) and the Jupyter widget both call it with the JSON ``player_data`` builds,
reading the asset's text through ``player_js()`` / ``player_css()`` (one copy of the code).
The whole pass is computed here in Python (the same float operations as ``backward()``), so
the script only copies numbers, never does arithmetic: the grads it shows are exactly Python's.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

from autograd_lite._fileio import atomic_write, json_number
from autograd_lite.engine import Value, topological_order
from autograd_lite.viz.ledger import TraceRow, chain_rule, chain_rule_questions
from autograd_lite.viz.names import derivative_name
from autograd_lite.viz.render import Graph

INTERVAL_MS = 700
_SCRIPT_BREAKERS = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def _asset(name: str) -> str:
    return files("autograd_lite.viz").joinpath(name).read_text(encoding="utf-8")


def player_js() -> str:
    """The player's JavaScript source: defines ``mountPlayer(el, data, options)``.

    >>> "function mountPlayer(el, data" in player_js()
    True
    """
    return _asset("player.js")


def player_css() -> str:
    """The player's style sheet (every rule scoped under ``.agl-player``).

    >>> player_css().count(".agl-player") > 10
    True
    """
    return _asset("player.css")


def player_data(
    root: Value,
    rows: Sequence[TraceRow],
    graph: Graph,
    *,
    start: Mapping[int, float],
    names: Mapping[int, str],
    title: str = "",
) -> dict[str, Any]:
    """The JSON ``mountPlayer`` takes, from the ledger ``rows`` of a whole pass of ``root``.

    ``graph`` is the drawing (``build_graph``) the page shows, ``start`` each node's grad
    (by id) before the first step and ``names`` each node's name in the ledger. Format::

        {"title", "svg", "seed", "seed_name", "interval_ms",
         "nodes":  [{"id", "el", "name", "data", "grad0", "consumers", "root"}],
         "tables": [{"id", "name", "rows": [{"members": [node id, ...], "max": bool}]}],
         "steps":  [{"node", "name", "op", "upstream", "upstream_name",
                     "inputs": [{"id", "name", "local", "contrib", "after",
                                 "formula", "chain", "question", "chain_question"}]}]}

    Numbers are JSON numbers, or "inf", "-inf", "nan". ``nodes`` are in topological order
    (``id`` is "n<index>"); an input's ``formula`` is its local derivative in symbols and
    numbers ("de/du = 1 - e^2 = 1 - 0.9993^2 = 0.001341"), ``chain`` the chain rule giving
    its contribution, without the result ("dL/du += dL/de × de/du = 1 × 0.001341");
    ``question`` and ``chain_question`` the same two without the local derivative's value
    ("de/du = 1 - e^2 = ?", "... = 1 × ?"), shown in quiz mode;
    ``el`` is the SVG element drawing the node (itself, or the
    summary it is folded into); ``tables`` are folded neurons' parameter tables, whose grad
    cells the player fills in (a summarized row shows the largest |grad| of its members).

    >>> from autograd_lite import Value, BackwardStepper
    >>> x = Value(3.0, "x")
    >>> y = x * 2
    >>> y.label = "y"
    >>> data = BackwardStepper(y).player_data()
    >>> [(s["name"], s["upstream_name"], s["inputs"][0]["contrib"]) for s in data["steps"]]
    [('y', 'dy/dy', 2.0)]
    """
    order = topological_order(root)
    key = {id(v): f"n{i}" for i, v in enumerate(order)}
    root_name = names[id(root)]
    consumers = Counter(id(p) for row in rows for p in row.parents)
    steps = [
        {
            "node": key[id(row.node)],
            "name": row.name,
            "op": row.op,
            "upstream": json_number(row.upstream),
            "upstream_name": row.upstream_name,
            "inputs": [
                {
                    "id": key[id(p)],
                    "name": name,
                    "local": json_number(d),
                    "contrib": json_number(c),
                    "after": json_number(after),
                    "formula": formula,
                    "chain": chain,
                    "question": question,
                    "chain_question": chain_question,
                }
                for p, name, d, c, after, (formula, chain), (question, chain_question) in zip(
                    row.parents,
                    row.parent_names,
                    row.local_grads,
                    row.contributions,
                    row.grads_after,
                    chain_rule(row, root_name),
                    chain_rule_questions(row, root_name),
                    strict=True,
                )
            ],
        }
        for row in rows
    ]
    nodes = [
        {
            "id": key[id(v)],
            "el": graph.element_ids.get(id(v), key[id(v)]),
            "name": names[id(v)],
            "data": json_number(v.data),
            "grad0": json_number(start[id(v)]),
            "consumers": consumers[id(v)],
            "root": v is root,
        }
        for v in order
    ]
    tables = [
        {
            "id": element,
            "name": graph.titles.get(element, ""),
            "rows": [
                {"members": [key[id(v)] for v in r.members], "max": r.summarized} for r in trs
            ],
        }
        for element, trs in graph.tables
    ]
    svg = graph.svg()
    return {
        "title": title,
        "svg": svg[svg.index("<svg") :],
        "nodes": nodes,
        "tables": tables,
        "steps": steps,
        "seed": json_number(start[id(root)]),
        "seed_name": derivative_name(root_name, root_name),
        "interval_ms": INTERVAL_MS,
    }


def embed_json(data: Any) -> str:
    """``data`` as JSON safe inside an HTML ``<script>``: no ``<``, ``>`` or ``&`` at all.

    >>> embed_json({"label": "</script><!--"})
    '{"label": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, allow_nan=False)
    return re.sub(r"[<>&]", lambda m: _SCRIPT_BREAKERS[m.group(0)], text)


def player_page(data: dict[str, Any]) -> str:
    """The self-contained HTML page (no network) mounting the player on ``data``.

    >>> from autograd_lite import Value, BackwardStepper
    >>> page = player_page(BackwardStepper(Value(2.0, "x").tanh()).player_data("tanh"))
    >>> page.startswith("<!DOCTYPE html>") and "mountPlayer(" in page
    True
    """
    page = _asset("player.html")
    parts = {
        "TITLE": html.escape(data.get("title") or "Backpropagation, step by step"),
        "DATA": embed_json(data),
        "CSS": player_css(),
        "JS": player_js(),
    }
    return re.sub(r"__(TITLE|DATA|CSS|JS)__", lambda m: parts[m.group(1)], page)


def write_player(data: dict[str, Any], path: str | Path) -> Path:
    """Write the self-contained HTML player of ``data`` (``player_data``) to ``path``,
    atomically.

    >>> import tempfile, pathlib
    >>> from autograd_lite import Value, BackwardStepper
    >>> data = BackwardStepper(Value(2.0, "x").tanh()).player_data()
    >>> write_player(data, pathlib.Path(tempfile.mkdtemp()) / "p.html").suffix
    '.html'
    """
    return atomic_write(Path(path), player_page(data))
