"""Plain Lambda handlers that know nothing about tracing."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3

RETURNED = {"statusCode": 200, "body": json.dumps({"ok": True})}


def echo(event: Any, context: Any) -> Any:
    return event


def constant(event: Any, context: Any) -> Any:
    return RETURNED


class HandlerFailure(Exception):
    pass


def fails(event: Any, context: Any) -> Any:
    raise HandlerFailure("boom in handler")


def exits(event: Any, context: Any) -> Any:
    raise SystemExit(3)


def writes_item(event: Any, context: Any) -> Any:
    table = boto3.resource("dynamodb", region_name="us-east-1").Table(event["table"])
    table.put_item(Item={"pk": event["key"], "value": "secret-item-value"})
    return {"written": event["key"]}


def threads_write(event: Any, context: Any) -> Any:
    client = boto3.client("sqs", region_name="us-east-1")

    def send(n: int) -> None:
        client.send_message(QueueUrl=event["queue_url"], MessageBody=f"m{n}")

    workers = [threading.Thread(target=send, args=(n,)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return "sent"
