"""Each event source delivers a real event, in the shape of tests/events, to a
worker: DynamoDB Streams, S3, SNS, SQS, EventBridge and HTTP (v1 and v2)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from spot_otel.local import LocalApp
from tests.conftest import load_event
from tests.local.conftest import assert_shape, events_seen, function

SPEC = {
    "app": {"name": "triggers", "poll_interval": 0.05},
    "tables": {"items": {"key": ["pk", "sk"], "types": {"sk": "N"}, "stream": True}},
    "buckets": ["uploads"],
    "topics": ["news"],
    "queues": {"work": {"visibility_timeout": 1}, "retry": {"visibility_timeout": 1}},
    "buses": ["app-bus"],
    "functions": {
        "on_stream": function(
            "recorder.record",
            triggers=[
                {
                    "type": "dynamodb",
                    "table": "items",
                    "batch_size": 10,
                    "batch_window": 0.2,
                }
            ],
        ),
        "on_upload": function(
            "recorder.record",
            triggers=[
                {"type": "s3", "bucket": "uploads", "prefix": "in/", "suffix": ".txt"}
            ],
        ),
        "on_news": function(
            "recorder.record", triggers=[{"type": "sns", "topic": "news"}]
        ),
        "on_work": function(
            "recorder.record",
            triggers=[
                {"type": "sqs", "queue": "work", "batch_size": 5, "batch_window": 0.2}
            ],
        ),
        "on_retry": function(
            "recorder.fail_first", triggers=[{"type": "sqs", "queue": "retry"}]
        ),
        "on_rule": function(
            "recorder.record",
            triggers=[
                {
                    "type": "eventbridge",
                    "bus": "app-bus",
                    "pattern": {"source": ["test.app"]},
                }
            ],
        ),
        "on_rest": function(
            "recorder.reply",
            triggers=[
                {
                    "type": "http",
                    "method": "GET",
                    "path": "/v1/items/{id}",
                    "version": "v1",
                }
            ],
        ),
        "on_http": function(
            "recorder.reply",
            triggers=[{"type": "http", "method": "POST", "path": "/v2/files/{path+}"}],
        ),
    },
}


@pytest.fixture(scope="module")
def app(app_for) -> LocalApp:
    return app_for(SPEC)


def records_of(app: LocalApp, function_name: str) -> list[dict[str, Any]]:
    return [
        record
        for event in events_seen(app, function_name)
        for record in event["Records"]
    ]


def test_dynamodb_stream_records_arrive_in_order_in_batches(app: LocalApp) -> None:
    dynamodb = app.client("dynamodb")
    dynamodb.put_item(
        TableName="items", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "x"}}
    )
    dynamodb.put_item(
        TableName="items", Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "v": {"S": "y"}}
    )
    dynamodb.delete_item(TableName="items", Key={"pk": {"S": "a"}, "sk": {"N": "1"}})

    app.wait_idle(timeout=20)

    stream_arn = dynamodb.describe_table(TableName="items")["Table"]["LatestStreamArn"]
    records = records_of(app, "on_stream")
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert len(events_seen(app, "on_stream")) == 1  # one batch, inside the window
    sample = load_event("dynamoStreamEvent")["Records"][0]
    for record in records:
        assert_shape(record, {k: v for k, v in sample.items() if k != "dynamodb"})
        assert record["eventSourceARN"] == stream_arn
        assert record["eventSource"] == "aws:dynamodb"
        assert record["dynamodb"]["Keys"] == {"pk": {"S": "a"}, "sk": {"N": "1"}}
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        created = record["dynamodb"]["ApproximateCreationDateTime"]
        assert isinstance(created, float) and created == int(created)
    assert_shape(
        records[1]["dynamodb"],
        load_event("dynamoStreamEvent")["Records"][1]["dynamodb"],
    )
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence)


def test_s3_notifications_arrive_one_object_per_event(app: LocalApp) -> None:
    s3 = app.client("s3")
    put = s3.put_object(Bucket="uploads", Key="in/a file+1.txt", Body=b"hello")
    s3.put_object(Bucket="uploads", Key="out/skipped.txt", Body=b"not matched")
    s3.put_object(Bucket="uploads", Key="in/skipped.bin", Body=b"not matched")

    app.wait_idle(timeout=20)

    events = events_seen(app, "on_upload")
    assert len(events) == 1 and len(events[0]["Records"]) == 1
    record = events[0]["Records"][0]
    sample = load_event("s3Event")["Records"][0]
    # moto does not pass the write's x-amz-request-id on: responseElements
    # stays empty rather than hold an id no producer could match.
    sample["responseElements"] = {}
    assert_shape(record, sample)
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == "uploads"
    # URL-encoded as AWS does: spaces as '+', '+' as %2B, '/' kept.
    assert record["s3"]["object"]["key"] == "in/a+file%2B1.txt"
    assert record["s3"]["object"]["eTag"] == put["ETag"].strip('"')
    assert record["s3"]["object"]["size"] == 5


def test_sns_messages_arrive_in_the_lambda_sns_shape(app: LocalApp) -> None:
    sns = app.client("sns")
    topic_arn = sns.create_topic(Name="news")["TopicArn"]
    published = sns.publish(
        TopicArn=topic_arn,
        Message="extra, extra",
        Subject="headline",
        MessageAttributes={"edition": {"DataType": "String", "StringValue": "morning"}},
    )

    app.wait_idle(timeout=20)

    records = records_of(app, "on_news")
    assert len(records) == 1
    assert_shape(records[0], load_event("snsEvent")["Records"][0])
    message = records[0]["Sns"]
    assert records[0]["EventSource"] == "aws:sns"
    assert message["MessageId"] == published["MessageId"]
    assert message["TopicArn"] == topic_arn
    assert (message["Subject"], message["Message"]) == ("headline", "extra, extra")
    assert message["MessageAttributes"] == {
        "edition": {"Type": "String", "Value": "morning"}
    }


def test_sqs_messages_arrive_batched_and_are_deleted(app: LocalApp) -> None:
    sqs = app.client("sqs")
    url = sqs.get_queue_url(QueueName="work")["QueueUrl"]
    trace_header = (
        "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    )
    # One at a time: moto's SendMessageBatch drops system attributes.
    sent = [
        sqs.send_message(
            QueueUrl=url,
            MessageBody=f"body {n}",
            MessageAttributes={"n": {"DataType": "Number", "StringValue": str(n)}},
            MessageSystemAttributes={
                "AWSTraceHeader": {"DataType": "String", "StringValue": trace_header}
            },
        )["MessageId"]
        for n in range(3)
    ]

    app.wait_idle(timeout=20)

    records = records_of(app, "on_work")
    assert sorted(r["messageId"] for r in records) == sorted(sent)
    assert len(events_seen(app, "on_work")) == 1
    sample = load_event("sqsEvent")["Records"][0]
    for record in records:
        assert_shape(
            record, {k: v for k, v in sample.items() if k != "messageAttributes"}
        )
        assert record["attributes"]["AWSTraceHeader"] == trace_header
        assert record["eventSourceARN"].endswith(":work")
    attribute = records[0]["messageAttributes"]["n"]
    assert_shape(attribute, {"stringValue": "1", "dataType": "Number"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_failed_sqs_batch_comes_back_after_the_visibility_timeout(
    app: LocalApp,
) -> None:
    sqs = app.client("sqs")
    url = sqs.get_queue_url(QueueName="retry")["QueueUrl"]
    message_id = sqs.send_message(QueueUrl=url, MessageBody="try me")["MessageId"]

    app.wait_idle(timeout=20)

    deliveries = records_of(app, "on_retry")
    assert [r["messageId"] for r in deliveries] == [message_id, message_id]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in deliveries] == [
        "1",
        "2",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_eventbridge_events_arrive_as_sent(app: LocalApp) -> None:
    events = app.client("events")
    put = events.put_events(
        Entries=[
            {
                "Source": "test.app",
                "DetailType": "thing happened",
                "Detail": json.dumps({"k": 1}),
                "EventBusName": "app-bus",
            },
            {
                "Source": "other.app",
                "DetailType": "ignored",
                "Detail": "{}",
                "EventBusName": "app-bus",
            },
        ]
    )

    app.wait_idle(timeout=20)

    seen = events_seen(app, "on_rule")
    assert len(seen) == 1
    sample = {
        k: v for k, v in load_event("eventBridgeEvent").items() if k != "replay-name"
    }
    assert_shape(seen[0], sample)
    assert seen[0]["id"] == put["Entries"][0]["EventId"]
    assert (seen[0]["source"], seen[0]["detail-type"]) == ("test.app", "thing happened")
    assert seen[0]["detail"] == {"k": 1}
    assert seen[0]["account"] == "123456789012"


def _request(app: LocalApp, method: str, path: str, body: bytes | None = None) -> Any:
    request = urllib.request.Request(
        f"{app.http_url}{path}",
        data=body,
        method=method,
        headers={"Cookie": "a=1; b=2", "X-Test": "yes"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        return opener.open(request, timeout=20)
    except urllib.error.HTTPError as exc:
        return exc


def test_http_v1_requests_become_rest_api_events(app: LocalApp) -> None:
    response = _request(app, "GET", "/v1/items/42?color=red&color=blue")

    assert response.status == 201
    assert response.read() == b"created"
    assert response.headers["X-Route"] == "/v1/items/{id}"
    request_id = response.headers["x-amzn-RequestId"]
    event = events_seen(app, "on_rest")[-1]
    sample = load_event("apiGatewayProxyEvent")
    # The sample came through an authorizer and mutual TLS; local routes have neither.
    del (
        sample["requestContext"]["authorizer"],
        sample["requestContext"]["identity"]["clientCert"],
    )
    assert_shape(event, sample)
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"id": "42"}
    assert event["multiValueQueryStringParameters"] == {"color": ["red", "blue"]}
    assert event["queryStringParameters"] == {"color": "blue"}
    assert event["requestContext"]["requestId"] == request_id
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_http_v2_requests_become_http_api_events(app: LocalApp) -> None:
    response = _request(
        app, "POST", "/v2/files/a/b.txt?x=1", body=b'{"hello": "world"}'
    )

    assert response.status == 201
    assert response.headers["X-Route"] == "POST /v2/files/{path+}"
    event = events_seen(app, "on_http")[-1]
    sample = load_event("apiGatewayProxyV2Event")
    del (
        sample["requestContext"]["authorizer"],
        sample["requestContext"]["authentication"],
    )
    del sample["stageVariables"]  # the sample's stage has variables; $default has none
    assert_shape(event, sample)
    assert event["rawPath"] == "/v2/files/a/b.txt"
    assert event["rawQueryString"] == "x=1"
    assert event["pathParameters"] == {"path": "a/b.txt"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-test"] == "yes"
    assert event["body"] == '{"hello": "world"}'
    assert event["requestContext"]["requestId"] == response.headers["apigw-requestid"]


def test_http_requests_no_route_matches_get_404(app: LocalApp) -> None:
    assert _request(app, "GET", "/v2/files/x").status == 404
    assert _request(app, "DELETE", "/v1/items/1").status == 404
