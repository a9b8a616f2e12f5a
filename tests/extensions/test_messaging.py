"""Trace context in SNS and SQS message attributes, for both services alike.

SNS and SQS accept at most 10 message attributes per message; the carrier
goes in only while the message stays within them (and within the size
limit), most useful key first, and never replaces an attribute the caller
set.  Injected requests are sent to moto to show AWS accepts them.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from spot_otel import inband
from spot_otel.extensions import extension_for

from tests.extensions.helpers import CARRIER, aws_client, sdk_call, send


@dataclass(frozen=True)
class Sender:
    """One service's send operations and how to read a sent message back."""

    service: str
    single: str
    batch: str
    entries_key: str
    body_key: str
    destination: Callable[[Any], dict[str, Any]]
    """Creates the queue or topic with the client; returns its params."""


def _sqs_destination(client: Any) -> dict[str, Any]:
    return {"QueueUrl": client.create_queue(QueueName="orders")["QueueUrl"]}


def _sns_destination(client: Any) -> dict[str, Any]:
    return {"TopicArn": client.create_topic(Name="orders")["TopicArn"]}


SENDERS = [
    pytest.param(
        Sender(
            "sqs",
            "SendMessage",
            "SendMessageBatch",
            "Entries",
            "MessageBody",
            _sqs_destination,
        ),
        id="sqs",
    ),
    pytest.param(
        Sender(
            "sns",
            "Publish",
            "PublishBatch",
            "PublishBatchRequestEntries",
            "Message",
            _sns_destination,
        ),
        id="sns",
    ),
]


def attributes(count: int) -> dict[str, dict[str, str]]:
    return {
        f"attr{n}": {"DataType": "String", "StringValue": str(n)} for n in range(count)
    }


@pytest.fixture(params=SENDERS)
def sender(request: pytest.FixtureRequest) -> Sender:
    return request.param


@pytest.fixture
def client(aws: None, sender: Sender) -> Any:
    return aws_client(sender.service)


def test_message_gains_the_trace_context_and_aws_accepts_it(
    client: Any, sender: Sender
) -> None:
    params = {**sender.destination(client), sender.body_key: "order 17"}

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.single, params), CARRIER
    )
    send(client, sender.single, injected)

    # The caller's request id stays out: the consumer reads it off MessageId.
    assert injected["MessageAttributes"] == {
        name: {"DataType": "String", "StringValue": value}
        for name, value in CARRIER.items()
        if name != inband.CALLER
    }


@pytest.mark.parametrize(
    "present, expected",
    [
        (7, {"traceparent", "tracestate"}),
        (8, {"traceparent", "tracestate"}),
        (9, {"traceparent"}),
        (10, set()),
    ],
)
def test_carrier_fills_only_the_room_left_under_ten_attributes(
    client: Any, sender: Sender, present: int, expected: set[str]
) -> None:
    params = {
        **sender.destination(client),
        sender.body_key: "order 17",
        "MessageAttributes": attributes(present),
    }

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.single, params), CARRIER
    )

    if not expected:
        assert injected is None
        return
    added = set(injected["MessageAttributes"]) - set(params["MessageAttributes"])
    assert added == expected
    assert len(injected["MessageAttributes"]) <= inband.MESSAGE_ATTRIBUTE_LIMIT
    send(client, sender.single, injected)


def test_attribute_the_caller_set_is_never_replaced(
    client: Any, sender: Sender
) -> None:
    mine = {"traceparent": {"DataType": "String", "StringValue": "00-mine"}}
    params = {
        **sender.destination(client),
        sender.body_key: "x",
        "MessageAttributes": mine,
    }

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.single, params), CARRIER
    )

    assert injected["MessageAttributes"]["traceparent"] == mine["traceparent"]
    assert "tracestate" in injected["MessageAttributes"]


def test_empty_carrier_values_are_not_sent(client: Any, sender: Sender) -> None:
    carrier = {**CARRIER, "tracestate": ""}
    params = {**sender.destination(client), sender.body_key: "x"}

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.single, params), carrier
    )
    send(client, sender.single, injected)

    assert "tracestate" not in injected["MessageAttributes"]


def test_message_at_the_size_limit_is_left_alone(client: Any, sender: Sender) -> None:
    params = {**sender.destination(client), sender.body_key: "x" * (256 * 1024 - 40)}

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.single, params), CARRIER
    )

    assert injected is None


def test_batch_injects_each_entry_that_has_room(client: Any, sender: Sender) -> None:
    full = {"Id": "full", sender.body_key: "a", "MessageAttributes": attributes(10)}
    empty = {"Id": "empty", sender.body_key: "b"}
    params = {**sender.destination(client), sender.entries_key: [full, empty]}

    injected = extension_for(sender.service).inject(
        sdk_call(client, sender.batch, params), CARRIER
    )
    send(client, sender.batch, injected)

    first, second = injected[sender.entries_key]
    assert first is full, "an entry without room is passed on untouched"
    assert set(second["MessageAttributes"]) == set(CARRIER) - {inband.CALLER}


def test_batch_where_no_entry_has_room_is_left_alone(
    client: Any, sender: Sender
) -> None:
    entry = {"Id": "1", sender.body_key: "a", "MessageAttributes": attributes(10)}
    params = {**sender.destination(client), sender.entries_key: [entry]}

    assert (
        extension_for(sender.service).inject(
            sdk_call(client, sender.batch, params), CARRIER
        )
        is None
    )


def test_inject_never_mutates_the_callers_params(client: Any, sender: Sender) -> None:
    shared_attributes = attributes(2)
    single = {
        **sender.destination(client),
        sender.body_key: "x",
        "MessageAttributes": shared_attributes,
    }
    batch = {
        **sender.destination(client),
        sender.entries_key: [
            {"Id": "1", sender.body_key: "a", "MessageAttributes": shared_attributes},
            {"Id": "2", sender.body_key: "b"},
        ],
    }
    before = copy.deepcopy((single, batch))
    extension = extension_for(sender.service)

    injected_single = extension.inject(sdk_call(client, sender.single, single), CARRIER)
    injected_batch = extension.inject(sdk_call(client, sender.batch, batch), CARRIER)

    assert (single, batch) == before
    assert injected_single["MessageAttributes"] is not shared_attributes
    assert injected_batch[sender.entries_key] is not batch[sender.entries_key]


def test_other_operations_are_never_injected(client: Any, sender: Sender) -> None:
    params = sender.destination(client)
    operation = (
        "GetQueueAttributes" if sender.service == "sqs" else "GetTopicAttributes"
    )

    assert (
        extension_for(sender.service).inject(
            sdk_call(client, operation, params), CARRIER
        )
        is None
    )


def test_context_reaches_an_sqs_subscriber_of_a_topic(aws: None) -> None:
    sns = aws_client("sns")
    sqs = aws_client("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue = sqs.create_queue(QueueName="billing")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"]
    )
    params = {"TopicArn": topic, "Message": "order 17"}

    injected = extension_for("sns").inject(sdk_call(sns, "Publish", params), CARRIER)
    send(sns, "Publish", injected)

    (message,) = sqs.receive_message(QueueUrl=queue)["Messages"]
    envelope = json.loads(message["Body"])
    assert (
        envelope["MessageAttributes"]["traceparent"]["Value"] == CARRIER["traceparent"]
    )
