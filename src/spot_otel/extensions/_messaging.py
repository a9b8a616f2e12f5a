"""What the messaging extensions share.

SNS and SQS work alike: one single-send and one batch-send operation, trace
context carried in message attributes, and ``MessageId`` (single) or
``Successful[].MessageId`` (batch) in the response; :class:`MessageSender`
holds all of that once.  SNS, SQS, Kinesis and EventBridge spans all get the
``messaging.*`` attributes of OTel's messaging conventions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from opentelemetry.semconv._incubating.attributes import messaging_attributes as msg
from opentelemetry.trace import SpanKind

from spot_otel import inband
from spot_otel.extensions._fields import mappings, text
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link

_logger = logging.getLogger(__name__)

MESSAGE_ATTRIBUTES = "MessageAttributes"

SEND = msg.MessagingOperationTypeValues.SEND.value
RECEIVE = msg.MessagingOperationTypeValues.RECEIVE.value
SETTLE = msg.MessagingOperationTypeValues.SETTLE.value

_MAX_MESSAGE_BYTES = 256 * 1024
"""SNS's limit on a message with its attributes, and on a whole batch; SQS's
on a batch.  SQS takes single messages up to 1 MiB now, but injection stays
within the smaller limit rather than track which queue allows what."""

# Carrier keys in the order they deserve a message attribute when room is
# short: the parent context first, then the rest (tracestate, an X-Ray
# header) in the carrier's own order.  The caller's request id stays out: a
# message's consumer takes SpotWrap's ``caller`` from the MessageId, so the
# id would only use up one of the ten attributes.
_FIRST = (inband.TRACEPARENT,)
_LEFT_OUT = (inband.CALLER,)


class MessageSender(ServiceExtension):
    """Base of the SNS and SQS extensions.

    A subclass names its two send operations, the batch's entry list, the
    message body's parameter and the link-key builder; it adds its own
    ``request_attributes`` and ``target``.
    """

    single: str
    batch: str
    entries_key: str
    body_key: str
    link_key: Callable[[str], str]

    def span_kind(self, call: SdkCall) -> SpanKind:
        if call.operation in (self.single, self.batch):
            return SpanKind.PRODUCER
        return SpanKind.CLIENT

    def batch_count(self, call: SdkCall) -> int | None:
        """How many entries a batch send carries; None for other calls."""
        if call.operation != self.batch:
            return None
        entries = call.params.get(self.entries_key)
        return len(entries) if isinstance(entries, (list, tuple)) else None

    def inject(
        self, call: SdkCall, carrier: Mapping[str, str]
    ) -> dict[str, Any] | None:
        if call.operation == self.single:
            return _inject_message(call.params, self.body_key, carrier)
        if call.operation == self.batch:
            return _inject_batch(call.params, self.entries_key, self.body_key, carrier)
        return None

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        if call.operation not in (self.single, self.batch):
            return []
        return [
            Link(self.link_key(message_id))
            for message_id in _sent_message_ids(response)
        ]

    def response_attributes(
        self, call: SdkCall, response: Mapping[str, Any]
    ) -> dict[str, AttributeValue]:
        if call.operation != self.single:
            return {}
        message_id = text(response, "MessageId")
        if message_id is None:
            return {}
        return {msg.MESSAGING_MESSAGE_ID: message_id}


def messaging_attributes(
    system: str,
    destination: str | None,
    operation_type: str | None = None,
    batch_count: int | None = None,
) -> dict[str, AttributeValue]:
    """The ``messaging.*`` attributes of one call; None values are left out."""
    attributes: dict[str, AttributeValue] = {msg.MESSAGING_SYSTEM: system}
    if destination:
        attributes[msg.MESSAGING_DESTINATION_NAME] = destination
    if operation_type:
        attributes[msg.MESSAGING_OPERATION_TYPE] = operation_type
    if batch_count is not None:
        attributes[msg.MESSAGING_BATCH_MESSAGE_COUNT] = batch_count
    return attributes


def _sent_message_ids(response: Mapping[str, Any]) -> Iterator[str]:
    """Every MessageId a send returned: the single one, or each successful
    entry of a batch (failed entries were never sent)."""
    message_id = text(response, "MessageId")
    if message_id is not None:
        yield message_id
    for entry in mappings(response.get("Successful")):
        message_id = text(entry, "MessageId")
        if message_id is not None:
            yield message_id


def _inject_message(
    params: Mapping[str, Any], body_key: str, carrier: Mapping[str, str]
) -> dict[str, Any] | None:
    """A copy of a single send's params whose MessageAttributes also carry
    ``carrier``, or None when nothing fits."""
    budget = _MAX_MESSAGE_BYTES - _message_bytes(params, body_key)
    injected, _ = _with_carrier(params, carrier, budget)
    return injected


def _inject_batch(
    params: Mapping[str, Any],
    entries_key: str,
    body_key: str,
    carrier: Mapping[str, str],
) -> dict[str, Any] | None:
    """A copy of a batch send's params with ``carrier`` added to each entry
    that has room, or None when no entry had any."""
    entries = params.get(entries_key)
    if not isinstance(entries, (list, tuple)):
        return None

    budget = _MAX_MESSAGE_BYTES - sum(
        _message_bytes(entry, body_key) for entry in mappings(entries)
    )
    new_entries: list[Any] = []
    changed = False
    for entry in entries:
        injected = None
        if isinstance(entry, Mapping):
            injected, used = _with_carrier(entry, carrier, budget)
            budget -= used
        changed = changed or injected is not None
        new_entries.append(entry if injected is None else injected)

    if not changed:
        return None
    new_params = dict(params)
    new_params[entries_key] = new_entries
    return new_params


def _with_carrier(
    message: Mapping[str, Any], carrier: Mapping[str, str], budget: int
) -> tuple[dict[str, Any] | None, int]:
    """``message`` copied with carrier attributes added, in priority order,
    while it stays within the attribute limit and ``budget`` bytes.

    Returns the copy (None if nothing was added) and the bytes it added.
    Attributes the caller set are never replaced.
    """
    existing = message.get(MESSAGE_ATTRIBUTES)
    if existing is None:
        existing = {}
    if not isinstance(existing, Mapping):
        return None, 0

    room = inband.MESSAGE_ATTRIBUTE_LIMIT - len(existing)
    added: dict[str, dict[str, str]] = {}
    used = 0
    for name in _by_priority(carrier):
        value = carrier[name]
        if name in existing or not isinstance(value, str) or not value:
            continue
        attribute = {"DataType": "String", "StringValue": value}
        size = _attribute_bytes(name, attribute)
        if len(added) >= room or used + size > budget:
            # Keys after this one matter less (tracestate means nothing
            # without traceparent), so stop rather than squeeze them in.
            _logger.debug("no room for message attribute %s; carrier cut short", name)
            break
        added[name] = attribute
        used += size

    if not added:
        return None, 0
    copy = dict(message)
    copy[MESSAGE_ATTRIBUTES] = {**existing, **added}
    return copy, used


def _by_priority(carrier: Mapping[str, str]) -> list[str]:
    first = [name for name in _FIRST if name in carrier]
    rest = [name for name in carrier if name not in _FIRST and name not in _LEFT_OUT]
    return first + rest


def _message_bytes(message: Mapping[str, Any], body_key: str) -> int:
    """A message's size as SNS and SQS count it: body plus each attribute's
    name, type and value."""
    size = _utf8_len(message.get(body_key))
    attributes = message.get(MESSAGE_ATTRIBUTES)
    if isinstance(attributes, Mapping):
        size += sum(
            _attribute_bytes(name, value)
            for name, value in attributes.items()
            if isinstance(value, Mapping)
        )
    return size


def _attribute_bytes(name: Any, value: Mapping[str, Any]) -> int:
    return (
        _utf8_len(name)
        + _utf8_len(value.get("DataType"))
        + _utf8_len(value.get("StringValue"))
        + _utf8_len(value.get("BinaryValue"))
    )


def _utf8_len(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    return 0
