"""Aggregate view over many requests: what GammaRay's aggregate option gave.

Per function: invocations, errors, never-ended, and latency percentiles
(p50, p90, p99, nearest rank, over ended invocations).  Per edge kind (source
function, target function, hop kind, operation): how many hops.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from spot_otel.graph.labels import node_title
from spot_otel.graph.model import Graph

PERCENTILES = (50, 90, 99)


@dataclass
class FunctionStats:
    function: str
    invocations: int = 0
    errors: int = 0
    never_ended: int = 0
    durations: list[float] = field(default_factory=list)

    def percentile(self, rank: int) -> float | None:
        """Nearest-rank percentile of the ended invocations' durations."""
        if not self.durations:
            return None
        ordered = sorted(self.durations)
        index = max(0, math.ceil(rank / 100 * len(ordered)) - 1)
        return ordered[index]


@dataclass
class Aggregate:
    functions: dict[str, FunctionStats]
    edges: dict[tuple[str, str, str, str], int]
    requests: int


def aggregate(graph: Graph) -> Aggregate:
    """Counts and latencies of every invocation and hop in the graph."""
    functions: dict[str, FunctionStats] = {}
    for node in graph.invocations():
        stats = functions.setdefault(node.function, FunctionStats(node.function))
        stats.invocations += 1
        if not node.ended:
            stats.never_ended += 1
        elif node.duration_ms is not None:
            stats.durations.append(node.duration_ms)
        if node.failed:
            stats.errors += 1

    edges: dict[tuple[str, str, str, str], int] = {}
    for edge in graph.edges:
        key = (
            node_title(graph.nodes[edge.source]),
            node_title(graph.nodes[edge.target]),
            edge.via,
            edge.operation,
        )
        edges[key] = edges.get(key, 0) + 1
    return Aggregate(functions, edges, requests=len(graph.roots()))


def aggregate_to_dict(result: Aggregate) -> dict[str, Any]:
    return {
        "requests": result.requests,
        "functions": [
            {
                "function": stats.function,
                "invocations": stats.invocations,
                "errors": stats.errors,
                "never_ended": stats.never_ended,
                **{f"p{rank}_ms": stats.percentile(rank) for rank in PERCENTILES},
            }
            for stats in sorted(result.functions.values(), key=lambda s: s.function)
        ],
        "edges": [
            {
                "from": source,
                "to": target,
                "via": via,
                "operation": operation,
                "count": count,
            }
            for (source, target, via, operation), count in sorted(result.edges.items())
        ],
    }


def render_aggregate_json(result: Aggregate) -> str:
    return json.dumps(aggregate_to_dict(result), indent=2) + "\n"


def render_aggregate_text(result: Aggregate) -> str:
    """Two aligned tables: functions, then edges."""
    function_rows = [
        ["function", "count", "errors", "open", *[f"p{rank}" for rank in PERCENTILES]]
    ]
    for stats in sorted(result.functions.values(), key=lambda s: s.function):
        function_rows.append(
            [
                stats.function,
                str(stats.invocations),
                str(stats.errors),
                str(stats.never_ended),
                *[_ms(stats.percentile(rank)) for rank in PERCENTILES],
            ]
        )
    edge_rows = [["from", "to", "via", "operation", "count"]]
    for (source, target, via, operation), count in sorted(result.edges.items()):
        edge_rows.append([source, target, via, operation, str(count)])

    return (
        f"{result.requests} request(s)\n\n"
        + _table(function_rows)
        + "\n"
        + _table(edge_rows)
    )


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:g} ms"


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"
