"""JSON for programs: ``nodes``, ``edges`` and ``notes``.

Each node has ``id``, ``function``, ``request_id`` (``null`` for an external
source), ``trigger``, ``start`` (epoch ms), ``duration_ms`` (``null`` while
never ended), ``status`` (``OK``, ``ERROR``, ``UNSET``) and ``ended``, and
beside them ``kind`` (``invocation`` or ``external``), ``error``,
``trace_id``, ``calls`` and SpotWrap's ``event_source``, ``caller`` and
``message``.  Each edge has ``from``, ``to``, ``via`` (one of ``invoke``,
``s3``, ``ddb``, ``sns``, ``sqs``, ``events``, ``kinesis``, ``http``),
``operation`` and ``link`` (the first matching key), and ``call`` (the
producer's record id), ``links`` and ``ambiguous``.
"""

from __future__ import annotations

import json
from typing import Any

from spot_otel.graph.labels import note_lines
from spot_otel.graph.model import Edge, Graph, Node


def graph_to_dict(graph: Graph) -> dict[str, Any]:
    """The graph as plain JSON-ready values."""
    return {
        "nodes": [
            _node(node)
            for node in sorted(graph.nodes.values(), key=lambda node: node.sort_key)
        ],
        "edges": [_edge(edge) for edge in graph.edges],
        "roots": [node.id for node in graph.roots()],
        "notes": note_lines(graph),
    }


def render_json(graph: Graph) -> str:
    return json.dumps(graph_to_dict(graph), indent=2) + "\n"


def _node(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "function": node.function,
        "request_id": node.request_id,
        "trigger": node.trigger,
        "start": _number(node.start),
        "duration_ms": _number(node.duration_ms),
        "status": node.status,
        "ended": node.ended,
        "kind": node.kind,
        "error": node.error,
        "trace_id": node.trace_id or None,
        "calls": node.calls,
        "event_source": node.event_source,
        "caller": node.caller,
        "message": node.message,
    }


def _edge(edge: Edge) -> dict[str, Any]:
    return {
        "from": edge.source,
        "to": edge.target,
        "via": edge.via,
        "operation": edge.operation,
        "link": edge.link,
        "call": edge.call,
        "links": edge.links,
        "ambiguous": edge.ambiguous,
    }


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value
