"""The default rendering: an indented tree for a terminal.

Each root (an invocation nobody traced the cause of, or an external source)
starts a tree; children follow the hops, sorted by start time.  A node
reached twice (fan-in: one batch consumer fed by two producers) is drawn in
full once and named again with ``(see above)``.  ``ascii=True`` draws the
tree with plain ASCII for terminals that cannot show box-drawing characters.
"""

from __future__ import annotations

from spot_otel.graph.labels import (
    edge_text,
    headline,
    iso_time,
    node_summary,
    note_lines,
    offset_text,
)
from spot_otel.graph.model import Edge, Graph, Node

_UNICODE = ("├─ ", "└─ ", "│  ", "   ", " ▸ ")
_ASCII = ("|- ", "`- ", "|  ", "   ", " -> ")


def render_text(graph: Graph, *, ascii: bool = False) -> str:
    """The graph as a tree, one node per line, notes at the end."""
    branch, last, pipe, blank, arrow = _ASCII if ascii else _UNICODE
    lines = [headline(graph)]
    roots = graph.roots()
    origin = roots[0].start if roots else None
    drawn: set[str] = set()

    # An explicit stack, not recursion: a chain may be deeper than Python's
    # recursion limit.
    stack: list[tuple[Edge | None, Node, str, str]] = [
        (None, root, "", "") for root in reversed(roots)
    ]
    while stack:
        edge, node, prefix, tail = stack.pop()
        hop = f"{edge_text(edge)}{arrow}" if edge is not None else ""
        if node.id in drawn:
            lines.append(f"{prefix}{hop}{node_summary(node)}  (see above)")
            continue
        drawn.add(node.id)
        when = (
            offset_text(node.start, origin)
            if edge is not None
            else iso_time(node.start)
        )
        details = [node_summary(node), when]
        if node.error:
            details.append(f"error: {_one_line(node.error)}")
        if not node.is_external:
            details.append(f"id {node.request_id}")
        lines.append(f"{prefix}{hop}" + "  ".join(part for part in details if part))

        children = graph.children(node.id)
        for index in reversed(range(len(children))):
            is_last = index == len(children) - 1
            stack.append(
                (
                    children[index],
                    graph.nodes[children[index].target],
                    tail + (last if is_last else branch),
                    tail + (blank if is_last else pipe),
                )
            )

    if graph.notes:
        lines.append("notes:")
        lines.extend(f"  - {text}" for text in note_lines(graph))
    return "\n".join(lines) + "\n"


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
