"""Fault family 4: limits of DynamoDB, Lambda, SNS and SQS, through the handler.

* Items near DynamoDB's 400 KB: a 10,000-object S3 batch with 1,000-character
  keys and a handler failing with a 1 MB message make records that must be
  cut, with a visible marker, and still be accepted (moto enforces the limit).
* Attribute maps past their bounds: user code putting 300 long attributes on
  the invocation span.
* Lambda's ClientContext: 3,583 bytes of base64 at most, on the wire.
* SNS and SQS: 10 message attributes at most.  A message that has them all
  already goes out exactly as the caller built it, and its hop is still
  joined by MessageId.
"""

from __future__ import annotations

import base64
import json
from typing import Any, Iterator

import boto3
import pytest

from spot_otel import inband
from spot_otel.aws import mark_untraced
from spot_otel.links import Link, sns_key, sqs_key
from spot_otel.records import MAX_ITEM_BYTES, approximate_size
from tests.extensions.lambda_api import LambdaApi
from tests.faults.apps.handlers import RETURNED, HandlerFailure
from tests.faults.harness import FUNCTION_ARN, REGION, TracedFunction
from tests.triggers.test_malformed import _big_batch

TRUNCATED = "...[truncated]"


def _long_keys(record: dict[str, Any], n: int) -> None:
    record["s3"]["object"]["key"] = f"{n:05d}/" + "k" * 994
    record["responseElements"]["x-amz-request-id"] = f"R{n}"


def test_records_near_400_kb_are_cut_with_a_marker_and_accepted(aws: Any) -> None:
    event = _big_batch("s3Event", _long_keys)

    with TracedFunction("handlers.echo") as function:
        call = function.invoke(event)
        entry, exit_ = function.entry_and_exit(aws, call)

    assert call.result is event
    for item in (entry, exit_):
        assert item is not None
        assert item["linksIn"][-1] == TRUNCATED
        assert approximate_size(item) < MAX_ITEM_BYTES
    assert function.processor.stats.dropped == 0


def test_a_one_megabyte_error_message_is_cut_and_the_error_kept(aws: Any) -> None:
    message = "m" * 1_000_000

    with TracedFunction("handlers.raises") as function:
        call = function.invoke({"message": message})
        _, exit_ = function.entry_and_exit(aws, call)

    assert type(call.error) is HandlerFailure and call.error.args == (message,)
    assert exit_ is not None
    assert exit_["status"] == "ERROR"
    assert exit_["error"].startswith("HandlerFailure: mmm")
    assert exit_["error"].endswith(TRUNCATED)
    assert len(exit_["error"]) == 1024


def test_an_attribute_map_past_its_bounds_is_cut_to_them(aws: Any) -> None:
    with TracedFunction("handlers.sets_attributes") as function:
        call = function.invoke({"count": 300, "size": 2000})
        _, exit_ = function.entry_and_exit(aws, call)

    assert call.result is RETURNED
    # The SDK keeps 128 attributes per span and drops the oldest first: the
    # invocation's own (its role, its id, its links) went, and the exit
    # record still says whose it is.
    assert exit_ is not None
    assert (exit_["function"], exit_["thisFnARN"]) == ("faulty", FUNCTION_ARN)
    assert exit_["linksIn"] == [f"invoke:{call.request_id}"]
    attrs = exit_["attrs"]
    assert len(attrs) == function.processor.config.max_attributes == 64
    assert "app.list" not in attrs  # not a primitive value
    assert all(len(value) <= 512 for value in attrs.values() if isinstance(value, str))
    assert function.processor.stats.dropped == 0


# -- ClientContext -------------------------------------------------------------------

LIMIT = inband.CLIENT_CONTEXT_LIMIT


@pytest.fixture(scope="module")
def lambda_api() -> Iterator[LambdaApi]:
    with LambdaApi() as api:
        yield api


def client_context_of(encoded_length: int) -> str:
    """A caller's own ClientContext whose base64 text is ``encoded_length``
    characters (a multiple of 4) long."""
    skeleton = {"client": {"app_title": "shop"}, "custom": {"tenant": ""}}
    filler = encoded_length * 3 // 4 - len(json.dumps(skeleton).encode())
    skeleton["custom"]["tenant"] = "t" * filler
    encoded = base64.b64encode(json.dumps(skeleton).encode()).decode()
    assert len(encoded) == encoded_length
    return encoded


def test_client_context_never_passes_3583_bytes_on_the_wire(
    aws: Any, lambda_api: LambdaApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_api.endpoint)
    outcomes: dict[int, bool] = {}

    with TracedFunction("handlers.invokes") as function:
        for length in range(3300, LIMIT, 24):
            theirs = client_context_of(length)
            params = {"FunctionName": "callee", "ClientContext": theirs, "Payload": b"[]"}
            call = function.invoke({"params": params})

            assert call.error is None and call.result == {"status": 200}
            sent = lambda_api.received[-1].client_context
            assert sent is not None and len(sent) <= LIMIT
            outcomes[length] = sent != theirs
            if sent == theirs:
                continue  # no room: the caller's context went exactly as it was
            mine = json.loads(base64.b64decode(theirs))
            arrived = json.loads(base64.b64decode(sent))
            assert arrived["client"] == mine["client"]
            assert arrived["custom"]["tenant"] == mine["custom"]["tenant"]
            assert arrived["custom"][inband.TRACEPARENT].startswith("00-")
            assert arrived["custom"][inband.CALLER] == call.request_id

    # The range straddles the limit: contexts with room gain the carrier,
    # and past the first that has none, none does.
    injected = [length for length, added in outcomes.items() if added]
    refused = [length for length, added in outcomes.items() if not added]
    assert injected and refused
    assert max(injected) < min(refused)


# -- Ten message attributes -----------------------------------------------------------


def attributes(count: int) -> dict[str, dict[str, str]]:
    return {
        f"attr{n}": {"DataType": "String", "StringValue": f"v{n}"} for n in range(count)
    }


@pytest.fixture
def queues(aws: Any) -> Iterator[dict[str, Any]]:
    """A queue for SQS sends, and one subscribed raw to a topic, so what SNS
    delivered can be read back with its attributes."""
    sqs = mark_untraced(boto3.client("sqs", region_name=REGION))
    sns = mark_untraced(boto3.client("sns", region_name=REGION))
    direct = sqs.create_queue(QueueName="direct")["QueueUrl"]
    relayed = sqs.create_queue(QueueName="relayed")["QueueUrl"]
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    relayed_arn = sqs.get_queue_attributes(QueueUrl=relayed, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=relayed_arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    yield {"sqs": sqs, "direct": direct, "relayed": relayed, "topic": topic}


def sends(queues: dict[str, Any], count: int) -> dict[str, tuple[dict[str, Any], str]]:
    """Each send operation with messages of ``count`` attributes, and the
    queue its messages can be read from."""
    direct, topic, relayed = queues["direct"], queues["topic"], queues["relayed"]
    carried = attributes(count)
    entries = [{"Id": str(n), "MessageAttributes": carried} for n in range(3)]
    return {
        "sqs.send_message": (
            {"QueueUrl": direct, "MessageBody": "b", "MessageAttributes": carried},
            direct,
        ),
        "sqs.send_message_batch": (
            {
                "QueueUrl": direct,
                "Entries": [{**entry, "MessageBody": "b"} for entry in entries],
            },
            direct,
        ),
        "sns.publish": (
            {"TopicArn": topic, "Message": "b", "MessageAttributes": carried},
            relayed,
        ),
        "sns.publish_batch": (
            {
                "TopicArn": topic,
                "PublishBatchRequestEntries": [
                    {**entry, "Message": "b"} for entry in entries
                ],
            },
            relayed,
        ),
    }


def delivered_attributes(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(
        QueueUrl=queue_url, MessageAttributeNames=["All"], MaxNumberOfMessages=10
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [message.get("MessageAttributes", {}) for message in messages]


OPERATIONS = [
    "sqs.send_message",
    "sqs.send_message_batch",
    "sns.publish",
    "sns.publish_batch",
]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_message_with_ten_attributes_goes_out_as_built_and_still_links(
    queues: dict[str, Any], operation: str
) -> None:
    params, queue_url = sends(queues, 10)[operation]

    with TracedFunction("handlers.sends_with_attributes") as function:
        call = function.invoke({"operation": operation, "params": params})
        (span,) = [
            span
            for span in function.spans.get_finished_spans()
            if span.attributes.get("spot.role") == "sdk_call"
        ]

    assert call.error is None
    delivered = delivered_attributes(queues["sqs"], queue_url)
    assert delivered and all(got == attributes(10) for got in delivered)
    # The hop is joined by MessageId all the same.
    links = [Link.decode(text).key for text in span.attributes["spot.links.out"]]
    prefix = (sqs_key if operation.startswith("sqs") else sns_key)("")
    assert len(links) == len(delivered)
    assert all(link.startswith(prefix) for link in links)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_message_with_nine_attributes_gains_the_traceparent_only(
    queues: dict[str, Any], operation: str
) -> None:
    params, queue_url = sends(queues, 9)[operation]

    with TracedFunction("handlers.sends_with_attributes") as function:
        call = function.invoke({"operation": operation, "params": params})

    assert call.error is None
    delivered = delivered_attributes(queues["sqs"], queue_url)
    assert delivered
    for got in delivered:
        assert len(got) == inband.MESSAGE_ATTRIBUTE_LIMIT
        assert {name: got[name] for name in attributes(9)} == attributes(9)
        assert got[inband.TRACEPARENT]["StringValue"].startswith("00-")
