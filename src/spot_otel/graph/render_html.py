"""A self-contained HTML page: the drawing and a table of invocations.

Everything is inline (styles and SVG, no scripts, fonts or links to fetch),
so the file opens offline and can be attached to a bug report.  The drawing
comes from Graphviz when ``dot`` is installed, else from
:mod:`spot_otel.graph.svg_layout`.
"""

from __future__ import annotations

from html import escape

from spot_otel.graph.errors import GraphvizMissing
from spot_otel.graph.labels import (
    duration_text,
    edge_text,
    headline,
    iso_time,
    node_title,
    note_lines,
)
from spot_otel.graph.model import Graph
from spot_otel.graph.render_dot import render_svg
from spot_otel.graph.svg_layout import render_tree_svg

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.5em; color: #111827; }
h1 { font-size: 1.2em; } .figure { overflow: auto; border: 1px solid #e5e7eb; }
table { border-collapse: collapse; margin-top: 1em; font-size: 0.9em; }
th, td { border: 1px solid #e5e7eb; padding: 0.3em 0.6em; text-align: left; }
th { background: #f3f4f6; } .ERROR { color: #dc2626; } .open { color: #d97706; }
code { font-size: 0.9em; }
"""


def render_html(graph: Graph, *, title: str = "spot-otel request") -> str:
    """The page as one string."""
    try:
        figure = _strip_xml_prologue(render_svg(graph))
    except GraphvizMissing:
        figure = render_tree_svg(graph)

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(headline(graph))}</p>",
        f'<div class="figure">{figure}</div>',
        _invocation_table(graph),
    ]
    if graph.notes:
        parts.append("<h2>Notes</h2><ul>")
        parts.extend(f"<li>{escape(text)}</li>" for text in note_lines(graph))
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _invocation_table(graph: Graph) -> str:
    rows = [
        "<table><thead><tr><th>start</th><th>function</th><th>trigger</th>"
        "<th>caused by</th><th>duration</th><th>status</th><th>request id</th>"
        "<th>error</th></tr></thead><tbody>"
    ]
    for node in graph.invocations():
        causes = ", ".join(
            f"{node_title(graph.nodes[edge.source])} ({edge_text(edge)})"
            for edge in graph.parents(node.id)
        )
        status = node.status if node.ended else "never ended"
        css = node.status if node.ended else "open"
        rows.append(
            "<tr>"
            f"<td>{escape(iso_time(node.start))}</td>"
            f"<td>{escape(node.function)}</td>"
            f"<td>{escape(node.trigger)}</td>"
            f"<td>{escape(causes)}</td>"
            f"<td>{escape(duration_text(node) if node.ended else '')}</td>"
            f'<td class="{escape(css)}">{escape(status)}</td>'
            f"<td><code>{escape(node.request_id or '')}</code></td>"
            f"<td>{escape(node.error or '')}</td>"
            "</tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _strip_xml_prologue(svg: str) -> str:
    """Graphviz's SVG starts with an XML declaration and DOCTYPE, which do
    not belong inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
