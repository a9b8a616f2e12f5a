"""S3 event notifications, to Lambda directly or wrapped in SQS and SNS bodies.

In-links, per record: ``s3_object_key(bucket, key, eTag)`` with the key
URL-decoded (notifications encode it, ``a b+c.txt`` arrives as
``a+b%2Bc.txt``; S3's API and the producer side use it plain), and
``s3_request_key`` of ``responseElements.x-amz-request-id`` when present.
Delete events carry no eTag: the key then uses an empty ETag, as the producer
side does for DeleteObject(s).

SpotWrap's ``caller`` is the first record's request id and sequencer; its
``message`` is ``bucket/key``.  Object contents are never read.
"""

from __future__ import annotations

from typing import Any, Mapping
from urllib.parse import unquote_plus

from opentelemetry.semconv._incubating.attributes import faas_attributes as faas

from spot_otel.links import Link, s3_object_key, s3_request_key
from spot_otel.triggers import _batch
from spot_otel.triggers._bodies import json_object
from spot_otel.triggers._fields import dig, ident, joined, known, mapping, records, text
from spot_otel.triggers.types import AttributeValue, Trigger, TriggerKind

NAME = "s3"
EVENT_SOURCE = "aws:s3"

_OPERATIONS = (
    ("ObjectCreated:", faas.FaasDocumentOperationValues.INSERT.value),
    ("ObjectRemoved:", faas.FaasDocumentOperationValues.DELETE.value),
)


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of an S3 notification, every record's links included."""
    batch = records(event)
    trigger = Trigger(name=NAME, kind=TriggerKind.DATASOURCE, event_source=EVENT_SOURCE)
    for links in _batch.each_record(batch, record_links):
        trigger.in_links.extend(links)
    if batch:
        _describe(trigger, batch[0], single=len(batch) == 1)
    _batch.mark(trigger, len(batch))
    return trigger


def record_links(record: Mapping[str, Any]) -> list[Link]:
    """The in-links of one notification record."""
    s3_object = mapping(dig(record, "s3", "object"))
    return object_links(
        bucket=dig(record, "s3", "bucket", "name"),
        key=decoded_key(s3_object.get("key")),
        etag=s3_object.get("eTag"),
        request_id=dig(record, "responseElements", "x-amz-request-id"),
    )


def object_links(bucket: Any, key: Any, etag: Any, request_id: Any) -> list[Link]:
    """The in-links of one object event, from its plain (decoded) key."""
    links: list[Link] = []
    bucket, key = ident(bucket), ident(key)
    if bucket is not None and key is not None:
        links.append(Link(s3_object_key(bucket, key, ident(etag) or "")))
    request_id = ident(request_id)
    if request_id is not None:
        links.append(Link(s3_request_key(request_id)))
    return links


def notification_links(document: Mapping[str, Any]) -> list[Link]:
    """The in-links of an S3 notification parsed from a message body."""
    links: list[Link] = []
    for record in records(document):
        if isinstance(record.get("s3"), Mapping):
            links.extend(record_links(record))
    return links


def links_in_body(body: Any) -> list[Link]:
    """The in-links of a message body holding an S3 notification, else none."""
    document = json_object(body, ('"s3"',))
    return notification_links(document) if document is not None else []


def decoded_key(raw: Any) -> str | None:
    """An object key as notifications send it, URL-decoded."""
    raw = ident(raw)
    return unquote_plus(raw) if raw is not None else None


def _describe(trigger: Trigger, first: Mapping[str, Any], single: bool) -> None:
    bucket = text(dig(first, "s3", "bucket", "name"))
    key = text(decoded_key(dig(first, "s3", "object", "key")))
    event_name = text(first.get("eventName"))

    trigger.caller = known(
        joined(
            ident(dig(first, "responseElements", "x-amz-request-id")),
            ident(dig(first, "s3", "object", "sequencer")),
        )
    )
    trigger.event_op = known(event_name)
    trigger.message = known(f"{bucket}/{key}" if bucket and key else bucket)
    trigger.attributes.update(
        _document_attributes(first, bucket, key, event_name, single)
    )


def _document_attributes(
    first: Mapping[str, Any],
    bucket: str | None,
    key: str | None,
    event_name: str | None,
    single: bool,
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {}
    if bucket:
        attributes[faas.FAAS_DOCUMENT_COLLECTION] = bucket
    # The name, operation and time of one object; a batch has many.
    if not single:
        return attributes

    if key:
        attributes[faas.FAAS_DOCUMENT_NAME] = key
    operation = _operation(event_name)
    if operation:
        attributes[faas.FAAS_DOCUMENT_OPERATION] = operation
    event_time = text(first.get("eventTime"))
    if event_time:
        attributes[faas.FAAS_DOCUMENT_TIME] = event_time
    return attributes


def _operation(event_name: str | None) -> str | None:
    for prefix, operation in _OPERATIONS:
        if event_name and event_name.startswith(prefix):
            return operation
    return None
