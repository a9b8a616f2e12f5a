"""The causal graph itself: invocations, external sources and the hops between them.

A :class:`Graph` is what the join produces and what every renderer reads.  Its
nodes are *invocations* (one Lambda invocation, from its entry and exit
records) and *external sources* (the producer of a hop that was not traced:
an API client, an untraced writer of a DynamoDB item, a CLI invoke seen only
from the consumer's side).  Its edges are hops: one producer SDK call (or
external source) to one consumer invocation, whatever number of link keys
matched that pair.

One *request* is everything reachable from its roots: :meth:`Graph.request_of`
walks up from an invocation to the roots it descends from, then down from
those roots until closed.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

INVOCATION = "invocation"
EXTERNAL = "external"

STATUS_OK = "OK"
STATUS_ERROR = "ERROR"
STATUS_UNSET = "UNSET"


@dataclass(eq=False, slots=True)
class Node:
    """One node of the graph: an invocation or an external source.

    ``start`` is epoch ms; ``duration_ms`` is ``None`` while the invocation
    has no exit record (``ended`` false: begun and never ended) and for
    external sources.  ``event_source``, ``caller`` and ``message`` keep
    SpotWrap's meanings: what the consumer knew of its trigger.
    """

    id: str
    kind: str
    function: str
    request_id: str | None
    trigger: str
    start: float | None
    duration_ms: float | None
    status: str
    ended: bool
    error: str | None
    trace_id: str
    event_source: str
    caller: str
    message: str
    calls: int

    @property
    def is_external(self) -> bool:
        return self.kind == EXTERNAL

    @property
    def failed(self) -> bool:
        return self.status == STATUS_ERROR

    @property
    def sort_key(self) -> tuple[float, str]:
        """Order of siblings in every rendering: by start time, then id."""
        return (self.start if self.start is not None else float("inf"), self.id)


@dataclass(eq=False, slots=True)
class Edge:
    """One hop: ``source`` node (through its SDK call ``call``) to ``target``.

    ``via`` is one of ``invoke``, ``s3``, ``ddb``, ``sns``, ``sqs``,
    ``events``, ``kinesis``, ``http``; ``link`` is the first link key that
    matched and ``links`` how many did (a batch hop matches many).
    ``ambiguous`` marks a DynamoDB pairing that had a second candidate write
    inside the clock-skew bound.
    """

    source: str
    target: str
    via: str
    operation: str
    link: str
    call: str | None
    links: int
    ambiguous: bool


@dataclass(frozen=True)
class Note:
    """Something the reader of a graph should know: an unjoined hop, a
    skipped line, an ambiguous pairing.  ``node`` ties it to one node."""

    text: str
    node: str | None = None


@dataclass
class Graph:
    """Nodes by id, edges, and notes about what could not be joined."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._children: dict[str, list[Edge]] | None = None
        self._parents: dict[str, list[Edge]] | None = None

    # -- Navigation -------------------------------------------------------------

    def children(self, node_id: str) -> list[Edge]:
        """Edges out of a node, their targets sorted by start time."""
        if self._children is None:
            self._index()
        assert self._children is not None
        return self._children.get(node_id, [])

    def parents(self, node_id: str) -> list[Edge]:
        """Edges into a node."""
        if self._parents is None:
            self._index()
        assert self._parents is not None
        return self._parents.get(node_id, [])

    def roots(self) -> list[Node]:
        """Nodes with no parent, by start time."""
        return sorted(
            (node for node in self.nodes.values() if not self.parents(node.id)),
            key=lambda node: node.sort_key,
        )

    def invocations(self) -> list[Node]:
        """Invocation nodes by start time."""
        return sorted(
            (node for node in self.nodes.values() if not node.is_external),
            key=lambda node: node.sort_key,
        )

    def reindex(self) -> None:
        """Forget the parent and child maps after edges were added; they are
        rebuilt when next asked for."""
        self._children = None
        self._parents = None

    def _index(self) -> None:
        children: dict[str, list[Edge]] = {}
        parents: dict[str, list[Edge]] = {}
        for edge in self.edges:
            children.setdefault(edge.source, []).append(edge)
            parents.setdefault(edge.target, []).append(edge)
        for edges in children.values():
            edges.sort(key=lambda edge: self.nodes[edge.target].sort_key)
        self._children = children
        self._parents = parents

    # -- Selection --------------------------------------------------------------

    def ancestors_roots(self, node_ids: Iterable[str]) -> set[str]:
        """The roots the given nodes descend from (a root is its own)."""
        roots: set[str] = set()
        for node_id in self._walk(node_ids, self.parents, lambda edge: edge.source):
            if not self.parents(node_id):
                roots.add(node_id)
        return roots

    def descendants(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and everything reachable from them."""
        return set(self._walk(node_ids, self.children, lambda edge: edge.target))

    def request_of(self, node_ids: Iterable[str]) -> Graph:
        """The request(s) the given nodes belong to: up to the roots, then
        down from them until closed."""
        return self.subgraph(self.descendants(self.ancestors_roots(node_ids)))

    def subgraph(self, node_ids: set[str]) -> Graph:
        """The nodes named, the edges between them and their notes."""
        return Graph(
            nodes={
                node_id: node
                for node_id, node in self.nodes.items()
                if node_id in node_ids
            },
            edges=[
                edge
                for edge in self.edges
                if edge.source in node_ids and edge.target in node_ids
            ],
            notes=[
                note
                for note in self.notes
                if note.node is None or note.node in node_ids
            ],
        )

    def _walk(
        self,
        start: Iterable[str],
        step: Callable[[str], list[Edge]],
        other_end: Callable[[Edge], str],
    ) -> Iterator[str]:
        seen: set[str] = set()
        queue = deque(node_id for node_id in start if node_id in self.nodes)
        while queue:
            node_id = queue.popleft()
            if node_id in seen:
                continue
            seen.add(node_id)
            yield node_id
            queue.extend(other_end(edge) for edge in step(node_id))
