"""Mermaid flowchart text, for Markdown pages that render it (GitHub does)."""

from __future__ import annotations

from spot_otel.graph.labels import duration_text, edge_text, node_title, status_text
from spot_otel.graph.model import Graph, Node


def render_mermaid(graph: Graph) -> str:
    """The graph as a ``flowchart LR``."""
    nodes = sorted(graph.nodes.values(), key=lambda node: node.sort_key)
    names = {node.id: f"n{index}" for index, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    for node in nodes:
        lines.append(f"  {names[node.id]}{_shape(node)}")
    for edge in graph.edges:
        lines.append(
            f"  {names[edge.source]} -->|{_text(edge_text(edge))}| {names[edge.target]}"
        )

    lines.append("  classDef failed stroke:#dc2626,color:#dc2626")
    lines.append("  classDef open stroke:#d97706,stroke-dasharray:4 3")
    lines.append("  classDef external stroke:#777777,stroke-dasharray:4 3")
    for node in nodes:
        style = _style(node)
        if style:
            lines.append(f"  class {names[node.id]} {style}")
    return "\n".join(lines) + "\n"


def _shape(node: Node) -> str:
    if node.is_external:
        return f"([{_text(node_title(node) + '<br/>[' + node.trigger + ']')}])"
    details = " ".join(
        part for part in (duration_text(node), status_text(node)) if part
    )
    return f"[{_text(f'{node.function}<br/>[{node.trigger}] {details}')}]"


def _style(node: Node) -> str | None:
    if node.is_external:
        return "external"
    if not node.ended:
        return "open"
    if node.failed:
        return "failed"
    return None


def _text(text: str) -> str:
    # Mermaid reads a quoted label literally but for its entity codes.
    return '"' + text.replace('"', "#quot;").replace("|", "#124;") + '"'
