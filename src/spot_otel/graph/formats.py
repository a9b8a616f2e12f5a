"""Output formats by name, and the format a file name implies."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from spot_otel.graph.model import Graph
from spot_otel.graph.render_dot import render_dot, render_svg
from spot_otel.graph.render_html import render_html
from spot_otel.graph.render_json import render_json
from spot_otel.graph.render_mermaid import render_mermaid
from spot_otel.graph.render_text import render_text

FORMATS: dict[str, Callable[[Graph], str]] = {
    "text": render_text,
    "dot": render_dot,
    "svg": render_svg,
    "mermaid": render_mermaid,
    "json": render_json,
    "html": render_html,
}

_EXTENSIONS = {
    ".txt": "text",
    ".dot": "dot",
    ".gv": "dot",
    ".svg": "svg",
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
}


def format_for_path(path: str | Path) -> str | None:
    """The format a file's extension names, if any."""
    return _EXTENSIONS.get(Path(path).suffix.lower())


def render(graph: Graph, format_name: str, *, ascii: bool = False) -> str:
    """The graph in the named format (``ascii`` applies to ``text``)."""
    if format_name == "text":
        return render_text(graph, ascii=ascii)
    return FORMATS[format_name](graph)
