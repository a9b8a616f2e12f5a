"""Records of one request, or of a time window's requests, fetched from the
spotFns table with Query only.

The table is never scanned.  Three indexes make every step a Query
(:data:`~spot_otel.records.INVOCATION_INDEX`, ``TRACE_INDEX``,
``LINK_INDEX``), and a request is gathered breadth first:

1. *Up.*  From the chosen invocation, each in-link key is looked up in the
   link index; the SDK calls that carry it as an out-link are its producers,
   and their invocations are walked up the same way, to the roots.
2. *Down.*  From every invocation reached, each out-link key of each SDK call
   is looked up; the invocations that carry it as an in-link are consumers,
   and are walked down until nothing new turns up.

Each invocation's records are fetched once (invocation index), each key
looked up once.  The graph is then built from everything fetched and cut to
the request, exactly as for a dump, so both give the same answer.

DynamoDB item keys are written over and over, so a lookup of one would
return every write of the item ever made.  Those lookups are bounded in time
(``ts`` is the index's range key): ``ddb_window_ms`` either side of the
write or stream record, 15 minutes by default, and a walk follows only the
writes and records inside the pairing bound.  Neighbouring writes and records
inside the window are fetched too, because the one-to-one pairing needs them.
Any lookup stops after ``max_items_per_key`` items, and the graph says so.

A time window (``--since``/``--until``) is read through the fourth index,
:data:`~spot_otel.records.TIME_INDEX`, which lists the entry records of each
UTC day by ``ts``: one Query per day of the window, newest day first and
newest entry first, read a page at a time.  Each invocation listed that no
request taken so far covers is walked up to its roots, as for a request id;
a root that started in the window becomes a request, taken (and walked down)
when the listing reaches the root's own entry, so requests are taken newest
first.  At most ``max_roots`` are taken (the selection's ``max_roots``, else
100); the listing stops at the next root, and the graph notes the cut.

Limitations of windows: entries written before ``day`` existed are not in
the index (a dump still has them; a root found from below is taken all the
same), and a table made before the index needs ``spot-otel table create`` to
add it.  The index's hash key is the day and one of
:data:`~spot_otel.records.DAY_SHARDS` shards, so a day's writes spread over
that many partitions.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from collections import deque
from typing import Any, Iterator, Mapping

from spot_otel.graph.ddb_pairing import PairingBounds
from spot_otel.graph.errors import NotFound, SourceError
from spot_otel.graph.items import plain_item
from spot_otel.graph.join import via_of
from spot_otel.graph.select import ChosenRoots, Selection
from spot_otel.links import Link, Via
from spot_otel.records import (
    CALL,
    DEFAULT_TABLE,
    INVOCATION_INDEX,
    LINK,
    LINK_INDEX,
    TIME_INDEX,
    TRACE_INDEX,
    Record,
    fit_key,
    from_item,
    day_keys,
    utc_day,
)

_logger = logging.getLogger(__name__)

DEFAULT_DDB_WINDOW_MS = 15 * 60 * 1000
"""How far from a DynamoDB write or record its key's lookups reach."""
DEFAULT_MAX_ITEMS_PER_KEY = 5000
"""Most items one lookup reads before it stops (hot keys, runaway loops)."""
DEFAULT_MAX_ROOTS = 100
"""Most requests a time window takes, unless the selection says."""
MAX_WINDOW_DAYS = 366
"""Longest window, in UTC days: the time index is read one day per Query."""

_DAY_MS = 86_400_000

_CONNECT_TIMEOUT_S = 5
_READ_TIMEOUT_S = 20


class TableSource:
    """The spotFns table as a source of records, read with Query only."""

    def __init__(
        self,
        table: str = DEFAULT_TABLE,
        *,
        client: Any = None,
        region: str | None = None,
        bounds: PairingBounds = PairingBounds(),
        ddb_window_ms: int = DEFAULT_DDB_WINDOW_MS,
        max_items_per_key: int = DEFAULT_MAX_ITEMS_PER_KEY,
        max_roots: int = DEFAULT_MAX_ROOTS,
    ) -> None:
        self.table = table
        self.bounds = bounds
        self.ddb_window_ms = ddb_window_ms
        self.max_items_per_key = max_items_per_key
        self.max_roots = max_roots
        self.window_roots: ChosenRoots | None = None
        """The roots a window took, once :meth:`records_for` has run."""
        self.truncated_keys: list[str] = []
        self.queries = 0
        self._client = client
        self._region = region
        self._by_invocation: dict[str, list[Record]] = {}
        self._holders_of: dict[str, list[str]] = {}

    def describe(self) -> str:
        return f"table {self.table}"

    # -- The walk ---------------------------------------------------------------

    def records_for(self, selection: Selection) -> list[Record]:
        """Every record of the request(s) the selection names, and the
        neighbours their joins need."""
        self.window_roots = None
        if selection.is_window:
            self.window_roots = self._window_roots(selection)
        else:
            starts = self._starting_invocations(selection)
            ancestors, _ = self._walk_up(starts)
            self._walk_down(ancestors)
        _logger.debug(
            "table %s: %s invocation(s) read with %s quer(ies)",
            self.table,
            len(self._by_invocation),
            self.queries,
        )
        return [
            record for records in self._by_invocation.values() for record in records
        ]

    def _starting_invocations(self, selection: Selection) -> list[str]:
        if selection.invocation_id is not None:
            if not self.records_of(selection.invocation_id):
                raise NotFound(
                    f"no records of {selection.describe()} in table {self.table}"
                )
            return [selection.invocation_id]

        assert selection.trace_id is not None
        found: dict[str, None] = {}
        for item in self._query(TRACE_INDEX, "traceId", selection.trace_id):
            invocation_id = str(item.get("invocationId") or "")
            if invocation_id:
                found.setdefault(invocation_id, None)
        if not found:
            raise NotFound(
                f"no records of {selection.describe()} in table {self.table}"
            )
        return list(found)

    def _walk_up(self, starts: list[str]) -> tuple[set[str], list[str]]:
        """The invocations the starts descend from (themselves included), and
        those of them with no traced producer: the roots."""
        seen: set[str] = set()
        roots: list[str] = []
        queue = deque(starts)
        while queue:
            invocation_id = queue.popleft()
            if invocation_id in seen:
                continue
            seen.add(invocation_id)
            producers: list[str] = []
            for record in self.records_of(invocation_id):
                if record.record_type == CALL:
                    continue
                for link in record.links_in:
                    producers.extend(self._producers_of(link, invocation_id, record))
            if not producers:
                roots.append(invocation_id)
            queue.extend(producers)
        return seen, roots

    def _walk_down(self, starts: set[str]) -> set[str]:
        """The starts and every invocation they caused, to the leaves."""
        seen: set[str] = set()
        queue = deque(starts)
        while queue:
            invocation_id = queue.popleft()
            if invocation_id in seen:
                continue
            seen.add(invocation_id)
            for record in self.records_of(invocation_id):
                if record.record_type != CALL:
                    continue
                for link in record.links_out:
                    queue.extend(self._consumers_of(link, invocation_id, record))
        return seen

    # -- Time windows -----------------------------------------------------------

    def _window_roots(self, selection: Selection) -> ChosenRoots:
        """Walk the window's entries newest first, taking requests by their
        roots, until ``max_roots`` are taken and another turns up."""
        since_ms, until_ms = self._window_bounds(selection)
        limit = selection.max_roots or self.max_roots
        taken: list[str] = []
        waiting: dict[str, None] = {}  # roots found from below, not yet taken
        examined: set[str] = set()
        cut = False
        for invocation_id in self._started_between(since_ms, until_ms):
            if invocation_id not in examined:
                ancestors, roots = self._walk_up([invocation_id])
                examined |= ancestors
                for root in roots:
                    if root not in taken and self._started_within(
                        root, since_ms, until_ms
                    ):
                        waiting.setdefault(root, None)
            if invocation_id not in waiting:
                continue  # not a root, or its request is taken already
            if len(taken) == limit:
                cut = True
                break
            del waiting[invocation_id]
            taken.append(invocation_id)
            examined |= self._walk_down({invocation_id})
        else:
            # Roots whose own entry is not in the index (written before it).
            room = limit - len(taken)
            cut = len(waiting) > room
            for root in list(waiting)[:room]:
                taken.append(root)
                self._walk_down({root})

        if not taken:
            raise NotFound(
                f"no request started in the {selection.describe()} in table "
                f"{self.table} (entries written before the {TIME_INDEX} index "
                "existed are listed only in a dump)"
            )
        _logger.debug(
            "table %s: %s request(s) in the window, cut %s", self.table, len(taken), cut
        )
        return ChosenRoots(tuple(taken), cut)

    def _window_bounds(self, selection: Selection) -> tuple[int, int]:
        if selection.since_ms is None:
            raise SourceError(
                f"a time window on table {self.table} needs --since: the "
                f"{TIME_INDEX} index is read one day at a time"
            )
        until_ms = selection.until_ms
        if until_ms is None:
            until_ms = time.time() * 1000
        since, until = math.ceil(selection.since_ms), math.floor(until_ms)
        days = until // _DAY_MS - since // _DAY_MS + 1
        if days > MAX_WINDOW_DAYS:
            raise SourceError(
                f"the window spans {days} days; table {self.table} is read one "
                f"day per Query, at most {MAX_WINDOW_DAYS}: narrow it, or use "
                "--dump"
            )
        return since, until

    def _started_between(self, since_ms: int, until_ms: int) -> Iterator[str]:
        """Invocations whose entry lies in the window, newest first, read one
        page at a time (a walk that stops early reads no further).  A day's
        shards are read side by side and merged by ``ts``."""
        day_ms = until_ms - until_ms % _DAY_MS
        while day_ms + _DAY_MS > since_ms:
            shards = [
                self._query(
                    TIME_INDEX, "day", key, (since_ms, until_ms), newest_first=True
                )
                for key in day_keys(utc_day(day_ms))
            ]
            for item in heapq.merge(*shards, key=_newest_first):
                yield from_item(item).invocation_id
            day_ms -= _DAY_MS

    def _started_within(self, invocation_id: str, since_ms: int, until_ms: int) -> bool:
        starts = [
            record.start_ms
            for record in self.records_of(invocation_id)
            if record.record_type != CALL
        ]
        return bool(starts) and since_ms <= min(starts) <= until_ms

    def _producers_of(self, link: Link, consumer: str, record: Record) -> Iterator[str]:
        at_ms = link.at_ms if link.at_ms is not None else record.start_ms
        for other in self._holders(link, at_ms, exclude=consumer):
            for call in self.records_of(other):
                if call.record_type != CALL:
                    continue
                for out in call.links_out:
                    if out.key == link.key and self._may_pair(out, call, at_ms, link):
                        yield other

    def _consumers_of(self, link: Link, producer: str, call: Record) -> Iterator[str]:
        at_ms = link.at_ms if link.at_ms is not None else call.end_ms
        for other in self._holders(link, at_ms, exclude=producer):
            for record in self.records_of(other):
                if record.record_type == CALL:
                    continue
                for in_link in record.links_in:
                    if in_link.key == link.key and self._may_pair(
                        link, call, _time_of(in_link, record), in_link
                    ):
                        yield other

    def _may_pair(
        self, write: Link, call: Record, record_ms: float, read: Link
    ) -> bool:
        """For DynamoDB keys, whether a write lies in a record's window."""
        if via_of(read.key) is not Via.DDB:
            return True
        write_ms = write.at_ms if write.at_ms is not None else call.end_ms
        earliest, latest = self.bounds.window(record_ms)
        return earliest <= write_ms <= latest

    def _holders(self, link: Link, at_ms: float, exclude: str) -> list[str]:
        """Other invocations with a record holding the key (looked up once
        per key: a DynamoDB key's window is centred on its first use)."""
        holders = self._holders_of.get(link.key)
        if holders is None:
            bounds = None
            if via_of(link.key) is Via.DDB:
                bounds = (at_ms - self.ddb_window_ms, at_ms + self.ddb_window_ms)
            found: dict[str, None] = {}
            # Keys are stored as the sink fits them (long ones shortened).
            stored_key = fit_key(link.key)
            for item in self._query(LINK_INDEX, "linkKey", stored_key, bounds):
                holder = str(item.get("invocationId") or "")
                if holder:
                    found.setdefault(holder, None)
            holders = self._holders_of[link.key] = list(found)
        return [holder for holder in holders if holder != exclude]

    # -- Queries ----------------------------------------------------------------

    def records_of(self, invocation_id: str) -> list[Record]:
        """One invocation's records (link records left out), fetched once."""
        cached = self._by_invocation.get(invocation_id)
        if cached is not None:
            return cached
        records = [
            record
            for record in map(
                from_item, self._query(INVOCATION_INDEX, "invocationId", invocation_id)
            )
            if record.record_type != LINK
        ]
        self._by_invocation[invocation_id] = records
        return records

    def _query(
        self,
        index: str,
        attribute: str,
        value: str,
        ts_between: tuple[float, float] | None = None,
        *,
        newest_first: bool = False,
    ) -> Iterator[dict[str, Any]]:
        condition = "#k = :k"
        names = {"#k": attribute}
        values: dict[str, Any] = {":k": {"S": value}}
        if ts_between is not None:
            condition += " AND #ts BETWEEN :lo AND :hi"
            names["#ts"] = "ts"
            values[":lo"] = {"N": str(int(ts_between[0]))}
            values[":hi"] = {"N": str(int(ts_between[1]))}

        request: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if newest_first:
            request["ScanIndexForward"] = False
        read = 0
        while True:
            page = self._call_query(request)
            for item in page.get("Items", ()):
                yield plain_item(item)
                read += 1
                if read >= self.max_items_per_key and index == LINK_INDEX:
                    self.truncated_keys.append(value)
                    return
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def _call_query(self, request: Mapping[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client
        self.queries += 1
        try:
            return client.query(**request)
        except ClientError as exc:
            raise SourceError(self._explain(exc, request.get("IndexName"))) from None
        except BotoCoreError as exc:
            raise SourceError(
                f"cannot reach DynamoDB at {_endpoint(client)} for table "
                f"{self.table}: {exc}"
            ) from None

    def _explain(self, exc: Any, index: str | None = None) -> str:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        message = str(error.get("Message", "")).lower()
        # DynamoDB says ValidationException for a missing index (moto says
        # ResourceNotFoundException); either way the message names the index.
        no_index = "index" in message and code in (
            "ValidationException",
            "ResourceNotFoundException",
        )
        if index == TIME_INDEX and no_index:
            if "backfill" in message:
                return (
                    f"the {TIME_INDEX} index of table {self.table} is still being "
                    "built: try again when `spot-otel table describe` shows it "
                    "ACTIVE, or use --dump"
                )
            return (
                f"table {self.table} has no {TIME_INDEX} index for time "
                f"windows: add it with `spot-otel table create --table "
                f"{self.table}{self._region_argument()}`, or use --dump FILE "
                "(`spot-otel table dump`)"
            )
        if no_index:
            return (
                f"table {self.table} lacks the {TRACE_INDEX}/{INVOCATION_INDEX}/"
                f"{LINK_INDEX} indexes: was it made by `spot-otel table create`?"
            )
        if code == "ResourceNotFoundException":
            return (
                f"table {self.table} not found at {_endpoint(self.client)}: create "
                f"it with `spot-otel table create --table {self.table}`, or name "
                "another with --table"
            )
        if code in ("AccessDeniedException", "UnrecognizedClientException"):
            return (
                f"not allowed to read table {self.table}: the graph needs "
                "dynamodb:Query on the table and its indexes"
            )
        return f"reading table {self.table} failed: {code or exc}"

    def _region_argument(self) -> str:
        return f" --region {self._region}" if self._region else ""

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = _make_client(self._region)
        return self._client


def _make_client(region: str | None) -> Any:
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError

    from spot_otel.aws import untraced_client

    config = Config(
        connect_timeout=_CONNECT_TIMEOUT_S,
        read_timeout=_READ_TIMEOUT_S,
        retries={"max_attempts": 2, "mode": "standard"},
    )
    try:
        return untraced_client("dynamodb", region_name=region, config=config)
    except BotoCoreError as exc:
        raise SourceError(f"cannot make a DynamoDB client: {exc}") from None


def _time_of(link: Link, record: Record) -> float:
    return float(link.at_ms) if link.at_ms is not None else record.start_ms


def _endpoint(client: Any) -> str:
    return str(getattr(getattr(client, "meta", None), "endpoint_url", "?"))


def _newest_first(item: Mapping[str, Any]) -> float:
    try:
        return -float(item.get("ts", 0))
    except (TypeError, ValueError):
        return 0.0
