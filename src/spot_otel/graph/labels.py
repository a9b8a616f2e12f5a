"""Short texts for nodes and edges, shared by every renderer."""

from __future__ import annotations

from datetime import datetime, timezone

from spot_otel.graph.model import Edge, Graph, Node

NEVER_ENDED = "begun, never ended"


def duration_text(node: Node) -> str:
    """``120 ms``, ``2.5 s``, or the begun-never-ended marker."""
    if node.is_external:
        return ""
    if not node.ended or node.duration_ms is None:
        return NEVER_ENDED
    if node.duration_ms >= 10_000:
        return f"{node.duration_ms / 1000:.1f} s"
    return f"{node.duration_ms:g} ms"


def status_text(node: Node) -> str:
    """``OK``, ``ERROR``, or nothing for a node with no outcome."""
    if node.is_external or not node.ended:
        return ""
    return node.status


def node_title(node: Node) -> str:
    """The first line of a node: the function, or what sent the event."""
    if node.is_external:
        return f"external {node.function}"
    return node.function


def node_summary(node: Node) -> str:
    """Title, trigger, duration and status on one line."""
    parts = [
        node_title(node),
        f"[{node.trigger}]",
        duration_text(node),
        status_text(node),
    ]
    return "  ".join(part for part in parts if part)


def edge_text(edge: Edge) -> str:
    """``sqs SendMessage``, with ``xN`` for batches and a mark if ambiguous."""
    text = f"{edge.via} {edge.operation}".strip()
    if edge.links > 1 and edge.via != "s3":
        # An S3 hop matches twice (object and request id) for one record.
        text += f" x{edge.links}"
    if edge.ambiguous:
        text += " (ambiguous)"
    return text


def iso_time(ms: float | None) -> str:
    """Epoch ms as ``2024-05-01T12:00:01.123Z``."""
    if ms is None:
        return "-"
    moment = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def offset_text(ms: float | None, origin: float | None) -> str:
    """Start relative to the request's first root: ``+1.204 s``."""
    if ms is None or origin is None:
        return ""
    return f"+{(ms - origin) / 1000:.3f} s"


def headline(graph: Graph) -> str:
    """Counts of a graph on one line."""
    invocations = graph.invocations()
    external = len(graph.nodes) - len(invocations)
    failed = sum(1 for node in invocations if node.failed)
    open_ = sum(1 for node in invocations if not node.ended)
    parts = [
        f"{len(invocations)} invocation(s)",
        f"{len(graph.edges)} hop(s)",
    ]
    if external:
        parts.append(f"{external} external source(s)")
    if failed:
        parts.append(f"{failed} failed")
    if open_:
        parts.append(f"{open_} never ended")
    return ", ".join(parts)


def note_lines(graph: Graph) -> list[str]:
    """The graph's notes, each text once, with ``(xN)`` when repeated."""
    counts: dict[str, int] = {}
    for note in graph.notes:
        counts[note.text] = counts.get(note.text, 0) + 1
    return [
        text if count == 1 else f"{text} (x{count})" for text, count in counts.items()
    ]
