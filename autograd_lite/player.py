"""The self-contained HTML player of a backward pass: inline SVG graph, data, a small script.

The page needs no network and no server. The whole pass is computed here in Python (the same
float operations as ``backward()``), so the script only copies numbers, never does arithmetic:
the grads it shows are exactly Python's.
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autograd_lite.render import render_svg
from autograd_lite.viz import build_graph

if TYPE_CHECKING:
    from autograd_lite.stepper import BackwardStepper

INTERVAL_MS = 700


def _num(x: float) -> float | str:
    """JSON has no inf or nan: send them as strings the script decodes."""
    if math.isfinite(x):
        return x
    return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")


def player_data(stepper: BackwardStepper) -> tuple[dict[str, Any], dict[int, float]]:
    """The page's data (every step of the full pass) and the final grads by node id."""
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
                    "local": _num(d),
                    "contrib": _num(contribution),
                    "after": _num(grads[id(p)]),
                }
            )
        steps.append(
            {
                "node": f"n{stepper.index[id(node)]}",
                "name": stepper.name(node),
                "op": node.op,
                "upstream": _num(g),
                "inputs": inputs,
            }
        )
    nodes = [
        {
            "id": f"n{i}",
            "name": stepper.name(v),
            "data": _num(v.data),
            "grad0": _num(stepper.initial_grads[id(v)]),
            "consumers": stepper.consumers[id(v)],
            "root": v is stepper.root,
        }
        for i, v in enumerate(stepper.order)
    ]
    seed = stepper.initial_grads[id(stepper.root)]
    data = {"nodes": nodes, "steps": steps, "seed": _num(seed), "interval_ms": INTERVAL_MS}
    return data, grads


def write_player(stepper: BackwardStepper, path: Path, title: str) -> Path:
    """Write the HTML player of ``stepper``'s whole pass to ``path``."""
    data, final = player_data(stepper)
    graph = build_graph(stepper.root, params=stepper.params, module=stepper.module, grads=final)
    svg = render_svg(graph.source)
    svg = svg[svg.index("<svg") :]
    payload = json.dumps(data, allow_nan=False).replace("</", "<\\/")
    page = files("autograd_lite").joinpath("player.html").read_text(encoding="utf-8")
    parts = {"TITLE": html.escape(title), "DATA": payload, "SVG": svg}
    page = re.sub(r"__(TITLE|DATA|SVG)__", lambda m: parts[m.group(1)], page)
    path.write_text(page, encoding="utf-8")
    return path
