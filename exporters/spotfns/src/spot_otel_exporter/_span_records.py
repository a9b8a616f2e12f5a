"""Spans to spotFns records.

An invocation span (``spot.role=invocation``) gives an *entry* record when it
starts and an *exit* record when it ends; an SDK call span gives one *call*
record when it ends.  Spans without ``spot.role`` (the user's own, other
instrumentations') become call records too when the invocation they belong to
can be told, from the parent of each open span; otherwise they are skipped.

In-links are indexed on the entry record (plus one link record per further
key), which is written first and off the critical path; the exit record
repeats them in ``linksIn`` but adds no link items.  Call records index their
out-links the same way.

Every record carries SpotWrap's twelve columns, with ``unknown`` where a value
is not known; region and account come from the function's ARN first.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode, format_span_id, format_trace_id

from spot_otel import attributes as attr
from spot_otel import records
from spot_otel.links import Link
from spot_otel.records import Record
from spot_otel_exporter._config import SinkConfig

_logger = logging.getLogger(__name__)

_MAX_OPEN_SPANS = 4096
"""Open spans remembered at once; more than this means spans that never end."""
_MAX_ERROR_TEXT = 1024
_MAX_ATTRIBUTE_TEXT = 512
_MAX_OPERATION = 64
_SECONDS_PER_DAY = 86_400

# Attributes already held by a column, so not repeated in ``attrs``.
_IN_COLUMNS = frozenset(
    {
        attr.SPOT_CALLER,
        attr.SPOT_EVENT_SOURCE,
        attr.SPOT_EVENT_OP,
        attr.SPOT_MESSAGE,
        attr.SPOT_SOURCE_IP,
        attr.SPOT_TRIGGER,
        attr.SPOT_ROLE,
        attr.SPOT_INVOCATION_ID,
        attr.SPOT_TARGET,
        attr.SPOT_LINKS_IN,
        attr.SPOT_LINKS_OUT,
        attr.FAAS_INVOCATION_ID,
        attr.FAAS_NAME,
        attr.CLOUD_RESOURCE_ID,
    }
)


@dataclass(frozen=True)
class _Seed:
    """The columns an invocation lends to the records of its SDK calls."""

    this_fn_arn: str
    caller: str
    source_ip: str
    function: str
    trigger: str


class SpanRecords:
    """Turns spans into records; remembers which open span belongs to which
    invocation.  Thread-safe."""

    def __init__(self, config: SinkConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._open: OrderedDict[int, str] = OrderedDict()
        self._seeds: dict[str, _Seed] = {}
        # Invocation spans' attributes as they started.  Past its attribute
        # limit (128) the SDK drops a span's oldest attributes, and a handler
        # that sets many would evict the invocation's own (its role, its id,
        # its links): its exit record is built with them put back.
        self._invocations_at_start: dict[int, dict[str, Any]] = {}
        self.dropped_link_keys = 0

    def started(self, span: ReadableSpan) -> list[Record]:
        """Remember ``span``; for an invocation span, its entry record (with
        link records for its in-links)."""
        attributes = span.attributes or {}
        if attributes.get(attr.SPOT_ROLE) != attr.ROLE_INVOCATION:
            self._remember(span, self._parent_invocation(span, attributes))
            return []

        invocation_id = _invocation_id(span, attributes)
        seed = _seed(attributes)
        with self._lock:
            self._seeds[invocation_id] = seed
            self._invocations_at_start[span.context.span_id] = dict(attributes)
        self._remember(span, invocation_id)
        entry = self._invocation_record(span, attributes, invocation_id, records.ENTRY)
        return self._with_links(entry)

    def ended(self, span: ReadableSpan) -> list[Record]:
        """The exit record of an invocation span, or the call record of any
        other span whose invocation is known; forgets ``span``."""
        attributes = span.attributes or {}
        with self._lock:
            invocation_id = self._open.pop(span.context.span_id, None)
            at_start = self._invocations_at_start.pop(span.context.span_id, None)
        if at_start is not None:
            attributes = {**at_start, **attributes}

        if attributes.get(attr.SPOT_ROLE) == attr.ROLE_INVOCATION:
            invocation_id = invocation_id or _invocation_id(span, attributes)
            with self._lock:
                self._seeds.pop(invocation_id, None)
            exit_ = self._invocation_record(span, attributes, invocation_id, records.EXIT)
            return [exit_]

        invocation_id = invocation_id or self._parent_invocation(span, attributes)
        if not invocation_id:
            _logger.debug("span %r is in no known invocation; not recorded", span.name)
            return []
        with self._lock:
            seed = self._seeds.get(invocation_id)
        return self._with_links(self._call_record(span, attributes, invocation_id, seed))

    def batch(self, spans: Sequence[ReadableSpan]) -> list[Record]:
        """Records of ended spans whose start was never seen (the exporter's
        case): entry and exit records for invocation spans, call records for
        the rest.  Parents are resolved within the batch."""
        out: list[Record] = []
        for span in sorted(spans, key=lambda s: s.start_time or 0):
            out.extend(self.started(span))

        # Calls first: ending an invocation forgets the columns it lends them.
        is_invocation = [
            (span.attributes or {}).get(attr.SPOT_ROLE) == attr.ROLE_INVOCATION
            for span in spans
        ]
        for span, invocation in zip(spans, is_invocation, strict=True):
            if not invocation:
                out.extend(self.ended(span))
        for span, invocation in zip(spans, is_invocation, strict=True):
            if invocation:
                out.extend(self.ended(span))
        return out

    def forget_all(self) -> None:
        """Drop every remembered span (after a fork: they are the parent's)."""
        with self._lock:
            self._open.clear()
            self._seeds.clear()
            self._invocations_at_start.clear()

    # -- Bookkeeping --------------------------------------------------------------

    def _remember(self, span: ReadableSpan, invocation_id: str | None) -> None:
        if not invocation_id:
            return
        with self._lock:
            self._open[span.context.span_id] = invocation_id
            while len(self._open) > _MAX_OPEN_SPANS:
                forgotten, _ = self._open.popitem(last=False)
                self._invocations_at_start.pop(forgotten, None)

    def _parent_invocation(
        self, span: ReadableSpan, attributes: Mapping[str, Any]
    ) -> str | None:
        own = attributes.get(attr.SPOT_INVOCATION_ID)
        if isinstance(own, str) and own:
            return own
        if span.parent is None:
            return None
        with self._lock:
            return self._open.get(span.parent.span_id)

    def _with_links(self, record: Record) -> list[Record]:
        out, dropped = records.with_link_records(record, self._config.max_link_keys)
        if dropped:
            with self._lock:
                self.dropped_link_keys += dropped
            _logger.debug("%d link keys over the cap on %s", dropped, record.request_id)
        return out

    # -- Records ------------------------------------------------------------------

    def _invocation_record(
        self,
        span: ReadableSpan,
        attributes: Mapping[str, Any],
        invocation_id: str,
        record_type: str,
    ) -> Record:
        span_id = format_span_id(span.context.span_id)
        arn = _text(attributes, attr.CLOUD_RESOURCE_ID)
        if record_type == records.ENTRY:
            return self._record(
                span,
                attributes,
                invocation_id,
                arn,
                request_id=records.entry_request_id(invocation_id, span_id),
                record_type=records.ENTRY,
                duration=0,
                error=records.UNKNOWN,
                status=StatusCode.UNSET.name,
            )
        return self._record(
            span,
            attributes,
            invocation_id,
            arn,
            request_id=records.exit_request_id(invocation_id, span_id),
            record_type=records.EXIT,
            ts=_end_ms(span),
        )

    def _call_record(
        self,
        span: ReadableSpan,
        attributes: Mapping[str, Any],
        invocation_id: str,
        seed: _Seed | None,
    ) -> Record:
        operation = _operation(span, attributes)
        arn = _text(attributes, attr.CLOUD_RESOURCE_ID)
        if arn == records.UNKNOWN and seed is not None:
            arn = seed.this_fn_arn
        service = _text(attributes, attr.RPC_SERVICE)
        if service == records.UNKNOWN and span.instrumentation_scope is not None:
            service = span.instrumentation_scope.name or records.UNKNOWN
        return self._record(
            span,
            attributes,
            invocation_id,
            arn,
            request_id=records.call_request_id(
                invocation_id, operation, format_span_id(span.context.span_id)
            ),
            record_type=records.CALL,
            caller=seed.caller if seed else records.UNKNOWN,
            event_source=service,
            event_op=operation,
            source_ip=seed.source_ip if seed else records.UNKNOWN,
            message=_text(attributes, attr.SPOT_TARGET),
            function=_text(attributes, attr.FAAS_NAME, seed.function if seed else ""),
            trigger=seed.trigger if seed else "",
        )

    def _record(
        self,
        span: ReadableSpan,
        attributes: Mapping[str, Any],
        invocation_id: str,
        arn: str,
        **overrides: Any,
    ) -> Record:
        """Every column as for an ended invocation span, then ``overrides``."""
        columns: dict[str, Any] = {
            "ts": _start_ms(span),
            "this_fn_arn": arn,
            "caller": _text(attributes, attr.SPOT_CALLER),
            "event_source": _text(attributes, attr.SPOT_EVENT_SOURCE),
            "event_op": _text(attributes, attr.SPOT_EVENT_OP),
            "region": _arn_part(arn, 3) or _text(attributes, attr.CLOUD_REGION),
            "account_id": _arn_part(arn, 4) or _text(attributes, attr.CLOUD_ACCOUNT_ID),
            "source_ip": _text(attributes, attr.SPOT_SOURCE_IP),
            "message": _text(attributes, attr.SPOT_MESSAGE),
            "duration": _duration_ms(span),
            "error": _error_text(span),
            "invocation_id": invocation_id,
            "trace_id": format_trace_id(span.context.trace_id),
            "span_id": format_span_id(span.context.span_id),
            "parent_span_id": format_span_id(span.parent.span_id) if span.parent else "",
            "kind": span.kind.name,
            "name": span.name,
            "status": span.status.status_code.name,
            "function": _text(attributes, attr.FAAS_NAME, ""),
            "trigger": _text(attributes, attr.SPOT_TRIGGER, ""),
            "links_in": _links(attributes.get(attr.SPOT_LINKS_IN)),
            "links_out": _links(attributes.get(attr.SPOT_LINKS_OUT)),
            "attrs": _bounded_attributes(attributes, self._config.max_attributes),
        }
        columns.update(overrides)
        columns["expires_at"] = _expires_at(columns["ts"], self._config.ttl_days)
        return Record(**columns)


# -- Column helpers ---------------------------------------------------------------


def _invocation_id(span: ReadableSpan, attributes: Mapping[str, Any]) -> str:
    invocation_id = attributes.get(attr.FAAS_INVOCATION_ID)
    if isinstance(invocation_id, str) and invocation_id:
        return invocation_id
    # Without a request id the trace id still groups the records, and it is
    # never empty (an empty string cannot be an index key).
    return format_trace_id(span.context.trace_id)


def _seed(attributes: Mapping[str, Any]) -> _Seed:
    return _Seed(
        this_fn_arn=_text(attributes, attr.CLOUD_RESOURCE_ID),
        caller=_text(attributes, attr.SPOT_CALLER),
        source_ip=_text(attributes, attr.SPOT_SOURCE_IP),
        function=_text(attributes, attr.FAAS_NAME, ""),
        trigger=_text(attributes, attr.SPOT_TRIGGER, ""),
    )


def _text(
    attributes: Mapping[str, Any], name: str, default: str = records.UNKNOWN
) -> str:
    value = attributes.get(name)
    if value is None or value == "":
        return default
    return str(value)


def _arn_part(arn: str, index: int) -> str | None:
    """``arn:aws:lambda:<region>:<account>:function:<name>``: part 3 or 4."""
    parts = arn.split(":")
    if len(parts) > index and parts[0] == "arn" and parts[index]:
        return parts[index]
    return None


def _operation(span: ReadableSpan, attributes: Mapping[str, Any]) -> str:
    operation = _text(attributes, attr.RPC_METHOD, "") or span.name or "span"
    # The request id is split on ":" by SpotWrap's scripts.
    return "_".join(operation.replace(":", " ").split())[:_MAX_OPERATION] or "span"


def _start_ms(span: ReadableSpan) -> int:
    return (span.start_time or 0) // 1_000_000


def _end_ms(span: ReadableSpan) -> int:
    return (span.end_time or span.start_time or 0) // 1_000_000


def _duration_ms(span: ReadableSpan) -> float:
    if span.start_time is None or span.end_time is None:
        return 0
    return max(0, span.end_time - span.start_time) / 1_000_000


def _error_text(span: ReadableSpan) -> str:
    """Status description, else the last exception event as ``type: message``."""
    if span.status.status_code is not StatusCode.ERROR:
        return records.NO_ERROR
    if span.status.description:
        return records.cut_text(span.status.description, _MAX_ERROR_TEXT)

    for event in reversed(span.events):
        if event.name != "exception":
            continue
        event_attributes = event.attributes or {}
        kind = str(event_attributes.get("exception.type", "") or "Exception")
        message = str(event_attributes.get("exception.message", "") or "")
        text = f"{kind}: {message}" if message else kind
        return records.cut_text(text, _MAX_ERROR_TEXT)
    return "error"


def _links(value: Any) -> list[Link]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        return []
    return [Link.decode(text) for text in value if isinstance(text, str) and text]


def _bounded_attributes(attributes: Mapping[str, Any], limit: int) -> dict[str, Any]:
    """At most ``limit`` attributes with primitive values; long strings cut."""
    kept: dict[str, Any] = {}
    for name, value in _primitive_items(attributes):
        if len(kept) >= limit:
            break
        if isinstance(value, str):
            value = records.cut_text(value, _MAX_ATTRIBUTE_TEXT)
        kept[name] = value
    return kept


def _primitive_items(attributes: Mapping[str, Any]) -> Iterable[tuple[str, Any]]:
    for name, value in attributes.items():
        if name not in _IN_COLUMNS and isinstance(value, (str, bool, int, float)):
            yield name, value


def _expires_at(ts_ms: int, ttl_days: int) -> int | None:
    if ttl_days <= 0:
        return None
    return ts_ms // 1000 + ttl_days * _SECONDS_PER_DAY
