"""SQS queues as an event source: Lambda's SQS event source mapping.

Messages are received with every attribute (``AWSTraceHeader`` included),
batched by the trigger's batch size and window, and passed to one
synchronous invocation.  They are deleted only when it succeeds; after a
failure they stay in the queue and come back once their visibility timeout
runs out.  With ``report_batch_item_failures`` the function may name the
messages that failed (``{"batchItemFailures": [{"itemIdentifier": id}]}``)
and only those stay.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from spot_otel.local.activity import Activity
from spot_otel.local.invoker import Invoker, InvokeResult
from spot_otel.local.pollers.base import Poller
from spot_otel.local.shapes.sqs import sqs_record
from spot_otel.local.spec import QueueTrigger

_logger = logging.getLogger(__name__)

RECEIVE_LIMIT = 10
"""Most messages one ReceiveMessage returns."""


def receive(client: Any, queue_url: str, count: int) -> list[dict[str, Any]]:
    """Up to ``count`` (at most 10) messages, with all their attributes."""
    response = client.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=max(1, min(RECEIVE_LIMIT, count)),
        AttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
        WaitTimeSeconds=0,
    )
    return list(response.get("Messages") or [])


def delete(client: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
    """Delete messages by receipt handle, ten at a time."""
    for start in range(0, len(messages), RECEIVE_LIMIT):
        chunk = messages[start : start + RECEIVE_LIMIT]
        response = client.delete_message_batch(
            QueueUrl=queue_url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                for n, message in enumerate(chunk)
            ],
        )
        if response.get("Failed"):
            _logger.warning("%s messages could not be deleted", len(response["Failed"]))


class QueuePoller(Poller):
    """Feeds one queue to one function."""

    def __init__(
        self,
        *,
        function: str,
        trigger: QueueTrigger,
        queue_url: str,
        queue_arn: str,
        client: Any,
        invoker: Invoker,
        region: str,
        activity: Activity,
        interval: float,
    ) -> None:
        super().__init__(f"sqs-{trigger.queue}-{function}", activity, interval)
        self._function = function
        self._trigger = trigger
        self._queue_url = queue_url
        self._queue_arn = queue_arn
        self._client = client
        self._invoker = invoker
        self._region = region
        self._visibility_timeout = self._queue_visibility_timeout()

    def poll_once(self) -> bool:
        messages = self.collect(
            self._fetch, self._trigger.batch_size, self._trigger.batch_window
        )
        if not messages:
            return False

        event = {
            "Records": [sqs_record(m, self._queue_arn, self._region) for m in messages]
        }
        result = self._invoker.invoke(self._function, json.dumps(event).encode())
        failed = self._failed_ids(result, messages)
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            delete(self._client, self._queue_url, done)
        if failed:
            _logger.info(
                "%s: %s of %s messages failed; they return after %ss",
                self.name,
                len(failed),
                len(messages),
                self._visibility_timeout,
            )
            self.expect_more_at(time.monotonic() + self._visibility_timeout)
        return True

    def _fetch(self, count: int) -> list[dict[str, Any]]:
        return receive(self._client, self._queue_url, count)

    def _failed_ids(
        self, result: InvokeResult, messages: list[dict[str, Any]]
    ) -> set[str]:
        every = {m["MessageId"] for m in messages}
        if not result.ok:
            return every
        if not self._trigger.report_batch_item_failures:
            return set()
        try:
            failures = (result.json() or {}).get("batchItemFailures") or []
            named = {str(item["itemIdentifier"]) for item in failures}
        except (ValueError, AttributeError, KeyError, TypeError):
            return every  # a malformed report fails the whole batch, as on Lambda
        return named & every if named <= every else every

    def _queue_visibility_timeout(self) -> float:
        response = self._client.get_queue_attributes(
            QueueUrl=self._queue_url, AttributeNames=["VisibilityTimeout"]
        )
        return float(response.get("Attributes", {}).get("VisibilityTimeout", 30))
