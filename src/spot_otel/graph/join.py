"""Joining out-links to in-links: which SDK call caused which invocation.

The builder hands over two indexes by link key: the *producers* (SDK calls
whose out-links carry the key) and the *consumers* (invocations whose
in-links carry it).  A key held by both sides is a hop.

* Most keys name one thing once (a MessageId, an EventId, a Kinesis sequence
  number, an invocation's request id): every consumer of the key joins its
  producer.  Fan-out (one SNS message to several subscribers, a stream read
  by two functions, a retried batch) gives one edge per consumer.
* An S3 object key (bucket, key and ETag) can be written twice with the same
  content; when a key has several producers, a consumer joins the latest one
  that wrote before it (within the clock-skew bound), else the earliest.
* DynamoDB item keys pair writes and stream records one to one in order:
  see :mod:`spot_otel.graph.ddb_pairing`.

Batches fan in naturally: each record of a batch is one in-link, joined on
its own.  The same hop may match through two keys (an S3 object key and the
S3 request id): edges are deduplicated per (producer call, consumer
invocation).  What finds no producer is returned as unmatched, for the
builder to show as an external source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from spot_otel.graph.ddb_pairing import (
    PairingBounds,
    StreamRecord,
    Write,
    pair_stream_records,
)
from spot_otel.graph.model import Edge
from spot_otel.links import Link, Via


@dataclass(eq=False, slots=True)
class CallRef:
    """A traced SDK call with out-links: the producer end of hops."""

    request_id: str
    invocation_id: str
    operation: str
    end_ms: float
    failed: bool


@dataclass(eq=False, slots=True)
class Consumer:
    """One in-link of one invocation; ``at_ms`` falls back to its start."""

    invocation_id: str
    link: Link
    at_ms: float


@dataclass
class JoinResult:
    """Edges keyed by (producer call, consumer invocation), and the rest."""

    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    unmatched: dict[str, list[Link]] = field(default_factory=dict)
    unpaired_writes: list[CallRef] = field(default_factory=list)
    unknown_keys: int = 0


def join_links(
    producers: dict[str, list[tuple[CallRef, Link]]],
    consumers: dict[str, list[Consumer]],
    bounds: PairingBounds,
) -> JoinResult:
    """Join every consumer in-link to its producer call, where there is one."""
    result = JoinResult()
    for key, key_consumers in consumers.items():
        via = via_of(key)
        if via is None:
            result.unknown_keys += len(key_consumers)
            continue

        key_producers = producers.get(key, ())
        if via is Via.DDB:
            pairs = _pair_ddb(key_producers, key_consumers, bounds, result)
        else:
            pairs = _pair_by_key(key_producers, key_consumers, bounds)

        for call, consumer, ambiguous in pairs:
            if call is None:
                result.unmatched.setdefault(consumer.invocation_id, []).append(
                    consumer.link
                )
                continue
            _add_edge(result, call, consumer, via, ambiguous)

    return result


_Paired = Iterable[tuple[CallRef | None, Consumer, bool]]


def _pair_by_key(
    producers: Iterable[tuple[CallRef, Link]],
    consumers: list[Consumer],
    bounds: PairingBounds,
) -> _Paired:
    calls = [call for call, _ in producers]
    for consumer in consumers:
        if len(calls) <= 1:
            yield (calls[0] if calls else None), consumer, False
            continue

        # One key written more than once (an S3 object rewritten with the same
        # content): the latest write before the consumer saw it.
        before = [
            call for call in calls if call.end_ms <= consumer.at_ms + bounds.skew_ms
        ]
        chosen = (
            max(before, key=lambda call: call.end_ms)
            if before
            else min(calls, key=lambda call: call.end_ms)
        )
        yield chosen, consumer, len(before) > 1


def _pair_ddb(
    producers: Iterable[tuple[CallRef, Link]],
    consumers: list[Consumer],
    bounds: PairingBounds,
    result: JoinResult,
) -> _Paired:
    writes = [
        Write(link.at_ms if link.at_ms is not None else call.end_ms, call)
        for call, link in producers
        if not call.failed
    ]
    records = [
        StreamRecord(consumer.link.seq, consumer.at_ms, consumer)
        for consumer in consumers
    ]
    pairing = pair_stream_records(writes, records, bounds)
    result.unpaired_writes.extend(pairing.unpaired)
    return ((pair.write, pair.record, pair.ambiguous) for pair in pairing.pairs)


def _add_edge(
    result: JoinResult,
    call: CallRef,
    consumer: Consumer,
    via: Via,
    ambiguous: bool,
) -> None:
    edge_key = (call.request_id, consumer.invocation_id)
    edge = result.edges.get(edge_key)
    if edge is None:
        result.edges[edge_key] = Edge(
            source=call.invocation_id,
            target=consumer.invocation_id,
            via=via.value,
            operation=call.operation,
            link=consumer.link.key,
            call=call.request_id,
            links=1,
            ambiguous=ambiguous,
        )
        return

    edge.links += 1
    edge.ambiguous = edge.ambiguous or ambiguous


def via_of(key: str) -> Via | None:
    """The hop kind of a link key, or ``None`` for a kind this version
    does not know."""
    try:
        return Link(key).via
    except ValueError:
        return None
