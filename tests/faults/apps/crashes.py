"""Handlers that end badly, for the local runtime (run under the exec wrapper).

Each makes one S3 PutObject first, so each has an SDK call record that a
flush may or may not have written by the time it dies.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from typing import Any

import boto3

BUCKET = "crash-site"


def _put(context: Any) -> None:
    boto3.client("s3").put_object(
        Bucket=BUCKET, Key=f"{context.aws_request_id}.txt", Body=b"before the end"
    )


def raises(event: Any, context: Any) -> Any:
    _put(context)
    raise RuntimeError("the handler failed on purpose")


def exits(event: Any, context: Any) -> Any:
    _put(context)
    sys.exit(3)


def killed(event: Any, context: Any) -> Any:
    """Killed mid-invocation, as the OOM killer would, ``event["after"]``
    seconds after its SDK call (by default time enough for the entry write);
    ``event["spare"]`` lets it live, to warm it up."""
    _put(context)
    if event.get("spare"):
        return "spared"
    time.sleep(event.get("after", 1.0))
    os.kill(os.getpid(), signal.SIGKILL)


def times_out(event: Any, context: Any) -> Any:
    _put(context)
    time.sleep(60)


def caller(event: Any, context: Any) -> Any:
    """Invokes each function of ``event["targets"]`` synchronously, in order."""
    lambda_client = boto3.client("lambda")
    seen = {}
    for target in event["targets"]:
        response = lambda_client.invoke(
            FunctionName=target, Payload=json.dumps(event.get("payload", {}))
        )
        seen[target] = {
            "request_id": response["ResponseMetadata"]["RequestId"],
            "function_error": response.get("FunctionError"),
            "payload": json.loads(response["Payload"].read() or b"null"),
        }
    return seen
