"""Creating what an app spec declares: tables, buckets, topics, queues, buses,
and the spotFns table.

Creation is idempotent, so an app can start against an endpoint that
already holds its resources (``AWS_ENDPOINT_URL`` pointing at a long-lived
server).  A failure becomes a :class:`ResourceError` naming the resource.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Callable

from spot_otel.local.embedded import EmbeddedAws
from spot_otel.local.spec import AppSpec, QueueSpec, TableSpec

_logger = logging.getLogger(__name__)

_EXISTS = frozenset(
    {
        "ResourceInUseException",
        "BucketAlreadyOwnedByYou",
        "ResourceAlreadyExistsException",
        "QueueAlreadyExists",
    }
)


class ResourceError(Exception):
    """A declared resource could not be created; one line."""


def create_resources(aws: EmbeddedAws, spec: AppSpec) -> None:
    """Create every resource the spec declares."""
    if spec.tables:
        dynamodb = aws.client("dynamodb")
        for table in spec.tables.values():
            _create(
                f"table {table.name}", functools.partial(_create_table, dynamodb, table)
            )
    if spec.buckets:
        s3 = aws.client("s3")
        for bucket in spec.buckets:
            create = functools.partial(_create_bucket, s3, bucket, aws.region)
            _create(f"bucket {bucket}", create)
    if spec.topics:
        sns = aws.client("sns")
        for topic in spec.topics:
            _create(f"topic {topic}", functools.partial(sns.create_topic, Name=topic))
    if spec.queues:
        sqs = aws.client("sqs")
        for queue in spec.queues.values():
            _create(f"queue {queue.name}", functools.partial(_create_queue, sqs, queue))
    if spec.buses:
        events = aws.client("events")
        for bus in spec.buses:
            create = functools.partial(events.create_event_bus, Name=bus)
            _create(f"event bus {bus}", create)


def create_spotfns(aws: EmbeddedAws, name: str) -> None:
    """Create the spotFns table (the sink's own schema), unless it exists."""
    from spot_otel.table import TableError, create_table

    try:
        create_table(
            aws.client("dynamodb"), name, ttl=False, stream=False, wait_seconds=30
        )
    except TableError as exc:
        raise ResourceError(f"cannot create the {name} table: {exc}") from None


def _create(what: str, action: Callable[[], Any]) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        action()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _EXISTS:
            _logger.debug("%s exists already", what)
            return
        message = exc.response.get("Error", {}).get("Message", "") or code
        raise ResourceError(f"cannot create {what}: {code}: {message}") from None
    except BotoCoreError as exc:
        raise ResourceError(f"cannot create {what}: {exc}") from None


def _create_table(client: Any, table: TableSpec) -> None:
    roles = ("HASH", "RANGE")
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeySchema": [
            {"AttributeName": name, "KeyType": role}
            for name, role in zip(table.key, roles)
        ],
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": table.key_type(name)}
            for name in table.key
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.stream:
        request["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": table.stream,
        }
    client.create_table(**request)
    client.get_waiter("table_exists").wait(
        TableName=table.name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )


def _create_bucket(client: Any, bucket: str, region: str) -> None:
    if region == "us-east-1":
        client.create_bucket(Bucket=bucket)
    else:
        client.create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region}
        )


def _create_queue(client: Any, queue: QueueSpec) -> None:
    attributes: dict[str, str] = {}
    if queue.visibility_timeout is not None:
        attributes["VisibilityTimeout"] = str(queue.visibility_timeout)
    if queue.fifo:
        attributes["FifoQueue"] = "true"
    client.create_queue(QueueName=queue.name, Attributes=attributes)
