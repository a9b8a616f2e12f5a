"""S3, SNS and EventBridge deliveries, through queues the runtime owns.

On AWS these services invoke Lambda asynchronously, one object, message or
event per invocation.  Locally each trigger gets an SQS queue of its own:
the bucket's notification configuration, the topic's subscription or the
rule's target points at it, the embedded AWS delivers there, and this
poller turns each message into the Lambda event (see
:mod:`spot_otel.local.shapes`) and hands it to an async invocation, which
brings Lambda's retries.  A message is deleted once handed over, as the
service's delivery to Lambda ends with the 202.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from spot_otel.local.activity import Activity
from spot_otel.local.invoker import EVENT, Invoker
from spot_otel.local.pollers.base import Poller
from spot_otel.local.pollers.queue import RECEIVE_LIMIT, delete, receive

Convert = Callable[[str], list[dict[str, Any]]]
"""A message body -> the Lambda events it carries (none for test events)."""


class NotificationPoller(Poller):
    """Turns one runtime-owned queue's messages into async invocations."""

    def __init__(
        self,
        *,
        name: str,
        function: str,
        convert: Convert,
        queue_url: str,
        client: Any,
        invoker: Invoker,
        activity: Activity,
        interval: float,
    ) -> None:
        super().__init__(name, activity, interval)
        self._function = function
        self._convert = convert
        self._queue_url = queue_url
        self._client = client
        self._invoker = invoker

    def poll_once(self) -> bool:
        messages = receive(self._client, self._queue_url, RECEIVE_LIMIT)
        if not messages:
            return False

        for message in messages:
            for event in self._convert(message.get("Body", "")):
                self._invoker.invoke(
                    self._function, json.dumps(event).encode(), invocation_type=EVENT
                )
        delete(self._client, self._queue_url, messages)
        return True
