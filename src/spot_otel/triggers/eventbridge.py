"""EventBridge (CloudWatch Events) events, scheduled ones included.

In-link: ``events_key(id)``, the EventId PutEvents returned to the producer.
S3 events delivered through EventBridge (``source`` ``aws.s3``) also carry
S3's in-links, from ``detail``.  A rule's schedule sends ``source``
``aws.events`` with ``detail-type`` ``Scheduled Event``: a ``timer``
trigger.  Everything else is ``pubsub``.

SpotWrap's ``caller`` is the event id, its ``event_op`` the detail-type, its
``message`` the source.  ``detail`` is not copied anywhere.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry.semconv._incubating.attributes import faas_attributes as faas

from spot_otel.links import Link, events_key
from spot_otel.triggers import s3
from spot_otel.triggers._fields import dig, ident, known, mapping, text
from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "eventbridge"
EVENT_SOURCE = "aws:events"

SCHEDULE_SOURCE = "aws.events"
SCHEDULED_EVENT = "Scheduled Event"
S3_SOURCE = "aws.s3"


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of one EventBridge event."""
    source = text(event.get("source"))
    detail_type = text(event.get("detail-type"))
    event_id = ident(event.get("id"))
    is_schedule = source == SCHEDULE_SOURCE and detail_type == SCHEDULED_EVENT

    trigger = Trigger(
        name=NAME,
        kind=TriggerKind.TIMER if is_schedule else TriggerKind.PUBSUB,
        caller=known(event_id),
        event_source=EVENT_SOURCE,
        event_op=known(detail_type),
        message=known(source),
    )
    if event_id is not None:
        trigger.in_links.append(Link(events_key(event_id)))
    if source == S3_SOURCE:
        trigger.in_links.extend(_s3_links(mapping(event.get("detail"))))

    event_time = text(event.get("time"))
    if is_schedule and event_time:
        trigger.attributes[faas.FAAS_TIME] = event_time
    return trigger


def _s3_links(detail: Mapping[str, Any]) -> list[Link]:
    # The key is taken as it comes.  S3 URL-encodes keys in the notifications
    # it sends to Lambda, SQS and SNS; its EventBridge events are documented
    # without that note, and moto sends them plain.  AWS spells the ETag
    # "etag" here; moto, which the local runtime uses, "eTag".
    s3_object = mapping(detail.get("object"))
    return s3.object_links(
        bucket=dig(detail, "bucket", "name"),
        key=s3_object.get("key"),
        etag=s3_object.get("etag") or s3_object.get("eTag"),
        request_id=detail.get("request-id"),
    )
