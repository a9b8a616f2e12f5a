"""Plain Lambda handlers for the in-process fault tests; none knows of spot-otel.

Clients are made once per process and endpoint, as a function keeps them
across invocations.  ``SEEN`` keeps every event a handler received, so a
test can check it got the very object the runtime passed.
"""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from opentelemetry import trace

SEEN: list[Any] = []
RETURNED = {"statusCode": 200, "body": '{"ok": true}'}


class HandlerFailure(Exception):
    """What ``raises`` raises; its message may be huge."""


@functools.lru_cache(maxsize=None)
def client(service: str, endpoint_url: str | None = None) -> Any:
    return boto3.session.Session().client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def echo(event: Any, context: Any) -> Any:
    """Keeps the event and hands it back."""
    SEEN.append(event)
    return event


def writes_items(event: Any, context: Any) -> Any:
    """``event["calls"]`` PutItems to the ``orders`` table, keyed by the
    event's ``n``; returns the constant RETURNED."""
    dynamodb = client("dynamodb")
    for i in range(event.get("calls", 3)):
        dynamodb.put_item(
            TableName="orders",
            Item={"pk": {"S": f"{event.get('n', 0)}-{i}"}, "note": {"S": "x"}},
        )
    return RETURNED


def sends_message(event: Any, context: Any) -> Any:
    """One SQS SendMessage to ``event["queue_url"]``, then RETURNED, or the
    failure ``event["fail"]`` names."""
    client("sqs").send_message(QueueUrl=event["queue_url"], MessageBody="job")
    if event.get("fail"):
        raise HandlerFailure(event["fail"])
    return RETURNED


def raises(event: Any, context: Any) -> Any:
    raise HandlerFailure(event["message"])


def invokes(event: Any, context: Any) -> Any:
    """One Lambda Invoke, made exactly as the event says; returns what the
    caller would look at."""
    lambda_client = client("lambda", os.environ["AWS_ENDPOINT_URL_LAMBDA"])
    params = dict(event["params"])
    response = lambda_client.invoke(**params)
    return {"status": response["StatusCode"]}


def sends_with_attributes(event: Any, context: Any) -> Any:
    """One send, ``event["operation"]`` (``sqs.send_message``,
    ``sns.publish_batch``, ...) with ``event["params"]`` as the caller built
    them, attributes and all."""
    service, operation = event["operation"].split(".")
    response = getattr(client(service), operation)(**event["params"])
    return {"sent": bool(response)}


def sets_attributes(event: Any, context: Any) -> Any:
    """User code that puts many attributes on the invocation's span."""
    span = trace.get_current_span()
    for n in range(event["count"]):
        span.set_attribute(f"app.attr{n:03d}", "v" * event["size"])
    span.set_attribute("app.list", ["a", "b"])
    return RETURNED


_pool: ThreadPoolExecutor | None = None


def pool_writes(event: Any, context: Any) -> Any:
    """Writes through a thread pool made on the first invocation and kept
    for the next ones, as functions keep clients and pools warm."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=3)
    dynamodb = client("dynamodb")
    futures = [
        _pool.submit(
            dynamodb.put_item,
            TableName="orders",
            Item={"pk": {"S": f"{event['n']}-p{k}"}},
        )
        for k in range(6)
    ]
    for future in futures:
        future.result()
    return {"request_id": context.aws_request_id}
