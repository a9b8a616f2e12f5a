"""Every hop of design.md's link table, producer to consumer, joined by one key.

For each hop the producer's call goes through real boto3 (to moto, or to a
loopback stand-in for Lambda's Invoke API, since moto's Lambda needs Docker),
the service extension computes the out-links, and the consumer's Lambda event
is built from what the producer got back and, where moto delivers it, from
what moto delivered: S3 notifications and SNS envelopes in an SQS queue,
EventBridge events routed to a queue, DynamoDB stream records, Kinesis
records.  Events take the shape of the samples in tests/events.  The hop
holds when ``read_trigger(event).in_links`` shares the producer's key.

Where moto's deliveries differ from AWS's, the event is built the AWS way
from the producer's response, and the test says so.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import datetime
from typing import Any, Iterator, Mapping, Sequence
from urllib.parse import quote_plus

import boto3
import pytest
from moto import mock_aws

from spot_otel.extensions import extension_for
from spot_otel.links import (
    Link,
    ddb_item_key,
    events_key,
    invoke_key,
    kinesis_key,
    s3_object_key,
    s3_request_key,
    sns_key,
    sqs_key,
)
from spot_otel.triggers import InvocationInfo, Trigger, read_trigger
from tests.conftest import load_event
from tests.extensions.helpers import (
    CARRIER,
    aws_client,
    describe_key_schema,
    keys,
    sdk_call,
    send,
)
from tests.extensions.lambda_api import LambdaApi

REGION = "us-east-1"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def produce(
    client: Any,
    operation: str,
    params: Mapping[str, Any],
    key_schema: Any = lambda table: None,
) -> tuple[dict[str, Any], list[Link]]:
    """The producer: inject the carrier as the instrumentation would, make
    the real call, and compute the out-links from its response."""
    call = sdk_call(client, operation, params)
    extension = extension_for(call.service)
    sent = extension.inject(call, CARRIER) or params
    response = send(client, operation, sent)
    return response, extension.out_links(call, response, key_schema)


def consume(event: Any, request_id: str | None = None, custom: Any = None) -> Trigger:
    """The consumer: read the event as the invocation's instrumentation does."""
    info = InvocationInfo(request_id or str(uuid.uuid4()), client_context_custom=custom)
    return read_trigger(event, info)


def shared(out_links: Sequence[Link], trigger: Trigger) -> set[str]:
    return set(keys(out_links)) & set(keys(trigger.in_links))


# -- Lambda events shaped like the samples in tests/events ---------------------


def lambda_sqs_event(
    messages: Sequence[Mapping[str, Any]], queue_arn: str
) -> dict[str, Any]:
    """An SQS event for Lambda from messages moto delivered to a queue."""
    template = load_event("sqsEvent")["Records"][0]
    records = []
    for message in messages:
        record = copy.deepcopy(template)
        record.update(
            messageId=message["MessageId"],
            receiptHandle=message["ReceiptHandle"],
            body=message["Body"],
            md5OfBody=message["MD5OfBody"],
            attributes=dict(message.get("Attributes", {})),
            eventSourceARN=queue_arn,
            awsRegion=REGION,
            messageAttributes={
                name: {
                    "stringValue": value.get("StringValue"),
                    "stringListValues": [],
                    "binaryListValues": [],
                    "dataType": value["DataType"],
                }
                for name, value in message.get("MessageAttributes", {}).items()
            },
        )
        records.append(record)
    return {"Records": records}


def lambda_sns_event(
    envelope: Mapping[str, Any], subscription_arn: str
) -> dict[str, Any]:
    """An SNS event for Lambda from the notification SNS delivered (the same
    notification an SQS subscriber receives as its body)."""
    record = load_event("snsEvent")["Records"][0]
    record["EventSubscriptionArn"] = subscription_arn
    record["Sns"] = {
        "Type": envelope["Type"],
        "MessageId": envelope["MessageId"],
        "TopicArn": envelope["TopicArn"],
        "Message": envelope["Message"],
        "Timestamp": envelope["Timestamp"],
        "SignatureVersion": envelope["SignatureVersion"],
        "Signature": envelope["Signature"],
        "SigningCertUrl": envelope["SigningCertURL"],
        "UnsubscribeUrl": envelope["UnsubscribeURL"],
        "MessageAttributes": envelope.get("MessageAttributes", {}),
    }
    return {"Records": [record]}


def aws_s3_event(
    event_name: str,
    bucket: str,
    key: str,
    response: Mapping[str, Any],
    etag: str | None,
) -> dict[str, Any]:
    """An S3 notification the way AWS sends it, from the write's response:
    URL-encoded key, bare ETag (none on deletes), and the write's request id
    in ``responseElements``."""
    event = load_event("s3Event" if etag is not None else "s3EventDeleteObject")
    record = event["Records"][0]
    record["eventName"] = event_name
    record["awsRegion"] = REGION
    record["responseElements"]["x-amz-request-id"] = response["ResponseMetadata"][
        "RequestId"
    ]
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["object"]["key"] = quote_plus(key, safe="")
    if etag is not None:
        record["s3"]["object"]["eTag"] = etag.strip('"')
    return event


def lambda_ddb_event(
    records: Sequence[Mapping[str, Any]], stream_arn: str
) -> dict[str, Any]:
    """A DynamoDB Streams event for Lambda from the records moto's stream holds."""
    template = load_event("dynamoStreamEvent")["Records"][0]
    lambda_records = []
    for record in records:
        change = record["dynamodb"]
        created = change["ApproximateCreationDateTime"]
        lambda_record = copy.deepcopy(template)
        lambda_record.update(
            eventID=record["eventID"],
            eventName=record["eventName"],
            awsRegion=REGION,
            eventSourceARN=stream_arn,
        )
        lambda_record["dynamodb"] = {
            "ApproximateCreationDateTime": (
                created.timestamp() if isinstance(created, datetime) else created
            ),
            "Keys": change["Keys"],
            "SequenceNumber": change["SequenceNumber"],
            "SizeBytes": change["SizeBytes"],
            "StreamViewType": change["StreamViewType"],
        }
        lambda_records.append(lambda_record)
    return {"Records": lambda_records}


def lambda_kinesis_event(
    records: Sequence[Mapping[str, Any]], shard_id: str, stream_arn: str
) -> dict[str, Any]:
    """A Kinesis event for Lambda from records moto's shard holds."""
    template = load_event("kinesisStreamEvent")["Records"][0]
    lambda_records = []
    for record in records:
        lambda_record = copy.deepcopy(template)
        lambda_record["kinesis"].update(
            partitionKey=record["PartitionKey"],
            sequenceNumber=record["SequenceNumber"],
            data=base64.b64encode(record["Data"]).decode("ascii"),
        )
        lambda_record.update(
            eventID=f"{shard_id}:{record['SequenceNumber']}",
            eventSourceARN=stream_arn,
            awsRegion=REGION,
        )
        lambda_records.append(lambda_record)
    return {"Records": lambda_records}


# -- moto plumbing --------------------------------------------------------------


def make_queue(name: str) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def drain(queue_url: str) -> list[dict[str, Any]]:
    """Every message in the queue, with all attributes."""
    sqs = aws_client("sqs")
    messages: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return messages
        messages.extend(batch)


# -- Lambda invoke, sync and async ------------------------------------------


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_invoke_hop(invocation_type: str) -> None:
    with LambdaApi() as api:
        client = aws_client("lambda", api.endpoint)
        params = {
            "FunctionName": "billing",
            "InvocationType": invocation_type,
            "Payload": json.dumps({"order": 17}).encode(),
        }
        _, out_links = produce(client, "Invoke", params)
    received = api.received[-1]

    # What the callee gets: the payload as sent, its request id, and (sync
    # only) the custom map of the ClientContext.
    custom = None
    if received.client_context is not None:
        custom = json.loads(base64.b64decode(received.client_context))["custom"]
    trigger = consume(json.loads(received.payload), received.request_id, custom)

    assert shared(out_links, trigger) == {invoke_key(received.request_id)}
    assert trigger.caller == CARRIER["spot.caller"]
    assert trigger.carriers[0]["traceparent"] == CARRIER["traceparent"]


# -- SNS, SQS, SNS -> SQS -------------------------------------------------------


def test_sns_hop(aws: None) -> None:
    sns = aws_client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue_url, queue_arn = make_queue("tap")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    response, out_links = produce(
        sns, "Publish", {"TopicArn": topic, "Message": "order 17"}
    )

    (delivered,) = drain(queue_url)
    envelope = json.loads(delivered["Body"])
    trigger = consume(lambda_sns_event(envelope, subscription["SubscriptionArn"]))
    assert envelope["MessageId"] == response["MessageId"]
    assert shared(out_links, trigger) == {sns_key(response["MessageId"])}
    assert trigger.carriers == [{k: CARRIER[k] for k in ("traceparent", "tracestate")}]


def test_sns_batch_hop(aws: None) -> None:
    sns = aws_client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue_url, queue_arn = make_queue("tap")
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    entries = [{"Id": str(n), "Message": f"order {n}"} for n in range(3)]

    response, out_links = produce(
        sns, "PublishBatch", {"TopicArn": topic, "PublishBatchRequestEntries": entries}
    )

    consumed: set[str] = set()
    for message in drain(queue_url):
        event = lambda_sns_event(
            json.loads(message["Body"]), subscription["SubscriptionArn"]
        )
        consumed |= shared(out_links, consume(event))
    assert consumed == {sns_key(entry["MessageId"]) for entry in response["Successful"]}


def test_sqs_hop(aws: None) -> None:
    queue_url, queue_arn = make_queue("orders")
    sqs = aws_client("sqs")
    entries = [{"Id": str(n), "MessageBody": f"order {n}"} for n in range(3)]

    single, single_links = produce(
        sqs, "SendMessage", {"QueueUrl": queue_url, "MessageBody": "x"}
    )
    batch, batch_links = produce(
        sqs, "SendMessageBatch", {"QueueUrl": queue_url, "Entries": entries}
    )

    messages = drain(queue_url)
    trigger = consume(lambda_sqs_event(messages, queue_arn))
    sent = [single["MessageId"], *(entry["MessageId"] for entry in batch["Successful"])]
    assert shared([*single_links, *batch_links], trigger) == {sqs_key(m) for m in sent}
    assert trigger.is_batch
    assert len(trigger.carriers) == 4
    assert all(
        carrier["traceparent"] == CARRIER["traceparent"] for carrier in trigger.carriers
    )


def test_sns_to_sqs_hop(aws: None) -> None:
    sns = aws_client("sns")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    queue_url, queue_arn = make_queue("billing")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    response, out_links = produce(
        sns, "Publish", {"TopicArn": topic, "Message": "order 17"}
    )

    (delivered,) = drain(queue_url)
    trigger = consume(lambda_sqs_event([delivered], queue_arn))
    assert shared(out_links, trigger) == {sns_key(response["MessageId"])}
    assert sqs_key(delivered["MessageId"]) in keys(trigger.in_links)
    assert trigger.carriers[0]["traceparent"] == CARRIER["traceparent"]


# -- S3 ---------------------------------------------------------------------


BUCKET = "orders-inbox"
KEY = "in/2024 05/order+17.json"
"""A key S3 URL-encodes in its notifications (space, plus, slash)."""


@pytest.fixture
def s3_with_queue(aws: None) -> tuple[Any, str, str]:
    """A bucket that notifies a queue of every write and delete."""
    s3 = aws_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    queue_url, queue_arn = make_queue("s3-events")
    s3.put_bucket_notification_configuration(
        Bucket=BUCKET,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                }
            ]
        },
    )
    drain(queue_url)  # moto's s3:TestEvent
    return s3, queue_url, queue_arn


S3_EVENT_NAMES = {
    "PutObject": "ObjectCreated:Put",
    "CopyObject": "ObjectCreated:Copy",
    "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload",
}
S3_WRITES = list(S3_EVENT_NAMES)


def s3_write_params(s3: Any, operation: str) -> dict[str, Any]:
    """Params of one write of KEY, after whatever setup the write needs."""
    if operation == "PutObject":
        return {"Bucket": BUCKET, "Key": KEY, "Body": b'{"order": 17}'}
    if operation == "CopyObject":
        s3.put_object(Bucket=BUCKET, Key="seed", Body=b"seed")
        return {
            "Bucket": BUCKET,
            "Key": KEY,
            "CopySource": {"Bucket": BUCKET, "Key": "seed"},
        }

    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=KEY)["UploadId"]
    part = s3.upload_part(
        Bucket=BUCKET, Key=KEY, UploadId=upload, PartNumber=1, Body=b"x"
    )
    return {
        "Bucket": BUCKET,
        "Key": KEY,
        "UploadId": upload,
        "MultipartUpload": {"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    }


def written_etag(operation: str, response: Mapping[str, Any]) -> str:
    if operation == "CopyObject":
        return response["CopyObjectResult"]["ETag"]
    return response["ETag"]


@pytest.mark.parametrize("operation", S3_WRITES)
def test_s3_write_hop_through_what_moto_delivers(
    s3_with_queue: tuple[Any, str, str], operation: str
) -> None:
    s3, queue_url, queue_arn = s3_with_queue
    params = s3_write_params(s3, operation)
    drain(queue_url)

    response, out_links = produce(s3, operation, params)

    # moto notifies a multipart completion twice, as ObjectCreated:Put and
    # as ObjectCreated:CompleteMultipartUpload; AWS sends only the second.
    (delivered,) = [
        message
        for message in drain(queue_url)
        if S3_EVENT_NAMES[operation] in message["Body"]
    ]
    notification = json.loads(delivered["Body"])
    object_key = s3_object_key(BUCKET, KEY, written_etag(operation, response))
    # S3 -> Lambda: the notification's records are the event.
    direct = consume(notification)
    # S3 -> SQS -> Lambda: the notification is the message body.
    via_queue = consume(lambda_sqs_event([delivered], queue_arn))
    # moto's notifications carry no responseElements, so only the object
    # version (bucket, decoded key, ETag) joins here.
    assert "responseElements" not in notification["Records"][0]
    assert shared(out_links, direct) == {object_key}
    assert shared(out_links, via_queue) == {object_key}


@pytest.mark.parametrize("operation", S3_WRITES)
def test_s3_write_hop_as_aws_notifies(
    s3_with_queue: tuple[Any, str, str], operation: str
) -> None:
    s3, _, _ = s3_with_queue
    params = s3_write_params(s3, operation)

    response, out_links = produce(s3, operation, params)

    etag = written_etag(operation, response)
    trigger = consume(
        aws_s3_event(S3_EVENT_NAMES[operation], BUCKET, KEY, response, etag)
    )
    assert shared(out_links, trigger) == {
        s3_object_key(BUCKET, KEY, etag),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    }


def test_s3_delete_hop_as_aws_notifies(s3_with_queue: tuple[Any, str, str]) -> None:
    # AWS's delete notifications carry no eTag; moto's carry the deleted
    # object's, so the delete hop is built from the response the AWS way.
    s3, _, _ = s3_with_queue
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")

    response, out_links = produce(s3, "DeleteObject", {"Bucket": BUCKET, "Key": KEY})

    trigger = consume(
        aws_s3_event("ObjectRemoved:Delete", BUCKET, KEY, response, etag=None)
    )
    assert shared(out_links, trigger) == {
        s3_object_key(BUCKET, KEY, ""),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    }


def test_s3_delete_objects_hop_as_aws_notifies(
    s3_with_queue: tuple[Any, str, str],
) -> None:
    s3, _, _ = s3_with_queue
    for key in (KEY, "other"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    params = {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": KEY}, {"Key": "other"}]}}

    response, out_links = produce(s3, "DeleteObjects", params)

    consumed: set[str] = set()
    for key in (KEY, "other"):
        event = aws_s3_event("ObjectRemoved:Delete", BUCKET, key, response, etag=None)
        consumed |= shared(out_links, consume(event))
    assert consumed == {
        s3_object_key(BUCKET, KEY, ""),
        s3_object_key(BUCKET, "other", ""),
        s3_request_key(response["ResponseMetadata"]["RequestId"]),
    }


def test_moto_delete_notification_names_the_deleted_etag(
    s3_with_queue: tuple[Any, str, str],
) -> None:
    # Where moto departs from AWS: this pins it, so the day moto drops the
    # eTag from delete events, the hop above can use moto's delivery.
    s3, queue_url, _ = s3_with_queue
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"x")
    drain(queue_url)

    response, out_links = produce(s3, "DeleteObject", {"Bucket": BUCKET, "Key": KEY})

    (delivered,) = drain(queue_url)
    record = json.loads(delivered["Body"])["Records"][0]
    assert record["eventName"] == "ObjectRemoved:Delete"
    assert "eTag" in record["s3"]["object"]
    assert shared(out_links, consume(json.loads(delivered["Body"]))) == set()


# -- DynamoDB Streams ---------------------------------------------------------


@pytest.fixture
def ddb_stream(aws: None) -> tuple[Any, str]:
    """A table with a stream; returns the client and the stream's ARN."""
    ddb = aws_client("dynamodb")
    table = ddb.create_table(
        TableName="orders",
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={
            "StreamEnabled": True,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    )
    return ddb, table["TableDescription"]["LatestStreamArn"]


def stream_records(stream_arn: str) -> list[dict[str, Any]]:
    """Every record in the table's stream, oldest first."""
    # botocore sends DynamoDB Streams calls to an account-based endpoint
    # (<account>.streams-ddb.<region>.amazonaws.com) that moto does not
    # intercept; the regional endpoint it does is named explicitly.
    streams = aws_client(
        "dynamodbstreams", f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"][
        "Shards"
    ]:
        iterator = streams.get_shard_iterator(
            StreamArn=stream_arn,
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        records.extend(streams.get_records(ShardIterator=iterator)["Records"])
    return records


def order(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": sk}, "amount": {"N": "99.5"}}


DDB_WRITES: list[tuple[str, dict[str, Any]]] = [
    ("PutItem", {"TableName": "orders", "Item": order("a", "1.0")}),
    (
        "UpdateItem",
        {
            "TableName": "orders",
            "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}},
            "UpdateExpression": "SET amount = :t",
            "ExpressionAttributeValues": {":t": {"N": "12"}},
        },
    ),
    (
        "DeleteItem",
        {"TableName": "orders", "Key": {"pk": {"S": "a"}, "sk": {"N": "1"}}},
    ),
    (
        "BatchWriteItem",
        {
            "RequestItems": {
                "orders": [
                    {"PutRequest": {"Item": order("b", "2")}},
                    {"PutRequest": {"Item": order("c", "3")}},
                ]
            }
        },
    ),
    (
        "TransactWriteItems",
        {
            "TransactItems": [
                {"Put": {"TableName": "orders", "Item": order("d", "4")}},
                {
                    "Delete": {
                        "TableName": "orders",
                        "Key": {"pk": {"S": "b"}, "sk": {"N": "2"}},
                    }
                },
                {
                    "Update": {
                        "TableName": "orders",
                        "Key": {"pk": {"S": "c"}, "sk": {"N": "3"}},
                        "UpdateExpression": "SET amount = :t",
                        "ExpressionAttributeValues": {":t": {"N": "1"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": "orders",
                        "Key": {"pk": {"S": "e"}, "sk": {"N": "5"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        },
    ),
]


@pytest.mark.parametrize(
    "operation, params", DDB_WRITES, ids=[op for op, _ in DDB_WRITES]
)
def test_dynamodb_stream_hop(
    ddb_stream: tuple[Any, str], operation: str, params: Any
) -> None:
    ddb, stream_arn = ddb_stream
    # Each write is made on a table already holding the items it changes.
    for earlier, earlier_params in DDB_WRITES:
        if earlier == operation:
            break
        send(ddb, earlier, earlier_params)
    before = len(stream_records(stream_arn))

    _, out_links = produce(ddb, operation, params, describe_key_schema(ddb))

    new_records = stream_records(stream_arn)[before:]
    trigger = consume(lambda_ddb_event(new_records, stream_arn))
    ddb_in_links = [key for key in keys(trigger.in_links) if key.startswith("ddb:")]
    # One stream record per item the write changed, each with the write's key.
    assert sorted(keys(out_links)) == sorted(ddb_in_links)
    assert len(out_links) == len(new_records) > 0


def test_dynamodb_resource_layer_put_hop(ddb_stream: tuple[Any, str]) -> None:
    ddb, stream_arn = ddb_stream
    table = boto3.session.Session().resource("dynamodb").Table("orders")
    seen: list[dict[str, Any]] = []
    table.meta.client.meta.events.register_first(
        "provide-client-params.dynamodb.PutItem",
        lambda params, **_: seen.append(dict(params)),
    )

    table.put_item(Item={"pk": "r", "sk": 7, "total": 3})
    call = sdk_call(ddb, "PutItem", seen[-1])
    out_links = extension_for("dynamodb").out_links(call, {}, describe_key_schema(ddb))

    trigger = consume(lambda_ddb_event(stream_records(stream_arn), stream_arn))
    expected = ddb_item_key("orders", {"pk": {"S": "r"}, "sk": {"N": "7"}})
    assert shared(out_links, trigger) == {expected}


# -- EventBridge ----------------------------------------------------------------


def test_eventbridge_hop(aws: None) -> None:
    events = aws_client("events")
    queue_url, queue_arn = make_queue("events-tap")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop.orders"]}))
    events.put_targets(Rule="orders", Targets=[{"Id": "tap", "Arn": queue_arn}])
    entry = {
        "Source": "shop.orders",
        "DetailType": "OrderPlaced",
        "Detail": '{"order": 17}',
    }

    response, out_links = produce(events, "PutEvents", {"Entries": [entry, entry]})

    # The rule delivers each event as EventBridge hands it to a Lambda target.
    consumed: set[str] = set()
    for message in drain(queue_url):
        consumed |= shared(out_links, consume(json.loads(message["Body"])))
    assert consumed == {events_key(e["EventId"]) for e in response["Entries"]}
    assert len(consumed) == 2


# -- Kinesis --------------------------------------------------------------------


def test_kinesis_hop(aws: None) -> None:
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="clicks", ShardCount=2)
    stream_arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"][
        "StreamARN"
    ]
    records = [
        {"Data": f"click {n}".encode(), "PartitionKey": f"user-{n}"} for n in range(6)
    ]

    single, single_links = produce(
        kinesis,
        "PutRecord",
        {"StreamName": "clicks", "Data": b"x", "PartitionKey": "p"},
    )
    batch, batch_links = produce(
        kinesis, "PutRecords", {"StreamARN": stream_arn, "Records": records}
    )

    consumed: set[str] = set()
    for shard in kinesis.list_shards(StreamName="clicks")["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName="clicks",
            ShardId=shard["ShardId"],
            ShardIteratorType="TRIM_HORIZON",
        )["ShardIterator"]
        shard_records = kinesis.get_records(ShardIterator=iterator)["Records"]
        if shard_records:
            event = lambda_kinesis_event(shard_records, shard["ShardId"], stream_arn)
            consumed |= shared([*single_links, *batch_links], consume(event))

    produced = [single, *batch["Records"]]
    assert consumed == {
        kinesis_key("clicks", record["ShardId"], record["SequenceNumber"])
        for record in produced
    }
    assert len(consumed) == 7
