"""A plain SVG drawing of a graph, made without Graphviz.

The HTML page embeds Graphviz's drawing when ``dot`` is installed and this
one when it is not, so the page can always be made.  The layout is the text
tree's: one row per node in depth-first order, one column per depth, edges as
curves from parent to child.  It is meant to be readable, not compact.
"""

from __future__ import annotations

from html import escape

from spot_otel.graph.labels import duration_text, edge_text, node_title, status_text
from spot_otel.graph.model import Graph, Node

_BOX_W = 220
_BOX_H = 38
_COL_GAP = 90
_ROW_GAP = 14
_MARGIN = 10


def render_tree_svg(graph: Graph) -> str:
    """An SVG document (no external references) of the graph."""
    places = _place(graph)
    rows = max((row for _, row in places.values()), default=-1) + 1
    depth = max((column for column, _ in places.values()), default=-1) + 1
    width = _MARGIN * 2 + depth * (_BOX_W + _COL_GAP)
    height = _MARGIN * 2 + rows * (_BOX_H + _ROW_GAP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif">'
    ]
    for edge in graph.edges:
        if edge.source in places and edge.target in places:
            parts.append(
                _edge_svg(places[edge.source], places[edge.target], edge_text(edge))
            )
    for node_id, place in places.items():
        parts.append(_node_svg(graph.nodes[node_id], place))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _place(graph: Graph) -> dict[str, tuple[int, int]]:
    """(column, row) of each node, depth first from the roots."""
    places: dict[str, tuple[int, int]] = {}
    stack = [(root.id, 0) for root in reversed(graph.roots())]
    while stack:
        node_id, column = stack.pop()
        if node_id in places:
            continue
        places[node_id] = (column, len(places))
        for edge in reversed(graph.children(node_id)):
            stack.append((edge.target, column + 1))
    # Nodes on a cycle with no root (bad data) still get a row.
    for node_id in graph.nodes:
        places.setdefault(node_id, (0, len(places)))
    return places


def _xy(place: tuple[int, int]) -> tuple[int, int]:
    column, row = place
    return (
        _MARGIN + column * (_BOX_W + _COL_GAP),
        _MARGIN + row * (_BOX_H + _ROW_GAP),
    )


def _node_svg(node: Node, place: tuple[int, int]) -> str:
    x, y = _xy(place)
    stroke, dash = "#374151", ""
    if node.is_external:
        stroke, dash = "#777777", ' stroke-dasharray="4 3"'
    elif not node.ended:
        stroke, dash = "#d97706", ' stroke-dasharray="4 3"'
    elif node.failed:
        stroke = "#dc2626"
    details = "  ".join(
        part
        for part in (f"[{node.trigger}]", duration_text(node), status_text(node))
        if part
    )
    return (
        f"<g><title>{escape(node.id)}</title>"
        f'<rect x="{x}" y="{y}" width="{_BOX_W}" height="{_BOX_H}" rx="6" '
        f'fill="#ffffff" stroke="{stroke}"{dash}/>'
        f'<text x="{x + 8}" y="{y + 15}" font-size="12" fill="#111827">'
        f"{escape(_fit(node_title(node), 30))}</text>"
        f'<text x="{x + 8}" y="{y + 30}" font-size="10" fill="{stroke}">'
        f"{escape(_fit(details, 40))}</text></g>"
    )


def _edge_svg(source: tuple[int, int], target: tuple[int, int], label: str) -> str:
    x1, y1 = _xy(source)
    x2, y2 = _xy(target)
    x1, y1 = x1 + _BOX_W, y1 + _BOX_H // 2
    y2 = y2 + _BOX_H // 2
    middle = (x1 + x2) // 2
    return (
        f'<path d="M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}" '
        'fill="none" stroke="#9ca3af"/>'
        f'<text x="{x2 - 4}" y="{y2 - 4}" font-size="9" text-anchor="end" '
        f'fill="#4b5563">{escape(_fit(label, 24))}</text>'
    )


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
