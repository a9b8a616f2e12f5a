"""A handler for the concurrency faults on the local runtime: SDK calls from
the handler's own thread and from plain threads it starts."""

from __future__ import annotations

import threading
from typing import Any

import boto3

_dynamodb = boto3.client("dynamodb")


def _put(key: str) -> None:
    _dynamodb.put_item(TableName="orders", Item={"pk": {"S": key}})


def write(event: Any, context: Any) -> Any:
    """Items ``<n>-main-<i>`` from the handler, ``<n>-t<k>`` from threads."""
    n = event["n"]
    for i in range(2):
        _put(f"{n}-main-{i}")
    threads = [
        threading.Thread(target=_put, args=(f"{n}-t{k}",))
        for k in range(event.get("threads", 3))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"n": n, "request_id": context.aws_request_id}
