"""The SQS extension: SendMessage and SendMessageBatch link by MessageId."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import sqs_key

from tests.extensions.helpers import aws_client, call_and_link, keys, sdk_call

EXTENSION = extension_for("sqs")


@pytest.fixture
def sqs(aws: None) -> Any:
    return aws_client("sqs")


@pytest.fixture
def queue(sqs: Any) -> str:
    return sqs.create_queue(QueueName="orders")["QueueUrl"]


def test_send_message_links_to_its_message_id(sqs: Any, queue: str) -> None:
    response, links = call_and_link(
        sqs, "SendMessage", {"QueueUrl": queue, "MessageBody": "x"}
    )

    assert keys(links) == [sqs_key(response["MessageId"])]


def test_batch_links_only_the_messages_sqs_accepted(sqs: Any, queue: str) -> None:
    entries = [
        {"Id": "ok-1", "MessageBody": "a"},
        {"Id": "refused", "MessageBody": "b", "DelaySeconds": 1000},
        {"Id": "ok-2", "MessageBody": "c"},
    ]

    response, links = call_and_link(
        sqs, "SendMessageBatch", {"QueueUrl": queue, "Entries": entries}
    )

    assert [entry["Id"] for entry in response["Failed"]] == ["refused"]
    accepted = [entry["MessageId"] for entry in response["Successful"]]
    assert len(accepted) == 2
    assert keys(links) == [sqs_key(message_id) for message_id in accepted]


def test_send_attributes(sqs: Any, queue: str) -> None:
    call = sdk_call(
        sqs, "SendMessage", {"QueueUrl": queue, "MessageBody": "secret body"}
    )

    assert EXTENSION.span_kind(call) is SpanKind.PRODUCER
    assert EXTENSION.target(call) == queue
    assert EXTENSION.request_attributes(call) == {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": "orders",
        "messaging.operation.type": "send",
        "aws.sqs.queue.url": queue,
    }
    assert EXTENSION.response_attributes(call, {"MessageId": "m-1"}) == {
        "messaging.message.id": "m-1"
    }


def test_batch_counts_its_messages(sqs: Any, queue: str) -> None:
    entries = [{"Id": "1", "MessageBody": "a"}, {"Id": "2", "MessageBody": "b"}]
    call = sdk_call(sqs, "SendMessageBatch", {"QueueUrl": queue, "Entries": entries})

    assert EXTENSION.request_attributes(call)["messaging.batch.message_count"] == 2


def test_receive_is_a_client_span_without_links(sqs: Any, queue: str) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    params = {"QueueUrl": queue, "MaxNumberOfMessages": 10}

    response, links = call_and_link(sqs, "ReceiveMessage", params)
    call = sdk_call(sqs, "ReceiveMessage", params)

    assert len(response["Messages"]) == 1
    assert links == []
    assert EXTENSION.span_kind(call) is SpanKind.CLIENT
    assert EXTENSION.request_attributes(call)["messaging.operation.type"] == "receive"
    assert EXTENSION.response_attributes(call, response) == {}


def test_delete_settles_without_links(sqs: Any, queue: str) -> None:
    sqs.send_message(QueueUrl=queue, MessageBody="x")
    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    params = {"QueueUrl": queue, "ReceiptHandle": message["ReceiptHandle"]}

    _, links = call_and_link(sqs, "DeleteMessage", params)
    call = sdk_call(sqs, "DeleteMessage", params)

    assert links == []
    assert EXTENSION.request_attributes(call)["messaging.operation.type"] == "settle"


def test_create_queue_names_the_queue_it_creates(sqs: Any) -> None:
    call = sdk_call(sqs, "CreateQueue", {"QueueName": "new-queue"})

    assert EXTENSION.target(call) == "new-queue"
    assert EXTENSION.request_attributes(call) == {"messaging.system": "aws_sqs"}
