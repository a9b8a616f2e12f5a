"""The causal graph: one request drawn across every function it touched.

The graph reads spotFns records (:mod:`spot_otel.records`) and link keys
(:mod:`spot_otel.links`) and nothing else: it knows nothing of spans.  A hop
is joined where a producer SDK call's out-link key equals a consumer
invocation's in-link key, transitively across traces; DynamoDB stream
records pair one to one with the writes of their key
(:mod:`spot_otel.graph.ddb_pairing`).

Usage::

    from spot_otel.graph import DumpSource, TableSource, load_request, render

    graph = load_request(TableSource("spotFns"), request_id="8f1c...")
    print(render(graph, "text"))

    graph = build_graph(records)          # records you already hold
    graph.request_of(["8f1c..."])         # one request of a bigger graph

Sources: :class:`TableSource` reads the table with Query only (never Scan);
:class:`DumpSource` streams a JSONL dump, including dumps of the original
SpotWrap tables.  Formats: ``text``, ``dot``, ``svg`` (needs Graphviz's
``dot``), ``mermaid``, ``json``, ``html``; :func:`aggregate` gives per-function
counts and latency percentiles over many requests.
"""

from spot_otel.graph.aggregate import aggregate
from spot_otel.graph.build import GraphBuilder, build_graph
from spot_otel.graph.ddb_pairing import DEFAULT_SKEW_MS, PairingBounds
from spot_otel.graph.dump_source import DumpSource
from spot_otel.graph.errors import GraphError, GraphvizMissing, NotFound, SourceError
from spot_otel.graph.formats import FORMATS, render
from spot_otel.graph.load import load_graph, load_request
from spot_otel.graph.model import Edge, Graph, Node
from spot_otel.graph.select import Selection
from spot_otel.graph.table_source import TableSource

__all__ = [
    "DEFAULT_SKEW_MS",
    "FORMATS",
    "DumpSource",
    "Edge",
    "Graph",
    "GraphBuilder",
    "GraphError",
    "GraphvizMissing",
    "Node",
    "NotFound",
    "PairingBounds",
    "Selection",
    "SourceError",
    "TableSource",
    "aggregate",
    "build_graph",
    "load_graph",
    "load_request",
    "render",
]
