"""Graphviz DOT, and SVG made from it by the ``dot`` program.

Invocations are rounded boxes; failed ones are red, begun-never-ended ones
dashed orange; external sources are dashed ellipses.  Edges are labelled with
the hop kind and the producer's SDK operation.
"""

from __future__ import annotations

import shutil
import subprocess

from spot_otel.graph.errors import GraphError, GraphvizMissing
from spot_otel.graph.labels import duration_text, edge_text, node_title, status_text
from spot_otel.graph.model import Graph, Node

_DOT_TIMEOUT_S = 120


def render_dot(graph: Graph) -> str:
    """The graph in the DOT language."""
    lines = [
        "digraph request {",
        "  rankdir=LR;",
        '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=11];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for node in sorted(graph.nodes.values(), key=lambda node: node.sort_key):
        lines.append(f"  {_quote(node.id)} [{_node_attributes(node)}];")
    for edge in graph.edges:
        lines.append(
            f"  {_quote(edge.source)} -> {_quote(edge.target)} "
            f"[label={_quote(edge_text(edge))}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(graph: Graph) -> str:
    """The graph as SVG, laid out by Graphviz's ``dot``."""
    return dot_to_svg(render_dot(graph))


def dot_available() -> bool:
    return shutil.which("dot") is not None


def dot_to_svg(dot_text: str) -> str:
    """Run ``dot -Tsvg``; :class:`GraphvizMissing` when it is not installed."""
    program = shutil.which("dot")
    if program is None:
        raise GraphvizMissing(
            "SVG needs the `dot` program from Graphviz, which is not installed "
            "(e.g. `apt-get install graphviz`); --format dot, mermaid or html "
            "work without it"
        )
    try:
        done = subprocess.run(
            [program, "-Tsvg"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=_DOT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphError(f"running dot failed: {exc}") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GraphError(f"dot failed: {reason[0] if reason else done.returncode}")
    return done.stdout.decode("utf-8")


def _node_attributes(node: Node) -> str:
    if node.is_external:
        label = f"{node_title(node)}\n[{node.trigger}]"
        return f'label={_quote(label)}, shape=ellipse, style=dashed, color="#777777"'

    details = "  ".join(
        part for part in (duration_text(node), status_text(node)) if part
    )
    label = f"{node.function}\n[{node.trigger}] {details}"
    attributes = [f"label={_quote(label)}"]
    if not node.ended:
        attributes.append('style="rounded,dashed", color="#d97706"')
    elif node.failed:
        attributes.append('color="#dc2626", fontcolor="#dc2626"')
    return ", ".join(attributes)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
