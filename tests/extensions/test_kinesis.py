"""The Kinesis extension: PutRecord(s) link by stream, shard and sequence number."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from spot_otel.extensions import extension_for
from spot_otel.links import kinesis_key

from tests.extensions.helpers import aws_client, call_and_link, keys, sdk_call

EXTENSION = extension_for("kinesis")


@pytest.fixture
def kinesis(aws: None) -> Any:
    client = aws_client("kinesis")
    client.create_stream(StreamName="clicks", ShardCount=2)
    return client


@pytest.fixture
def stream_arn(kinesis: Any) -> str:
    return kinesis.describe_stream(StreamName="clicks")["StreamDescription"][
        "StreamARN"
    ]


def test_put_record_links_its_shard_and_sequence_number(kinesis: Any) -> None:
    params = {"StreamName": "clicks", "Data": b"click", "PartitionKey": "user-1"}

    response, links = call_and_link(kinesis, "PutRecord", params)

    assert keys(links) == [
        kinesis_key("clicks", response["ShardId"], response["SequenceNumber"])
    ]


def test_put_records_by_arn_links_every_record(kinesis: Any, stream_arn: str) -> None:
    records = [{"Data": b"c", "PartitionKey": f"user-{n}"} for n in range(4)]

    response, links = call_and_link(
        kinesis, "PutRecords", {"StreamARN": stream_arn, "Records": records}
    )

    assert keys(links) == [
        kinesis_key("clicks", record["ShardId"], record["SequenceNumber"])
        for record in response["Records"]
    ]
    assert len(links) == 4


def test_refused_records_get_no_link(kinesis: Any) -> None:
    # moto accepts every record, so the partial failure is shaped by hand
    # after Kinesis's: a refused record has an ErrorCode and no ids.
    call = sdk_call(
        kinesis, "PutRecords", {"StreamName": "clicks", "Records": [{}, {}]}
    )
    response = {
        "FailedRecordCount": 1,
        "Records": [
            {
                "ErrorCode": "ProvisionedThroughputExceededException",
                "ErrorMessage": "slow down",
            },
            {"ShardId": "shardId-000000000001", "SequenceNumber": "4959"},
        ],
    }

    links = EXTENSION.out_links(call, response, lambda table: None)

    assert keys(links) == [kinesis_key("clicks", "shardId-000000000001", "4959")]


def test_put_attributes(kinesis: Any, stream_arn: str) -> None:
    single = sdk_call(
        kinesis,
        "PutRecord",
        {"StreamARN": stream_arn, "Data": b"x", "PartitionKey": "p"},
    )
    batch = sdk_call(
        kinesis, "PutRecords", {"StreamName": "clicks", "Records": [{}, {}, {}]}
    )

    assert EXTENSION.span_kind(single) is SpanKind.PRODUCER
    assert EXTENSION.target(single) == "clicks"
    assert EXTENSION.request_attributes(single) == {
        "messaging.system": "aws.kinesis",
        "messaging.destination.name": "clicks",
        "messaging.operation.type": "send",
        "aws.kinesis.stream_name": "clicks",
    }
    assert EXTENSION.request_attributes(batch)["messaging.batch.message_count"] == 3
    assert EXTENSION.response_attributes(
        single, {"ShardId": "shardId-000000000001"}
    ) == {"messaging.destination.partition.id": "shardId-000000000001"}


def test_other_calls_name_the_stream_without_links(kinesis: Any) -> None:
    params = {"StreamName": "clicks"}

    _, links = call_and_link(kinesis, "DescribeStreamSummary", params)
    call = sdk_call(kinesis, "DescribeStreamSummary", params)

    assert links == []
    assert EXTENSION.span_kind(call) is SpanKind.CLIENT
    assert EXTENSION.request_attributes(call) == {"aws.kinesis.stream_name": "clicks"}
