"""Wiring each trigger of the spec to its event source, and a poller to each.

* ``dynamodb``: the table's latest stream, read by a :class:`StreamPoller`.
* ``sqs``: the declared queue, read by a :class:`QueuePoller`.
* ``s3``: a queue owned by the runtime, named in the bucket's notification
  configuration (one configuration per bucket holds every trigger on it).
* ``sns``: a runtime queue subscribed to the topic (envelopes, not raw).
* ``eventbridge``: a rule on the bus with the runtime queue as its target.
* ``http``: no poller; the routes are returned for the HTTP trigger server.

No Lambda function and no event source mapping is created in the embedded
AWS: moto would try to run the code in Docker, and a stream's mapping would
empty its buffer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from spot_otel.local.activity import Activity
from spot_otel.local.arns import ACCOUNT_ID, queue_name_for
from spot_otel.local.embedded import EmbeddedAws
from spot_otel.local.invoker import Invoker
from spot_otel.local.pollers.base import Poller
from spot_otel.local.pollers.notifications import Convert, NotificationPoller
from spot_otel.local.pollers.queue import QueuePoller
from spot_otel.local.pollers.stream import StreamPoller
from spot_otel.local.shapes.eventbridge import eventbridge_event
from spot_otel.local.shapes.s3 import s3_events
from spot_otel.local.shapes.sns import sns_event
from spot_otel.local.spec import (
    AppSpec,
    BucketTrigger,
    FunctionSpec,
    HttpTrigger,
    QueueTrigger,
    RuleTrigger,
    StreamTrigger,
    TopicTrigger,
)


@dataclass
class Sources:
    """What :func:`wire_sources` set up."""

    pollers: list[Poller] = field(default_factory=list)
    routes: list[tuple[str, HttpTrigger]] = field(default_factory=list)


class _Wiring:
    def __init__(
        self, aws: EmbeddedAws, invoker: Invoker, activity: Activity, interval: float
    ):
        self.aws = aws
        self.invoker = invoker
        self.activity = activity
        self.interval = interval
        self.sqs = aws.client("sqs")
        self.sources = Sources()
        self.bucket_configs: dict[str, list[dict[str, Any]]] = {}

    def wire(self, fn: FunctionSpec, index: int, trigger: Any) -> None:
        if isinstance(trigger, HttpTrigger):
            self.sources.routes.append((fn.name, trigger))
        elif isinstance(trigger, StreamTrigger):
            self._stream(fn, trigger)
        elif isinstance(trigger, QueueTrigger):
            self._queue(fn, trigger)
        elif isinstance(trigger, BucketTrigger):
            self._bucket(fn, index, trigger)
        elif isinstance(trigger, TopicTrigger):
            self._topic(fn, index, trigger)
        elif isinstance(trigger, RuleTrigger):
            self._rule(fn, index, trigger)

    def finish(self) -> Sources:
        """Save each bucket's notifications: one configuration holds them all."""
        if not self.bucket_configs:
            return self.sources
        s3 = self.aws.client("s3")
        for bucket, configs in self.bucket_configs.items():
            s3.put_bucket_notification_configuration(
                Bucket=bucket,
                NotificationConfiguration={"QueueConfigurations": configs},
            )
        return self.sources

    # -- one kind each --------------------------------------------------------

    def _stream(self, fn: FunctionSpec, trigger: StreamTrigger) -> None:
        table = self.aws.client("dynamodb").describe_table(TableName=trigger.table)[
            "Table"
        ]
        self.sources.pollers.append(
            StreamPoller(
                function=fn.name,
                trigger=trigger,
                stream_arn=table["LatestStreamArn"],
                client=self.aws.client("dynamodbstreams"),
                invoker=self.invoker,
                activity=self.activity,
                interval=self.interval,
            )
        )

    def _queue(self, fn: FunctionSpec, trigger: QueueTrigger) -> None:
        url = self.sqs.get_queue_url(QueueName=trigger.queue)["QueueUrl"]
        self.sources.pollers.append(
            QueuePoller(
                function=fn.name,
                trigger=trigger,
                queue_url=url,
                queue_arn=self._queue_arn(url),
                client=self.sqs,
                invoker=self.invoker,
                region=self.aws.region,
                activity=self.activity,
                interval=self.interval,
            )
        )

    def _bucket(self, fn: FunctionSpec, index: int, trigger: BucketTrigger) -> None:
        url, arn = self._runtime_queue(fn, index, "s3", "s3.amazonaws.com")
        rules = [
            {"Name": name, "Value": value}
            for name, value in (("prefix", trigger.prefix), ("suffix", trigger.suffix))
            if value
        ]
        config: dict[str, Any] = {"QueueArn": arn, "Events": list(trigger.events)}
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        self.bucket_configs.setdefault(trigger.bucket, []).append(config)
        self._notifications(fn, f"s3-{trigger.bucket}-{fn.name}", url, s3_events)

    def _topic(self, fn: FunctionSpec, index: int, trigger: TopicTrigger) -> None:
        url, arn = self._runtime_queue(fn, index, "sns", "sns.amazonaws.com")
        sns = self.aws.client("sns")
        topic_arn = sns.create_topic(Name=trigger.topic)["TopicArn"]
        attributes = {"RawMessageDelivery": "false"}
        if trigger.filter_policy:
            attributes["FilterPolicy"] = json.dumps(trigger.filter_policy)
        subscription = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]

        def convert(body: str) -> list[dict[str, Any]]:
            event = sns_event(body, subscription)
            return [event] if event is not None else []

        self._notifications(fn, f"sns-{trigger.topic}-{fn.name}", url, convert)

    def _rule(self, fn: FunctionSpec, index: int, trigger: RuleTrigger) -> None:
        url, arn = self._runtime_queue(fn, index, "events", "events.amazonaws.com")
        events = self.aws.client("events")
        rule = f"spot-local-{fn.name}-{index}"[:64]
        events.put_rule(
            Name=rule,
            EventBusName=trigger.bus,
            EventPattern=json.dumps(trigger.pattern),
            State="ENABLED",
        )
        events.put_targets(
            Rule=rule,
            EventBusName=trigger.bus,
            Targets=[{"Id": "spot-local", "Arn": arn}],
        )

        def convert(body: str) -> list[dict[str, Any]]:
            event = eventbridge_event(body, ACCOUNT_ID)
            return [event] if event is not None else []

        self._notifications(fn, f"events-{rule}", url, convert)

    # -- helpers --------------------------------------------------------------

    def _runtime_queue(
        self, fn: FunctionSpec, index: int, kind: str, principal: str
    ) -> tuple[str, str]:
        """A queue only the runtime reads, open to the delivering service."""
        name = queue_name_for(fn.name, index, kind)
        url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = self._queue_arn(url)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": "sqs:SendMessage",
                    "Resource": arn,
                }
            ],
        }
        self.sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": json.dumps(policy)}
        )
        return url, arn

    def _queue_arn(self, url: str) -> str:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"]
        )
        return attributes["Attributes"]["QueueArn"]

    def _notifications(
        self, fn: FunctionSpec, name: str, url: str, convert: Convert
    ) -> None:
        self.sources.pollers.append(
            NotificationPoller(
                name=name,
                function=fn.name,
                convert=convert,
                queue_url=url,
                client=self.sqs,
                invoker=self.invoker,
                activity=self.activity,
                interval=self.interval,
            )
        )


def wire_sources(
    spec: AppSpec, aws: EmbeddedAws, invoker: Invoker, activity: Activity
) -> Sources:
    """Set up every trigger's source; the pollers are returned unstarted."""
    wiring = _Wiring(aws, invoker, activity, spec.settings.poll_interval)
    for fn in spec.functions.values():
        for index, trigger in enumerate(fn.triggers):
            wiring.wire(fn, index, trigger)
    return wiring.finish()
