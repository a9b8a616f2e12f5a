"""The hook for graph tests on records from real instrumented runs.

The local runtime (another part of the project) runs the example functions
under the real exec wrapper against the embedded AWS, so their records land
in a real spotFns table.  A test of that kind needs three steps, and the
graph side of each is here:

1. run a chain on the local runtime (its own fixtures);
2. read one request back, through Query only, exactly as the CLI does:
   :func:`graph_of_table_request`;
3. compare the shape: :func:`hop_shape` gives ``(producer function, consumer
   function, via, operation)`` for every hop, independent of generated ids,
   and :func:`open_invocations` the functions begun and never ended.

The synthetic tests in this folder check the same shapes on hand-made
records (see ``test_graph_real_shapes.py``), so a real run that disagrees
points at the instrumentation or the runtime, not at the graph.
"""

from __future__ import annotations

from typing import Any

from spot_otel.graph import Graph, TableSource, load_request
from spot_otel.records import DEFAULT_TABLE


def graph_of_table_request(
    client: Any, request_id: str, table: str = DEFAULT_TABLE
) -> Graph:
    """One request read from the table the local runtime wrote to."""
    return load_request(TableSource(table, client=client), request_id=request_id)


def hop_shape(graph: Graph) -> list[tuple[str, str, str, str]]:
    """Every hop as (producer, consumer, via, operation), sorted."""
    return sorted(
        (
            graph.nodes[edge.source].function,
            graph.nodes[edge.target].function,
            edge.via,
            edge.operation,
        )
        for edge in graph.edges
    )


def open_invocations(graph: Graph) -> list[str]:
    """Functions of the invocations that began and never ended."""
    return sorted(node.function for node in graph.invocations() if not node.ended)
