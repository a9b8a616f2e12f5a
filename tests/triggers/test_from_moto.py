"""Consumer keys from events built out of real service output (boto3 on moto).

Each test makes the producer's call, takes what the service delivered (an SQS
message, a stream record), shapes it the way Lambda hands it to a function,
and checks that the reader's in-link is the key of the producer's response.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config
from moto import mock_aws

from spot_otel.links import (
    ddb_item_key,
    kinesis_key,
    s3_object_key,
    sns_key,
    sqs_key,
)
from spot_otel.triggers import InvocationInfo, Trigger, read_trigger

REGION = "us-east-1"
INFO = InvocationInfo(request_id="3c3c3c3c-0000-4000-8000-00000000moto")
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
KEY = "in box/Q1+report ✓.csv"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def _queue() -> tuple[str, str]:
    sqs = _client("sqs")
    url = sqs.create_queue(QueueName="consumer")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def _read_queue(url: str, arn: str) -> Trigger:
    """Receive what is on the queue and read it as Lambda would deliver it."""
    messages = _client("sqs").receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        AttributeNames=["All"],
    )["Messages"]
    records = [
        {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": {
                name: {
                    "stringValue": value.get("StringValue"),
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "awsRegion": REGION,
        }
        for message in messages
    ]
    return read_trigger({"Records": records}, INFO)


def _keys(trigger: Trigger) -> list[str]:
    return [link.key for link in trigger.in_links]


def test_sqs_send_message(aws: None) -> None:
    url, arn = _queue()
    sent = _client("sqs").send_message(
        QueueUrl=url,
        MessageBody="order 17",
        MessageAttributes={
            "traceparent": {"DataType": "String", "StringValue": TRACEPARENT}
        },
    )

    trigger = _read_queue(url, arn)

    assert _keys(trigger)[0] == sqs_key(sent["MessageId"])
    assert trigger.carriers == [{"traceparent": TRACEPARENT}]


def test_sns_publish_through_an_sqs_subscription(aws: None) -> None:
    url, arn = _queue()
    sns = _client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    published = sns.publish(
        TopicArn=topic,
        Message="order 17",
        MessageAttributes={
            "traceparent": {"DataType": "String", "StringValue": TRACEPARENT}
        },
    )

    trigger = _read_queue(url, arn)

    assert sns_key(published["MessageId"]) in _keys(trigger)
    assert trigger.carriers == [{"traceparent": TRACEPARENT}]


def test_s3_put_notified_to_sqs_with_an_encoded_key(aws: None) -> None:
    url, arn = _queue()
    s3 = _client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]
        },
    )
    put = s3.put_object(Bucket="uploads", Key=KEY, Body=b"a,b\n")

    trigger = _read_queue(url, arn)

    assert s3_object_key("uploads", KEY, put["ETag"]) in _keys(trigger)


def test_s3_put_notified_through_sns_to_sqs(aws: None) -> None:
    url, arn = _queue()
    sns = _client("sns")
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    s3 = _client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(
        Bucket="uploads",
        NotificationConfiguration={
            "TopicConfigurations": [
                {"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}
            ]
        },
    )
    put = s3.put_object(Bucket="uploads", Key=KEY, Body=b"a,b\n")

    trigger = _read_queue(url, arn)

    # S3 also sends a test event when notifications are configured.
    assert s3_object_key("uploads", KEY, put["ETag"]) in _keys(trigger)
    assert {link.via.value for link in trigger.in_links} == {
        "sqs",
        "sns",
        "s3",
        "invoke",
    }


def test_s3_put_through_eventbridge(aws: None) -> None:
    url, arn = _queue()
    events = _client("events")
    events.put_rule(Name="uploads", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="uploads", Targets=[{"Id": "queue", "Arn": arn}])
    s3 = _client("s3")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(
        Bucket="uploads", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    put = s3.put_object(Bucket="uploads", Key=KEY, Body=b"a,b\n")
    body = _client("sqs").receive_message(QueueUrl=url)["Messages"][0]["Body"]

    trigger = read_trigger(json.loads(body), INFO)

    assert trigger.name == "eventbridge"
    assert s3_object_key("uploads", KEY, put["ETag"]) in _keys(trigger)


def test_kinesis_put_record(aws: None) -> None:
    kinesis = _client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"][
        "StreamARN"
    ]
    put = kinesis.put_record(StreamName="clicks", Data=b"click", PartitionKey="user-1")
    iterator = kinesis.get_shard_iterator(
        StreamName="clicks", ShardId=put["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    record = kinesis.get_records(ShardIterator=iterator)["Records"][0]
    event = {
        "Records": [
            {
                "kinesis": {
                    "kinesisSchemaVersion": "1.0",
                    "partitionKey": record["PartitionKey"],
                    "sequenceNumber": record["SequenceNumber"],
                    "data": "Y2xpY2s=",
                },
                "eventSource": "aws:kinesis",
                "eventID": f"{put['ShardId']}:{record['SequenceNumber']}",
                "eventName": "aws:kinesis:record",
                "eventSourceARN": stream_arn,
                "awsRegion": REGION,
            }
        ]
    }

    trigger = read_trigger(event, INFO)

    assert _keys(trigger)[0] == kinesis_key(
        "clicks", put["ShardId"], put["SequenceNumber"]
    )


def test_dynamodb_put_item_stream_record(aws: None) -> None:
    dynamodb = _client("dynamodb")
    table = dynamodb.create_table(
        TableName="Orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
    )["TableDescription"]
    dynamodb.put_item(
        TableName="Orders", Item={"pk": {"S": "order-17"}, "total": {"N": "5"}}
    )
    # moto knows the regional Streams endpoint, not the account-based one.
    streams = boto3.client(
        "dynamodbstreams",
        region_name=REGION,
        config=Config(account_id_endpoint_mode="disabled"),
    )
    stream_arn = table["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"][
        "Shards"
    ][0]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    record = streams.get_records(ShardIterator=iterator)["Records"][0]
    change = dict(record["dynamodb"])
    created = change["ApproximateCreationDateTime"]
    if isinstance(created, datetime):
        change["ApproximateCreationDateTime"] = created.timestamp()
    record = {**record, "dynamodb": change, "eventSourceARN": stream_arn}

    trigger = read_trigger({"Records": [record]}, INFO)

    link = trigger.in_links[0]
    assert link.key == ddb_item_key("Orders", {"pk": {"S": "order-17"}})
    assert link.seq == change["SequenceNumber"]
    assert link.at_ms is not None
