"""The SNS extension: Publish and PublishBatch link by MessageId."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import sns_key

from tests.extensions.helpers import CARRIER, aws_client, call_and_link, keys, sdk_call

EXTENSION = extension_for("sns")


@pytest.fixture
def sns(aws: None) -> Any:
    return aws_client("sns")


@pytest.fixture
def topic(sns: Any) -> str:
    return sns.create_topic(Name="orders")["TopicArn"]


def test_publish_links_to_its_message_id(sns: Any, topic: str) -> None:
    response, links = call_and_link(
        sns, "Publish", {"TopicArn": topic, "Message": "hi"}
    )

    assert keys(links) == [sns_key(response["MessageId"])]


def test_publish_batch_links_every_message(sns: Any, topic: str) -> None:
    entries = [{"Id": str(n), "Message": f"m{n}"} for n in range(3)]

    response, links = call_and_link(
        sns, "PublishBatch", {"TopicArn": topic, "PublishBatchRequestEntries": entries}
    )

    sent = [entry["MessageId"] for entry in response["Successful"]]
    assert len(sent) == 3
    assert keys(links) == [sns_key(message_id) for message_id in sent]


def test_failed_batch_entries_get_no_link() -> None:
    # moto fails a PublishBatch whole rather than per entry, so this response
    # is shaped by hand after SNS's documented partial failure.
    response = {
        "Successful": [
            {"Id": "1", "MessageId": "b1d7a9b2-95d4-5f7c-8b51-7d0b1b2b0001"}
        ],
        "Failed": [{"Id": "2", "Code": "InternalError", "SenderFault": False}],
    }
    call = sdk_call(aws_client("sns"), "PublishBatch", {})

    links = EXTENSION.out_links(call, response, lambda table: None)

    assert keys(links) == [sns_key("b1d7a9b2-95d4-5f7c-8b51-7d0b1b2b0001")]


def test_publish_attributes(sns: Any, topic: str) -> None:
    call = sdk_call(sns, "Publish", {"TopicArn": topic, "Message": "secret text"})

    assert EXTENSION.span_kind(call) is SpanKind.PRODUCER
    assert EXTENSION.target(call) == topic
    assert EXTENSION.request_attributes(call) == {
        "messaging.system": "aws.sns",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "send",
        "aws.sns.topic.arn": topic,
    }
    response = {"MessageId": "m-1"}
    assert EXTENSION.response_attributes(call, response) == {
        "messaging.message.id": "m-1"
    }


def test_publish_batch_counts_its_messages(sns: Any, topic: str) -> None:
    entries = [{"Id": "1", "Message": "a"}, {"Id": "2", "Message": "b"}]
    call = sdk_call(
        sns, "PublishBatch", {"TopicArn": topic, "PublishBatchRequestEntries": entries}
    )

    assert EXTENSION.request_attributes(call)["messaging.batch.message_count"] == 2


def test_sms_to_a_number_never_records_the_number(sns: Any) -> None:
    params = {"PhoneNumber": "+15555550123", "Message": "code 1234"}
    response, links = call_and_link(sns, "Publish", params)
    call = sdk_call(sns, "Publish", params)

    recorded = [EXTENSION.target(call), *EXTENSION.request_attributes(call).values()]
    assert EXTENSION.target(call) == "phone"
    assert EXTENSION.request_attributes(call)["messaging.destination.name"] == "phone"
    assert not any("5555550123" in str(value) for value in recorded)
    assert keys(links) == [sns_key(response["MessageId"])]
    assert EXTENSION.inject(call, CARRIER) is None, "no subscriber could read it"


def test_other_calls_are_plain_client_spans_without_links(sns: Any, topic: str) -> None:
    params = {"TopicArn": topic}
    response, links = call_and_link(sns, "GetTopicAttributes", params)
    call = sdk_call(sns, "GetTopicAttributes", params)

    assert links == []
    assert EXTENSION.span_kind(call) is SpanKind.CLIENT
    assert "messaging.operation.type" not in EXTENSION.request_attributes(call)
    assert EXTENSION.response_attributes(call, response) == {}
