"""Handlers that carry secrets everywhere, for the security fault test.

The producer sends every secret its event holds through every kind of
payload AWS carries (message bodies and attributes, object contents, item
values and keys, event details, invoke payloads, return values), and reads
some back; the consumers take them in.  None of it may reach spotFns.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def _token(value: str) -> dict[str, Any]:
    return {"token": {"DataType": "String", "StringValue": value}}


def produce(event: Any, context: Any) -> Any:
    """Sends, stores and reads back ``event["secrets"]`` everywhere."""
    planted = event["secrets"]
    sqs = boto3.client("sqs")
    queue_url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=json.dumps({"card": planted["sqs_body"]}),
        MessageAttributes=_token(planted["sqs_attr"]),
    )
    topic = boto3.client("sns").create_topic(Name="alerts")["TopicArn"]
    boto3.client("sns").publish(
        TopicArn=topic,
        Message=planted["sns_message"],
        Subject=planted["sns_subject"],
        MessageAttributes=_token(planted["sns_attr"]),
    )
    s3 = boto3.client("s3")
    s3.put_object(Bucket="inbox", Key="report.txt", Body=planted["s3_object"].encode())
    read_back = s3.get_object(Bucket="inbox", Key="report.txt")["Body"].read()
    dynamodb = boto3.client("dynamodb")
    dynamodb.put_item(
        TableName="accounts",
        Item={"pk": {"S": planted["ddb_key"]}, "password": {"S": planted["ddb_value"]}},
    )
    item = dynamodb.get_item(TableName="accounts", Key={"pk": {"S": planted["ddb_key"]}})
    boto3.client("events").put_events(
        Entries=[
            {
                "Source": "shop",
                "DetailType": "order",
                "Detail": json.dumps({"card": planted["eb_detail"]}),
                "EventBusName": "default",
            }
        ]
    )
    boto3.client("lambda").invoke(
        FunctionName="callee", Payload=json.dumps({"password": planted["invoke_payload"]})
    )
    return {
        "echo": planted["returned"],
        "read_back": bool(read_back and item.get("Item")),
        "password_set": bool(os.environ.get("DB_PASSWORD")),
    }


def consume(event: Any, context: Any) -> Any:
    """Takes the event in and answers with what it got (a return value is
    the user's data too)."""
    return {"got": event}


def http(event: Any, context: Any) -> Any:
    """An API Gateway proxy answer that echoes the request body."""
    return {
        "statusCode": 200,
        "headers": {"Set-Cookie": "session=" + event.get("body", "")[-8:]},
        "body": json.dumps({"seen": event.get("body")}),
    }
