"""DynamoDB Streams events.

In-link per record: ``ddb_item_key(table, dynamodb.Keys)``, the table read
from ``eventSourceARN``, with ``at_ms`` from ``ApproximateCreationDateTime``
(epoch seconds, whole on AWS, a float in some tools) and ``seq`` the record's
``SequenceNumber``: one key is written many times, and the graph pairs writes
with records in order.

SpotWrap's ``caller`` is the first record's ``eventID:SequenceNumber``; its
``message`` the table name.  Key values only ever enter a link as a digest,
and item images are never read, so neither lands in a record.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry.semconv._incubating.attributes import faas_attributes as faas

from spot_otel.links import Link, ddb_item_key, table_name
from spot_otel.triggers import _batch
from spot_otel.triggers._fields import dig, ident, joined, known, mapping, records, text
from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "dynamodb"
EVENT_SOURCE = "aws:dynamodb"

_OPERATIONS = {
    "INSERT": faas.FaasDocumentOperationValues.INSERT.value,
    "MODIFY": faas.FaasDocumentOperationValues.EDIT.value,
    "REMOVE": faas.FaasDocumentOperationValues.DELETE.value,
}


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of a stream batch, every record's link included."""
    batch = records(event)
    trigger = Trigger(name=NAME, kind=TriggerKind.DATASOURCE, event_source=EVENT_SOURCE)
    for link in _batch.each_record(batch, record_link):
        if link is not None:
            trigger.in_links.append(link)
    if batch:
        _describe(trigger, batch[0], single=len(batch) == 1)
    _batch.mark(trigger, len(batch))
    return trigger


def record_link(record: Mapping[str, Any]) -> Link | None:
    """The in-link of one stream record, or None if it names no item."""
    table = ident(record.get("eventSourceARN"))
    change = mapping(record.get("dynamodb"))
    keys = change.get("Keys")
    if table is None or not isinstance(keys, Mapping) or not keys:
        return None

    return Link(
        ddb_item_key(table, keys),
        at_ms=epoch_ms(change.get("ApproximateCreationDateTime")),
        seq=ident(change.get("SequenceNumber")),
    )


def epoch_ms(seconds: Any) -> int | None:
    """Epoch seconds (int or float) as whole milliseconds."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return None
    try:
        return round(float(seconds) * 1000)
    except (OverflowError, ValueError):
        # Infinite, NaN or beyond a float: no time at all.
        return None


def _describe(trigger: Trigger, first: Mapping[str, Any], single: bool) -> None:
    table = ident(first.get("eventSourceARN"))
    event_name = text(first.get("eventName"))

    trigger.caller = known(
        joined(
            ident(first.get("eventID")), ident(dig(first, "dynamodb", "SequenceNumber"))
        )
    )
    trigger.event_op = known(event_name)
    trigger.message = known(table_name(table) if table else None)
    if table:
        trigger.attributes[faas.FAAS_DOCUMENT_COLLECTION] = trigger.message
    # One record's operation; a batch mixes them.  faas.document.name would be
    # the item's key, which may hold user data: it is left out.
    operation = _OPERATIONS.get(event_name or "")
    if single and operation:
        trigger.attributes[faas.FAAS_DOCUMENT_OPERATION] = operation
