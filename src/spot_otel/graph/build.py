"""Building a :class:`~spot_otel.graph.model.Graph` from spotFns records.

:class:`GraphBuilder` takes records one at a time (from a table Query, a
JSONL dump, or a test) and keeps only what the join needs: one small state
per invocation, and two indexes by link key (producer calls and consumer
in-links).  SDK calls without out-links are only counted.  Memory therefore
grows with the number of invocations and hops, not with the bytes read.

:func:`build_graph` is the one-call form::

    graph = build_graph(records, skew_ms=2000)

The builder knows records and links, nothing of spans: an invocation is its
entry and exit records (``invocation_id``), a hop is a call record's
out-link key equal to an entry record's in-link key.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Iterable

from spot_otel.graph import spotwrap
from spot_otel.graph.ddb_pairing import (
    DEFAULT_SKEW_MS,
    STREAM_GRANULARITY_MS,
    PairingBounds,
)
from spot_otel.graph.join import CallRef, Consumer, JoinResult, join_links, via_of
from spot_otel.graph.model import (
    EXTERNAL,
    INVOCATION,
    STATUS_ERROR,
    STATUS_OK,
    STATUS_UNSET,
    Edge,
    Graph,
    Node,
    Note,
)
from spot_otel.links import Link, Via, invoke_key
from spot_otel.records import CALL, ENTRY, EXIT, NO_ERROR, UNKNOWN, Record

_logger = logging.getLogger(__name__)

_NO_ERROR_TEXTS = {NO_ERROR, UNKNOWN, ""}


@dataclass(eq=False, slots=True)
class _Invocation:
    """What the graph keeps of one invocation while records arrive."""

    id: str
    function: str = ""
    trigger: str = ""
    trace_id: str = ""
    start: float | None = None
    duration: float | None = None
    status: str = STATUS_UNSET
    error: str | None = None
    has_entry: bool = False
    has_exit: bool = False
    event_source: str = UNKNOWN
    caller: str = UNKNOWN
    message: str = UNKNOWN
    calls: int = 0
    links_in: list[Link] | None = None
    spotwrap: bool = False


class GraphBuilder:
    """Collects records, then joins them into a graph with :meth:`finish`."""

    def __init__(
        self,
        *,
        skew_ms: int = DEFAULT_SKEW_MS,
        granularity_ms: int = STREAM_GRANULARITY_MS,
    ) -> None:
        self.bounds = PairingBounds(skew_ms=skew_ms, granularity_ms=granularity_ms)
        self.records = 0
        self.skipped = 0
        self._invocations: dict[str, _Invocation] = {}
        self._producers: dict[str, list[tuple[CallRef, Link]]] = {}
        self._spotwrap = spotwrap.SpotWrapJoiner()
        self._notes: list[Note] = []

    # -- Collecting -------------------------------------------------------------

    def add_all(self, records: Iterable[Record]) -> GraphBuilder:
        for record in records:
            self.add(record)
        return self

    def add(self, record: Record) -> None:
        """Take one record; link records and rows without an id are skipped."""
        if not record.invocation_id or record.record_type not in (ENTRY, EXIT, CALL):
            self.skipped += 1
            return

        self.records += 1
        invocation = self._invocations.get(record.invocation_id)
        if invocation is None:
            invocation = _Invocation(id=_intern(record.invocation_id))
            self._invocations[invocation.id] = invocation

        if not invocation.function:
            invocation.function = _intern(_function_name(record))
        if record.record_type == CALL:
            self._add_call(invocation, record)
        else:
            self._add_invocation_record(invocation, record)

    def _add_invocation_record(self, invocation: _Invocation, record: Record) -> None:
        legacy = spotwrap.is_spotwrap_record(record)
        if record.record_type == ENTRY:
            invocation.has_entry = True
            invocation.start = float(record.ts)
        else:
            invocation.has_exit = True
            invocation.duration = float(record.duration)
            if invocation.start is None or not invocation.has_entry:
                invocation.start = record.start_ms
            invocation.status, invocation.error = _outcome(record, legacy)

        # Entry and exit carry the same trigger fields; the first one seen wins.
        if invocation.links_in is None:
            invocation.spotwrap = legacy
            invocation.links_in = list(record.links_in)
            invocation.trace_id = record.trace_id
            invocation.event_source = _intern(record.event_source)
            invocation.caller = _shared(record.caller)
            invocation.message = _shared(record.message)
            invocation.trigger = _intern(_trigger(record, legacy))

    def _add_call(self, invocation: _Invocation, record: Record) -> None:
        invocation.calls += 1
        if invocation.start is None:
            invocation.start = float(record.ts)
        legacy = spotwrap.is_spotwrap_record(record)
        if not record.links_out and not legacy:
            return

        call = CallRef(
            request_id=record.request_id,
            invocation_id=invocation.id,
            operation=_intern(_operation(record)),
            end_ms=record.end_ms,
            failed=_outcome(record, legacy)[0] == STATUS_ERROR,
        )
        for link in record.links_out:
            self._producers.setdefault(link.key, []).append((call, link))
        if legacy:
            self._spotwrap.add_call(call, record)

    def note(self, text: str) -> None:
        """Add a graph-wide note (a source reports skipped input here)."""
        self._notes.append(Note(text))

    # -- Joining ----------------------------------------------------------------

    def finish(self) -> Graph:
        """Join everything collected so far into a graph."""
        graph = Graph(notes=list(self._notes))
        for invocation in self._invocations.values():
            graph.nodes[invocation.id] = _invocation_node(invocation)

        result = join_links(self._producers, self._consumers(), self.bounds)
        graph.edges.extend(result.edges.values())
        self._add_external_sources(graph, result)
        self._join_spotwrap(graph)
        self._add_join_notes(graph, result)
        _logger.debug(
            "graph: %s records, %s nodes, %s edges",
            self.records,
            len(graph.nodes),
            len(graph.edges),
        )
        return graph

    def _consumers(self) -> dict[str, list[Consumer]]:
        consumers: dict[str, list[Consumer]] = {}
        for invocation in self._invocations.values():
            start = invocation.start if invocation.start is not None else 0.0
            for link in invocation.links_in or ():
                at_ms = float(link.at_ms) if link.at_ms is not None else start
                consumers.setdefault(link.key, []).append(
                    Consumer(invocation.id, link, at_ms)
                )
        return consumers

    def _add_external_sources(self, graph: Graph, result: JoinResult) -> None:
        """One external node per consumer and hop kind that found no producer.

        An invocation's own ``invoke:`` key is unmatched whenever something
        other than a traced function invoked it; that is not a hop to draw.
        """
        for invocation_id, links in result.unmatched.items():
            by_via: dict[str, list[Link]] = {}
            for link in links:
                if link.via is not Via.INVOKE:
                    by_via.setdefault(link.via.value, []).append(link)
            for via, via_links in by_via.items():
                node = _external_node(self._invocations[invocation_id], via, via_links)
                graph.nodes.setdefault(node.id, node)
                graph.edges.append(_external_edge(node, invocation_id, via_links))
                if via != Via.HTTP.value:
                    graph.notes.append(
                        Note(
                            f"{via} in-link(s) with no traced producer within "
                            f"the bound: shown as an external source",
                            node=node.id,
                        )
                    )
        graph.reindex()

    def _join_spotwrap(self, graph: Graph) -> None:
        """Joins for rows of the original tables, by exact ids only."""
        legacy = [
            invocation
            for invocation in self._invocations.values()
            if invocation.spotwrap
        ]
        for invocation in legacy:
            if graph.parents(invocation.id):
                continue
            edge = self._spotwrap_edge(invocation)
            if edge is not None:
                graph.edges.append(edge)
                continue
            if spotwrap.is_cli_root(invocation.trigger, invocation.event_source):
                continue

            node = _external_node(invocation, invocation.trigger, [])
            graph.nodes.setdefault(node.id, node)
            graph.edges.append(_external_edge(node, invocation.id, []))
            graph.notes.append(
                Note(
                    f"SpotWrap invocation(s) triggered by {invocation.trigger} "
                    f"cannot be joined: {spotwrap.why_not_joined(invocation.trigger)}",
                    node=invocation.id,
                )
            )
        graph.reindex()

    def _spotwrap_edge(self, invocation: _Invocation) -> Edge | None:
        for candidate in spotwrap.invoker_candidates(
            invocation.caller, invocation.event_source
        ):
            if candidate != invocation.id and candidate in self._invocations:
                return Edge(
                    source=candidate,
                    target=invocation.id,
                    via=Via.INVOKE.value,
                    operation="Invoke",
                    link=invoke_key(invocation.id),
                    call=None,
                    links=1,
                    ambiguous=False,
                )

        call = self._spotwrap.producer_call(invocation.caller)
        if call is None or call.invocation_id == invocation.id:
            return None
        via = (
            invocation.trigger if invocation.trigger != "unknown" else Via.INVOKE.value
        )
        return Edge(
            source=call.invocation_id,
            target=invocation.id,
            via=via,
            operation=call.operation,
            link=invocation.caller.split(":", 1)[0],
            call=call.request_id,
            links=1,
            ambiguous=False,
        )

    def _add_join_notes(self, graph: Graph, result: JoinResult) -> None:
        """Notes tied to the nodes they concern, so one request's graph
        carries only its own."""
        bound = f"±{self.bounds.skew_ms} ms"
        for edge in result.edges.values():
            if edge.ambiguous:
                graph.notes.append(
                    Note(
                        f"pairing in doubt: another write of the key lay within "
                        f"{bound} of the record (edge marked ambiguous)",
                        node=edge.target,
                    )
                )
        for call in result.unpaired_writes:
            graph.notes.append(
                Note(
                    "traced DynamoDB write(s) made no stream record that was read "
                    "(a write that changed nothing, or a record outside "
                    f"{bound})",
                    node=call.invocation_id,
                )
            )
        if result.unknown_keys:
            graph.notes.append(
                Note(f"{result.unknown_keys} in-link(s) with an unknown key kind")
            )
        for invocation in self._invocations.values():
            if not invocation.has_entry and not invocation.spotwrap:
                graph.notes.append(
                    Note(
                        "no entry record: the invocation is known from its "
                        "other records only",
                        node=invocation.id,
                    )
                )


def build_graph(
    records: Iterable[Record],
    *,
    skew_ms: int = DEFAULT_SKEW_MS,
    granularity_ms: int = STREAM_GRANULARITY_MS,
) -> Graph:
    """Join records into a graph; see :class:`GraphBuilder`."""
    builder = GraphBuilder(skew_ms=skew_ms, granularity_ms=granularity_ms)
    return builder.add_all(records).finish()


# -- Reading records ---------------------------------------------------------------


def _function_name(record: Record) -> str:
    if record.function:
        return record.function
    # arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]
    parts = record.this_fn_arn.split(":")
    if len(parts) >= 7 and parts[5] == "function":
        return parts[6]
    return record.this_fn_arn if record.this_fn_arn != UNKNOWN else ""


def _trigger(record: Record, legacy: bool) -> str:
    if record.trigger:
        return record.trigger
    if legacy:
        return spotwrap.trigger_of(record.event_source, record.event_op)
    for link in record.links_in:
        via = via_of(link.key)
        if via is not None and via is not Via.INVOKE:
            return via.value
    return Via.INVOKE.value if record.links_in else "unknown"


def _operation(record: Record) -> str:
    parts = record.request_id.split(":")
    if len(parts) >= 3 and parts[1]:
        return parts[1]
    if record.event_op != UNKNOWN:
        return record.event_op
    return record.name or "call"


def _outcome(record: Record, legacy: bool) -> tuple[str, str | None]:
    """Status and error text of an ended span."""
    if legacy:
        status = spotwrap.status_of(record.error)
    elif record.status == STATUS_ERROR or record.error not in _NO_ERROR_TEXTS:
        status = STATUS_ERROR
    else:
        status = STATUS_OK
    error = record.error if status == STATUS_ERROR else None
    return status, error


def _invocation_node(invocation: _Invocation) -> Node:
    return Node(
        id=invocation.id,
        kind=INVOCATION,
        function=invocation.function or "?",
        request_id=invocation.id,
        trigger=invocation.trigger or "unknown",
        start=invocation.start,
        duration_ms=invocation.duration if invocation.has_exit else None,
        status=invocation.status if invocation.has_exit else STATUS_UNSET,
        ended=invocation.has_exit,
        error=invocation.error,
        trace_id=invocation.trace_id,
        event_source=invocation.event_source,
        caller=invocation.caller,
        message=invocation.message,
        calls=invocation.calls,
    )


def _external_node(consumer: _Invocation, via: str, links: list[Link]) -> Node:
    """What is known of an untraced producer, seen from its consumer."""
    if links:
        first = links[0]
        node_id = f"ext:{first.key}" + (f"#{first.seq}" if first.seq else "")
        times = [link.at_ms for link in links if link.at_ms is not None]
        start = float(min(times)) if times else consumer.start
    else:
        node_id = f"ext:{via}:{consumer.id}"
        start = consumer.start
    source = consumer.event_source if consumer.event_source != UNKNOWN else via
    return Node(
        id=node_id,
        kind=EXTERNAL,
        function=source,
        request_id=None,
        trigger=via,
        start=start,
        duration_ms=None,
        status=STATUS_UNSET,
        ended=True,
        error=None,
        trace_id="",
        event_source=consumer.event_source,
        caller=consumer.caller,
        message=consumer.message,
        calls=0,
    )


def _external_edge(node: Node, target: str, links: list[Link]) -> Edge:
    return Edge(
        source=node.id,
        target=target,
        via=node.trigger if node.trigger != "unknown" else Via.INVOKE.value,
        operation="",
        link=links[0].key if links else "",
        call=None,
        links=max(1, len(links)),
        ambiguous=False,
    )


def _shared(text: str) -> str:
    """The placeholder most SpotWrap fields hold, kept once."""
    return UNKNOWN if text == UNKNOWN else text


def _intern(text: str) -> str:
    # Function names, triggers and operations repeat across a dump; one copy
    # each keeps a million-record rebuild small.
    return sys.intern(text)
