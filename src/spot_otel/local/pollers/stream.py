"""DynamoDB Streams as an event source: GetRecords, batched, in order.

Lambda's stream event source mapping, minus the mapping itself (moto empties
a stream's buffer once a mapping exists, so none is ever created): each
shard is read from its trim horizon (or its latest record) with
GetShardIterator and GetRecords, records are batched by the trigger's batch
size and window, and each batch is one synchronous invocation.  A failed
batch is retried, in order, up to the trigger's ``retries``; then it is
skipped with a warning (Lambda's default would retry until the records
expire, blocking the shard for a day).

Shards are listed again when one closes, so a split is followed.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from spot_otel.local.activity import Activity
from spot_otel.local.invoker import Invoker
from spot_otel.local.pollers.base import Poller
from spot_otel.local.shapes.dynamodb import stream_record
from spot_otel.local.spec import StreamTrigger

_logger = logging.getLogger(__name__)

_GET_RECORDS_LIMIT = 1000


class StreamPoller(Poller):
    """Feeds one table's stream to one function."""

    def __init__(
        self,
        *,
        function: str,
        trigger: StreamTrigger,
        stream_arn: str,
        client: Any,
        invoker: Invoker,
        activity: Activity,
        interval: float,
    ) -> None:
        super().__init__(f"ddb-{trigger.table}-{function}", activity, interval)
        self._function = function
        self._trigger = trigger
        self._stream_arn = stream_arn
        self._client = client
        self._invoker = invoker
        self._iterators: dict[str, str | None] = {}
        self._finished: set[str] = set()
        self._backlog: dict[str, list[dict[str, Any]]] = {}
        self._list_shards(trigger.starting_position)

    def poll_once(self) -> bool:
        found = False
        for shard_id in list(self._iterators):
            batch = self.collect(
                functools.partial(self._fetch, shard_id),
                self._trigger.batch_size,
                self._trigger.batch_window,
            )
            if batch:
                found = True
                self._deliver(batch)
        if any(iterator is None for iterator in self._iterators.values()):
            self._list_shards("TRIM_HORIZON")
        return found

    def _fetch(self, shard_id: str, count: int) -> list[dict[str, Any]]:
        """Up to ``count`` records of one shard, in sequence order."""
        backlog = self._backlog.setdefault(shard_id, [])
        iterator = self._iterators.get(shard_id)
        if len(backlog) < count and iterator is not None:
            response = self._client.get_records(
                ShardIterator=iterator, Limit=_GET_RECORDS_LIMIT
            )
            backlog.extend(response.get("Records") or [])
            self._iterators[shard_id] = response.get("NextShardIterator")
        taken, self._backlog[shard_id] = backlog[:count], backlog[count:]
        return taken

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        event = {"Records": [stream_record(r, self._stream_arn) for r in records]}
        payload = json.dumps(event).encode()
        attempts = 1 + self._trigger.retries
        for attempt in range(attempts):
            if self._invoker.invoke(self._function, payload).ok:
                return
            if attempt + 1 < attempts and self.rest():
                return
        _logger.warning(
            "%s: a batch of %s records failed %s times and was skipped",
            self.name,
            len(records),
            attempts,
        )

    def _list_shards(self, position: str) -> None:
        """Start reading every shard not read yet; forget finished ones."""
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None and not self._backlog.get(shard_id):
                self._finished.add(shard_id)
                del self._iterators[shard_id]
        description = self._client.describe_stream(StreamArn=self._stream_arn)
        for shard in description["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id in self._iterators or shard_id in self._finished:
                continue
            response = self._client.get_shard_iterator(
                StreamArn=self._stream_arn,
                ShardId=shard_id,
                ShardIteratorType=position,
            )
            self._iterators[shard_id] = response["ShardIterator"]
