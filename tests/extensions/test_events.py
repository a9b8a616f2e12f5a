"""The EventBridge extension: PutEvents links each accepted event by EventId."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import events_key

from tests.extensions.helpers import aws_client, call_and_link, keys, sdk_call

EXTENSION = extension_for("events")


@pytest.fixture
def events(aws: None) -> Any:
    return aws_client("events")


def entry(detail: str = '{"order": 17}', **extra: Any) -> dict[str, Any]:
    return {
        "Source": "shop.orders",
        "DetailType": "OrderPlaced",
        "Detail": detail,
        **extra,
    }


def test_every_accepted_event_links_and_refused_ones_do_not(events: Any) -> None:
    params = {"Entries": [entry(), entry(detail="not json"), entry()]}

    response, links = call_and_link(events, "PutEvents", params)

    assert response["FailedEntryCount"] == 1
    event_ids = [e["EventId"] for e in response["Entries"] if "EventId" in e]
    assert len(event_ids) == 2
    assert keys(links) == [events_key(event_id) for event_id in event_ids]


def test_put_events_attributes(events: Any) -> None:
    call = sdk_call(events, "PutEvents", {"Entries": [entry(), entry()]})

    assert EXTENSION.span_kind(call) is SpanKind.PRODUCER
    assert EXTENSION.target(call) == "default"
    assert EXTENSION.request_attributes(call) == {
        "messaging.system": "aws.eventbridge",
        "messaging.destination.name": "default",
        "messaging.operation.type": "send",
        "messaging.batch.message_count": 2,
    }


def test_buses_by_name_or_arn_are_named_once_each(events: Any) -> None:
    arn = "arn:aws:events:us-east-1:123456789012:event-bus/billing"
    call = sdk_call(
        events,
        "PutEvents",
        {"Entries": [entry(EventBusName=arn), entry(EventBusName="billing"), entry()]},
    )

    assert EXTENSION.target(call) == "billing,default"


def test_other_calls_are_client_spans_without_links(events: Any) -> None:
    params = {"Name": "orders-rule", "EventPattern": '{"source": ["shop.orders"]}'}

    _, links = call_and_link(events, "PutRule", params)

    assert links == []
    assert EXTENSION.span_kind(sdk_call(events, "PutRule", params)) is SpanKind.CLIENT
