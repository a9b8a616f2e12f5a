"""Synthetic spotFns records of realistic requests, for tests and benchmarks.

Each request is an API call to a front function, which invokes a worker; the
worker sends an SQS message, writes a DynamoDB item drawn from a small pool
of hot keys (so keys are written over and over, by many requests), reads an
item, and sometimes puts an S3 object.  The SQS consumer publishes to SNS,
read by two subscribers (fan-out).  A stream consumer takes the DynamoDB
records in batches of five (fan-in across requests).  Some writes change
nothing (no stream record), some stream records come from an untraced writer,
some invocations fail and some never end.

``SyntheticRequests(seed).records(n)`` yields at least ``n`` records; the
generator is deterministic for a seed.
"""

from __future__ import annotations

import random
from typing import Iterator

from spot_otel.links import (
    Link,
    ddb_item_key,
    invoke_key,
    s3_object_key,
    s3_request_key,
    sns_key,
    sqs_key,
)
from spot_otel.records import Record

from tests.graph.factory import Invocation

STREAM_BATCH = 5
HOT_KEYS = 50


class SyntheticRequests:
    """A deterministic stream of requests' records."""

    def __init__(self, seed: int = 7) -> None:
        self.random = random.Random(seed)
        self.clock = 1_700_000_000_000
        self.serial = 0
        self.stream_seq = 100_000
        self.pending: list[Link] = []
        self.requests = 0

    def records(self, count: int) -> Iterator[Record]:
        made = 0
        while made < count:
            for record in self.request():
                made += 1
                yield record

    def _id(self) -> str:
        self.serial += 1
        bits = self.random.getrandbits(64)
        return f"{bits:016x}-{self.serial:012d}"

    def request(self) -> list[Record]:
        """One request's records (plus any stream batch that filled up)."""
        self.requests += 1
        self.clock += self.random.randint(20, 80)
        now = self.clock
        trace = f"{self.random.getrandbits(128):032x}"
        chance = self.random.random
        records: list[Record] = []

        front = Invocation(
            self._id(),
            "front",
            now,
            trigger="apigateway",
            trace_id=trace,
            links_in=[Link(f"http:{self._id()}")],
            event_source="aws:apigateway",
        )
        worker_id = self._id()
        records += front.whole(
            120, front.call("Invoke", now + 5, 60, [Link(invoke_key(worker_id))])
        )

        worker = Invocation(worker_id, "worker", now + 8, trace_id=trace)
        message = self._id()
        item = {"pk": {"S": f"order-{self.random.randrange(HOT_KEYS)}"}}
        write_end = now + 30
        worker_calls = [
            worker.call("SendMessage", now + 10, 8, [Link(sqs_key(message))]),
            worker.call("GetItem", now + 20, 4),
            worker.call(
                "PutItem",
                now + 25,
                5,
                [Link(ddb_item_key("orders", item), at_ms=write_end)],
            ),
        ]
        s3_consumer: Invocation | None = None
        if chance() < 0.2:
            etag, s3_request = self._id(), self._id()[:16]
            keys = [
                Link(s3_object_key("uploads", f"in/{message}.json", etag)),
                Link(s3_request_key(s3_request)),
            ]
            worker_calls.append(worker.call("PutObject", now + 35, 9, keys))
            s3_consumer = Invocation(
                self._id(),
                "thumbnail",
                now + 60,
                trigger="s3",
                trace_id=trace,
                links_in=keys,
            )
        failed = chance() < 0.03
        if chance() < 0.02:
            records += [worker.entry(), *worker_calls]  # begun, never ended
        else:
            records += worker.whole(
                50, *worker_calls, error="RuntimeError: boom" if failed else None
            )
        if s3_consumer is not None:
            records += s3_consumer.whole(40)

        # A write that changed nothing leaves no stream record.
        if chance() > 0.05:
            self._stream(
                Link(ddb_item_key("orders", item), at_ms=write_end // 1000 * 1000)
            )
        if chance() < 0.02:
            # An untraced writer's record of the same table.
            other = {"pk": {"S": f"order-{self.random.randrange(HOT_KEYS)}"}}
            self._stream(Link(ddb_item_key("orders", other), at_ms=now // 1000 * 1000))

        queue = Invocation(
            self._id(),
            "ship",
            now + 70,
            trigger="sqs",
            trace_id=trace,
            links_in=[Link(sqs_key(message))],
        )
        topic_message = self._id()
        records += queue.whole(
            30, queue.call("Publish", now + 80, 6, [Link(sns_key(topic_message))])
        )
        for offset, name in enumerate(("email", "audit")):
            subscriber = Invocation(
                self._id(),
                name,
                now + 95 + offset,
                trigger="sns",
                trace_id=trace,
                links_in=[Link(sns_key(topic_message))],
            )
            records += subscriber.whole(15)

        if len(self.pending) >= STREAM_BATCH:
            records += self._stream_consumer(now + 900)
        return records

    def _stream(self, link: Link) -> None:
        self.stream_seq += self.random.randint(1, 3)
        self.pending.append(Link(link.key, at_ms=link.at_ms, seq=str(self.stream_seq)))

    def _stream_consumer(self, at_ms: int) -> list[Record]:
        batch, self.pending = self.pending, []
        consumer = Invocation(
            self._id(),
            "projector",
            at_ms,
            trigger="dynamodb",
            trace_id=f"{self.random.getrandbits(128):032x}",
            links_in=batch,
        )
        return consumer.whole(25, consumer.call("PutItem", at_ms + 5, 5))
