"""The spotFns record format: one module, written by the sink, read by the graph.

Every record keeps the twelve columns of SpotWrap and GammaRay, with their
old meanings, so the old analysis scripts still read the table:

==============  =============================================================
``requestID``   partition key: ``<invocation id>:entry<span id>``,
                ``<invocation id>:exit<span id>`` or
                ``<invocation id>:<Operation>:<span id>``
``ts``          epoch ms: start for entry and SDK-call records, end for exit
``thisFnARN``   the function's ARN
``caller``      what caused the invocation (the first record's ids)
``eventSource`` ``aws:s3``, ``aws:sqs``, ...; the service of an SDK call
``eventOp``     the event name, or the SDK operation
``region``      the function's region
``accountID``   the function's account
``sourceIP``    the client's IP for HTTP triggers
``message``     what was acted on (bucket/key, table, topic); never a body
``duration``    ms; 0 on an entry record
``error``       the error text; ``unknown`` on an entry record, ``none`` if
                the span ended without one
==============  =============================================================

Beside them: OTel ids and names, status, link keys and a bounded attribute
map.  A record never holds message bodies, object contents, item values or
credentials unless the user opted in when the spans were made.

Records with more than one link key get one small *link record* per extra
key (``<invocation id>:link<span id>:<n>``), because a DynamoDB index holds
one key per item; it repeats its parent's twelve columns.  An invocation's
in-links are indexed from its entry record (written first, and the one an
invocation killed mid-way leaves); its exit record lists them in ``linksIn``
without indexing them again.  A key over 1 KB is indexed as
:func:`fit_key` shortens it.

Entry records alone carry ``day``, the UTC date of their ``ts`` and a
shard number (``YYYY-MM-DD#n``, n below :data:`DAY_SHARDS`, from the
invocation id), the hash key of :data:`TIME_INDEX`: that index then holds one
item per invocation, and a time window is one Query per day and shard.  The
shards spread a day's index writes over several partitions, so a busy day
does not throttle the index (and with it the sink's writes).
Records written before ``day`` existed lack it; they are still read in every
other way, and a table without the index works for everything else.
"""

from __future__ import annotations

import hashlib
import time
import zlib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping

from spot_otel.links import Link

DEFAULT_TABLE = "spotFns"
PARTITION_KEY = "requestID"

TRACE_INDEX = "byTrace"
"""Global secondary index: ``traceId`` (hash), ``ts`` (range)."""
INVOCATION_INDEX = "byInvocation"
"""Global secondary index: ``invocationId`` (hash), ``ts`` (range)."""
LINK_INDEX = "byLink"
"""Global secondary index: ``linkKey`` (hash), ``ts`` (range)."""
TIME_INDEX = "byDay"
"""Global secondary index: ``day`` (hash), ``ts`` (range), keys only.

It lists the invocations that started on a UTC day, in time order; only
entry records carry ``day``.  Keys only, because a window needs no more than
the ``requestID`` (which starts with the invocation id): the index stays
small, and each entry costs one write unit in it whatever its size.
"""
TTL_ATTRIBUTE = "expiresAt"

ENTRY = "entry"
EXIT = "exit"
CALL = "call"
LINK = "link"

UNKNOWN = "unknown"
NO_ERROR = "none"

MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item limit; records are cut well below it."""
_ITEM_BUDGET = 350 * 1024
_TRUNCATED = "...[truncated]"
_MAX_TEXT = 4096
"""Longest single string value kept before cutting."""
_KEY_ATTRIBUTES = ("requestID", "invocationId", "traceId", "linkKey")
_MAX_KEY_BYTES = 1024
"""Longest key value kept as it is (DynamoDB allows 2048 bytes in a key)."""
_KEY_HEAD = 400

SPOTWRAP_COLUMNS = (
    "requestID",
    "ts",
    "thisFnARN",
    "caller",
    "eventSource",
    "eventOp",
    "region",
    "accountID",
    "sourceIP",
    "message",
    "duration",
    "error",
)


@dataclass
class Record:
    """One row of spotFns."""

    # SpotWrap's twelve columns.
    request_id: str
    ts: int
    this_fn_arn: str = UNKNOWN
    caller: str = UNKNOWN
    event_source: str = UNKNOWN
    event_op: str = UNKNOWN
    region: str = UNKNOWN
    account_id: str = UNKNOWN
    source_ip: str = UNKNOWN
    message: str = UNKNOWN
    duration: float = 0
    error: str = UNKNOWN

    # spot-otel's additions.
    record_type: str = ENTRY
    invocation_id: str = ""
    trace_id: str = ""
    span_id: str = ""
    parent_span_id: str = ""
    kind: str = ""
    name: str = ""
    status: str = "UNSET"
    function: str = ""
    trigger: str = ""
    links_in: list[Link] = field(default_factory=list)
    links_out: list[Link] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    expires_at: int | None = None
    link_key: str | None = None
    link_of: str | None = None
    day: str | None = None
    """UTC date of ``ts`` on entry records (set by :func:`to_item` if left
    ``None``); never stored on other records."""

    @property
    def ended(self) -> bool:
        """True for records written when their span ended."""
        return self.record_type in (EXIT, CALL)

    @property
    def end_ms(self) -> float:
        """When the span ended, for exit and call records."""
        if self.record_type == EXIT:
            return float(self.ts)
        return self.ts + float(self.duration)

    @property
    def start_ms(self) -> float:
        """When the span started."""
        if self.record_type == EXIT:
            return self.ts - float(self.duration)
        return float(self.ts)


DAY_SHARDS = 8
"""How many ``day`` keys one UTC day is spread over in the time index."""


def utc_day(ts_ms: float) -> str:
    """The UTC date (``YYYY-MM-DD``) of an epoch-ms time."""
    return time.strftime("%Y-%m-%d", time.gmtime(ts_ms // 1000))


def day_key(day: str, shard: int) -> str:
    """A ``day`` value of the time index: the UTC date and a shard."""
    return f"{day}#{shard}"


def day_keys(day: str) -> list[str]:
    """Every ``day`` value of one UTC date, for reading a window."""
    return [day_key(day, shard) for shard in range(DAY_SHARDS)]


def entry_day(ts_ms: float, invocation_id: str) -> str:
    """An entry record's ``day``: its UTC date, sharded by invocation id."""
    shard = zlib.crc32(invocation_id.encode("utf-8", "surrogatepass")) % DAY_SHARDS
    return day_key(utc_day(ts_ms), shard)


def entry_request_id(invocation_id: str, span_id: str) -> str:
    return f"{invocation_id}:entry{span_id}"


def exit_request_id(invocation_id: str, span_id: str) -> str:
    return f"{invocation_id}:exit{span_id}"


def call_request_id(invocation_id: str, operation: str, span_id: str) -> str:
    return f"{invocation_id}:{operation}:{span_id}"


def link_request_id(invocation_id: str, span_id: str, n: int) -> str:
    return f"{invocation_id}:link{span_id}:{n}"


def with_link_records(record: Record, max_links: int) -> tuple[list[Record], int]:
    """The record, with ``linkKey`` set to its first link, plus one link
    record per further link, at most ``max_links`` in all.

    Returns the records and how many link keys did not fit (to be counted as
    dropped by the caller).
    """
    keys = _unique_keys([*record.links_in, *record.links_out])
    if not keys:
        return [record], 0

    head = replace(record, link_key=keys[0])
    kept = keys[1:max_links]
    extra = [
        replace(
            record,
            request_id=link_request_id(record.invocation_id, record.span_id, n),
            record_type=LINK,
            links_in=[],
            links_out=[],
            attrs={},
            link_key=key,
            link_of=record.request_id,
        )
        for n, key in enumerate(kept, start=1)
    ]
    return [head, *extra], max(0, len(keys) - max_links)


def _unique_keys(links: Iterable[Link]) -> list[str]:
    seen: dict[str, None] = {}
    for link in links:
        seen.setdefault(link.key, None)
    return list(seen)


# -- Items: the plain-Python form of a record -----------------------------------
# DynamoDB types are added by boto3's TypeSerializer at the writer; numbers are
# Decimal there, as boto3 wants them.

def to_item(record: Record) -> dict[str, Any]:
    """The DynamoDB item (plain Python values) for a record, cut to fit."""
    item: dict[str, Any] = {
        "requestID": record.request_id,
        "ts": record.ts,
        "thisFnARN": record.this_fn_arn,
        "caller": record.caller,
        "eventSource": record.event_source,
        "eventOp": record.event_op,
        "region": record.region,
        "accountID": record.account_id,
        "sourceIP": record.source_ip,
        "message": record.message,
        "duration": _number(record.duration),
        "error": record.error,
        "recordType": record.record_type,
        "spanId": record.span_id,
        "kind": record.kind,
        "name": record.name,
        "status": record.status,
        "function": record.function,
        "trigger": record.trigger,
    }
    # Index keys are left out when empty: DynamoDB rejects an empty string as
    # a key of a secondary index, and with it the whole batch.
    optional = {
        "invocationId": record.invocation_id,
        "traceId": record.trace_id,
        "parentSpanId": record.parent_span_id,
        "linksIn": [link.encode() for link in record.links_in],
        "linksOut": [link.encode() for link in record.links_out],
        "attrs": record.attrs,
        "linkKey": record.link_key,
        "linkOf": record.link_of,
        TTL_ATTRIBUTE: record.expires_at,
        "day": _day_of(record),
    }
    item.update({name: value for name, value in optional.items() if value})
    return fit_item(item)


def from_item(item: Mapping[str, Any]) -> Record:
    """A record from an item, tolerant of SpotWrap's original rows (twelve
    columns only) and of missing or odd values."""
    request_id = str(item.get("requestID", ""))
    record_type = str(item.get("recordType") or _guess_type(request_id))
    return Record(
        request_id=request_id,
        ts=int(_to_float(item.get("ts"))),
        this_fn_arn=str(item.get("thisFnARN", UNKNOWN)),
        caller=str(item.get("caller", UNKNOWN)),
        event_source=str(item.get("eventSource", UNKNOWN)),
        event_op=str(item.get("eventOp", UNKNOWN)),
        region=str(item.get("region", UNKNOWN)),
        account_id=str(item.get("accountID", UNKNOWN)),
        source_ip=str(item.get("sourceIP", UNKNOWN)),
        message=str(item.get("message", UNKNOWN)),
        duration=_to_float(item.get("duration")),
        error=str(item.get("error", UNKNOWN)),
        record_type=record_type,
        invocation_id=str(item.get("invocationId") or request_id.split(":", 1)[0]),
        trace_id=str(item.get("traceId", "")),
        span_id=str(item.get("spanId", "")),
        parent_span_id=str(item.get("parentSpanId", "")),
        kind=str(item.get("kind", "")),
        name=str(item.get("name", "")),
        status=str(item.get("status", "UNSET")),
        function=str(item.get("function", "")),
        trigger=str(item.get("trigger", "")),
        links_in=[Link.decode(str(text)) for text in item.get("linksIn") or ()],
        links_out=[Link.decode(str(text)) for text in item.get("linksOut") or ()],
        attrs=dict(item.get("attrs") or {}),
        expires_at=_optional_int(item.get(TTL_ATTRIBUTE)),
        link_key=_optional_str(item.get("linkKey")),
        link_of=_optional_str(item.get("linkOf")),
        day=_optional_str(item.get("day")),
    )


def _day_of(record: Record) -> str | None:
    """``day`` for an entry record; ``None`` (not stored) for the others, so
    the time index holds one item per invocation."""
    if record.record_type != ENTRY:
        return None
    return record.day or entry_day(record.ts, record.invocation_id or record.request_id)


def _guess_type(request_id: str) -> str:
    """SpotWrap rows carry no type: read it off the request id."""
    parts = request_id.split(":")
    if len(parts) >= 2 and parts[1].startswith("entry"):
        return ENTRY
    if len(parts) >= 2 and parts[1].startswith("exit"):
        return EXIT
    return CALL


def _number(value: float) -> int | Decimal:
    if float(value).is_integer():
        return int(value)
    return Decimal(str(round(float(value), 3)))


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _optional_str(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


# -- Size limits ------------------------------------------------------------------

def fit_item(item: dict[str, Any]) -> dict[str, Any]:
    """Cut long strings (with a visible marker) until the item fits DynamoDB."""
    fitted = {name: _cut(value, _MAX_TEXT) for name, value in item.items()}
    for name in _KEY_ATTRIBUTES:
        if isinstance(item.get(name), str):
            fitted[name] = fit_key(item[name])
    if approximate_size(fitted) <= _ITEM_BUDGET:
        return fitted

    # Still too big: drop the attribute map, then shorten link lists.
    if "attrs" in fitted:
        fitted["attrs"] = {"spot.truncated": True}
    for name in ("linksIn", "linksOut"):
        values = fitted.get(name)
        while values and approximate_size(fitted) > _ITEM_BUDGET:
            keep = max(1, len(values) // 2)
            values = values[:keep] + [_TRUNCATED] if keep < len(values) else values
            fitted[name] = values
            if keep == 1:
                break
    return fitted


def fit_key(text: str) -> str:
    """A key value DynamoDB accepts: a long one keeps its head and gets a
    digest of the whole, so both ends of a link still compute the same key."""
    if len(text.encode("utf-8", "surrogatepass")) <= _MAX_KEY_BYTES:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{text[:_KEY_HEAD]}{_TRUNCATED}#{digest}"


def cut_text(text: str, limit: int = _MAX_TEXT) -> str:
    """``text`` if it is at most ``limit`` characters, else its head and a
    visible ``...[truncated]`` marker, ``limit`` characters in all."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(_TRUNCATED))] + _TRUNCATED


def _cut(value: Any, limit: int) -> Any:
    if type(value) is str:  # the common case first: this runs for every record
        return value if len(value) <= limit else cut_text(value, limit)
    if isinstance(value, str):
        return cut_text(value, limit)
    if isinstance(value, dict):
        return {str(k)[:256]: _cut(v, limit) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_cut(v, limit) for v in value]
    return value


def approximate_size(value: Any) -> int:
    """Bytes DynamoDB would count for a value, closely enough for limits."""
    kind = type(value)
    # Exact types first: this runs for every value of every record.
    if kind is str and value.isascii():
        return len(value)
    if kind is int or kind is Decimal or kind is float:
        return 21
    if isinstance(value, Mapping):
        total = 3
        for k, v in value.items():
            total += len(str(k)) + 1 + approximate_size(v)
        return total
    if isinstance(value, (list, tuple)):
        total = 3
        for v in value:
            total += 1 + approximate_size(v)
        return total
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return 21
    return len(str(value))


def iter_records(items: Iterable[Mapping[str, Any]]) -> Iterator[Record]:
    """Records from items, skipping link records (the graph reads links from
    the record that owns them)."""
    for item in items:
        record = from_item(item)
        if record.record_type != LINK:
            yield record
