"""The app spec: what a local application is made of, after validation.

An app spec declares the functions (handler, code, timeout, memory, env,
concurrency, exec wrapper), the AWS resources to create (tables, buckets,
topics, queues, event buses) and each function's triggers.  It is written as
TOML (see :mod:`spot_otel.local.spec_reader` for the file format) or given as
a dict of the same shape; either way it is validated completely before
anything starts, and the classes here only ever hold valid values.

Paths are absolute here: the reader resolves relative ones against the spec
file's directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Union

DEFAULT_REGION = "us-east-1"
DEFAULT_TIMEOUT = 3.0
DEFAULT_MEMORY = 128
DEFAULT_CONCURRENCY = 4
DEFAULT_INIT_TIMEOUT = 10.0
DEFAULT_ASYNC_RETRIES = 2
DEFAULT_ASYNC_RETRY_DELAYS = (1.0, 2.0)
"""Seconds before the first and second retry of a failed async invocation.
Lambda waits about one and two minutes; locally that would stall every test."""
DEFAULT_POLL_INTERVAL = 0.1


class SpecError(Exception):
    """An app spec is malformed.  Names the file, each place and the problem.

    ``str()`` is one line: the first problem, and how many more there are.
    """

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        place, what = problems[0] if problems else ("", "invalid app spec")
        text = f"{source}: {place}: {what}" if place else f"{source}: {what}"
        if len(problems) > 1:
            text += f" (and {len(problems) - 1} more problem"
            text += "s)" if len(problems) > 2 else ")"
        super().__init__(text)

    def describe(self) -> str:
        """Every problem, one per line."""
        return "\n".join(
            f"{self.source}: {place}: {what}" for place, what in self.problems
        )


# -- Triggers ----------------------------------------------------------------


@dataclass(frozen=True)
class StreamTrigger:
    """A DynamoDB table's stream, read with GetRecords and delivered in batches."""

    table: str
    batch_size: int = 100
    batch_window: float = 0.0
    retries: int = 2
    starting_position: str = "TRIM_HORIZON"


@dataclass(frozen=True)
class QueueTrigger:
    """An SQS queue, received in batches; messages are deleted on success."""

    queue: str
    batch_size: int = 10
    batch_window: float = 0.0
    report_batch_item_failures: bool = False


@dataclass(frozen=True)
class BucketTrigger:
    """S3 notifications of one bucket, one object per (async) invocation."""

    bucket: str
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class TopicTrigger:
    """An SNS topic subscription, one message per (async) invocation."""

    topic: str
    filter_policy: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RuleTrigger:
    """An EventBridge rule on a bus, one event per (async) invocation."""

    pattern: Mapping[str, Any]
    bus: str = "default"


@dataclass(frozen=True)
class HttpTrigger:
    """An API Gateway route: REST (``v1``) or HTTP API (``v2``) payloads."""

    path: str
    method: str = "ANY"
    version: str = "v2"


TriggerSpec = Union[
    StreamTrigger, QueueTrigger, BucketTrigger, TopicTrigger, RuleTrigger, HttpTrigger
]


# -- Functions and resources -------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function.

    ``exec_wrapper`` is the script put in ``AWS_LAMBDA_EXEC_WRAPPER``, or
    None to run the handler uninstrumented.  ``layer`` stands in for
    ``/opt/python``.  ``timeout`` and ``init_timeout`` are seconds.
    """

    name: str
    handler: str
    code: Path
    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY
    env: Mapping[str, str] = field(default_factory=dict)
    concurrency: int = DEFAULT_CONCURRENCY
    exec_wrapper: Path | None = None
    layer: Path | None = None
    init_timeout: float = DEFAULT_INIT_TIMEOUT
    async_retries: int = DEFAULT_ASYNC_RETRIES
    triggers: tuple[TriggerSpec, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table: key attribute names (hash, then range) and types."""

    name: str
    key: tuple[str, ...]
    types: Mapping[str, str] = field(default_factory=dict)
    stream: str | None = None

    def key_type(self, attribute: str) -> str:
        return self.types.get(attribute, "S")


@dataclass(frozen=True)
class QueueSpec:
    name: str
    visibility_timeout: int | None = None

    @property
    def fifo(self) -> bool:
        return self.name.endswith(".fifo")


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the whole app."""

    region: str = DEFAULT_REGION
    poll_interval: float = DEFAULT_POLL_INTERVAL
    async_retry_delays: tuple[float, ...] = DEFAULT_ASYNC_RETRY_DELAYS
    http_port: int = 0
    spotfns_table: str = "spotFns"
    create_spotfns: bool = True


@dataclass(frozen=True)
class AppSpec:
    """A whole local application."""

    name: str
    source: str
    functions: Mapping[str, FunctionSpec]
    settings: Settings = field(default_factory=Settings)
    tables: Mapping[str, TableSpec] = field(default_factory=dict)
    buckets: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    queues: Mapping[str, QueueSpec] = field(default_factory=dict)
    buses: tuple[str, ...] = ()
