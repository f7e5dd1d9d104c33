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
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lite._fileio import atomic_write, json_number
from autograd_lite.viz.graph import build_graph
from autograd_lite.viz.render import render_svg

if TYPE_CHECKING:
    from autograd_lite.viz.stepper import BackwardStepper

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


def player_data(stepper: BackwardStepper, title: str = "") -> dict[str, Any]:
    """The JSON ``mountPlayer`` takes: the graph's SVG and every step of the full pass."""
    grads = dict(stepper.initial_grads)
    steps = []
    for node in stepper.schedule:
        g = grads[id(node)]
        inputs = []
        for p, d in zip(node.parents, node.local_grads, strict=True):
            contribution = g * d
            grads[id(p)] += contribution
            inputs.append(
                {
                    "id": f"n{stepper.index[id(p)]}",
                    "name": stepper.name(p),
                    "local": json_number(d),
                    "contrib": json_number(contribution),
                    "after": json_number(grads[id(p)]),
                    "formula": "",
                }
            )
        steps.append(
            {
                "node": f"n{stepper.index[id(node)]}",
                "name": stepper.name(node),
                "op": node.op,
                "upstream": json_number(g),
                "upstream_name": f"dL/d{stepper.name(node)}",
                "inputs": inputs,
            }
        )
    nodes = [
        {
            "id": f"n{i}",
            "name": stepper.name(v),
            "data": json_number(v.data),
            "grad0": json_number(stepper.initial_grads[id(v)]),
            "consumers": stepper.consumers[id(v)],
            "root": v is stepper.root,
        }
        for i, v in enumerate(stepper.order)
    ]
    graph = build_graph(stepper.root, params=stepper.params, module=stepper.module, grads=grads)
    svg = render_svg(graph.source)
    seed = stepper.initial_grads[id(stepper.root)]
    return {
        "title": title,
        "svg": svg[svg.index("<svg") :],
        "nodes": nodes,
        "tables": [],
        "steps": steps,
        "seed": json_number(seed),
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
    """The self-contained HTML page (no network) mounting the player on ``data``."""
    page = _asset("player.html")
    parts = {
        "TITLE": html.escape(data.get("title") or "Backpropagation, step by step"),
        "DATA": embed_json(data),
        "CSS": player_css(),
        "JS": player_js(),
    }
    return re.sub(r"__(TITLE|DATA|CSS|JS)__", lambda m: parts[m.group(1)], page)


def write_player(stepper: BackwardStepper, path: Path, title: str) -> Path:
    """Write the HTML player of ``stepper``'s whole pass to ``path`` (atomically)."""
    atomic_write(path, player_page(player_data(stepper, title)))
    return path
