"""Fixtures for the spotFns sink.

A DynamoDB with the spotFns table (moto, in-process), tracer providers that
carry the processor, spans with the attributes the instrumentation sets, and
loopback endpoints that are down or hang.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import boto3
import pytest
from boto3.dynamodb.types import TypeDeserializer
from moto import mock_aws
from moto.server import ThreadedMotoServer
from opentelemetry.sdk.trace import Span, TracerProvider
from opentelemetry.trace import SpanKind, Tracer

from spot_otel import links
from spot_otel.table import create_table
from spot_otel_exporter import SpotFnsSpanProcessor
from tests.conftest import load_event

TABLE = "spotFns"
REGION = "us-east-1"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:orders"


def sqs_invocation_attributes(request_id: str) -> dict[str, Any]:
    """What the handler instrumentation puts on the span of an SQS batch."""
    event = load_event("sqsEvent")
    message_ids = [record["messageId"] for record in event["Records"]]
    return {
        "spot.role": "invocation",
        "faas.invocation_id": request_id,
        "faas.name": "orders",
        "faas.trigger": "pubsub",
        "faas.coldstart": True,
        "cloud.resource_id": FUNCTION_ARN,
        "cloud.region": "eu-west-1",
        "cloud.account.id": "123456789012",
        "spot.trigger": "sqs",
        "spot.caller": message_ids[0],
        "spot.event_source": event["Records"][0]["eventSource"],
        "spot.event_op": "ReceiveMessage",
        "spot.message": event["Records"][0]["eventSourceARN"],
        "spot.links.in": tuple(links.sqs_key(message_id) for message_id in message_ids),
    }


def sdk_call_attributes(
    request_id: str,
    operation: str = "PutItem",
    service: str = "DynamoDB",
    target: str = "orders",
    links_out: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What the botocore instrumentation puts on an SDK call span."""
    attributes: dict[str, Any] = {
        "spot.role": "sdk_call",
        "spot.invocation_id": request_id,
        "cloud.resource_id": FUNCTION_ARN,
        "rpc.system": "aws-api",
        "rpc.service": service,
        "rpc.method": operation,
        "spot.target": target,
    }
    if links_out:
        attributes["spot.links.out"] = links_out
    return attributes


@dataclass
class Traced:
    """A tracer provider carrying the sink under test (``processor``, or an
    exporter behind the SDK's own processor)."""

    processor: SpotFnsSpanProcessor | None
    provider: TracerProvider
    tracer: Tracer = field(init=False)

    def __post_init__(self) -> None:
        self.tracer = self.provider.get_tracer("tests.sink")

    def start_invocation(self, request_id: str, **extra: Any) -> Span:
        attributes = {**sqs_invocation_attributes(request_id), **extra}
        return self.tracer.start_span(  # type: ignore[return-value]
            "orders", kind=SpanKind.CONSUMER, attributes=attributes
        )

    @contextlib.contextmanager
    def invocation(self, request_id: str, **extra: Any) -> Iterator[Span]:
        span = self.start_invocation(request_id, **extra)
        with _current(span):
            yield span
        span.end()

    def sdk_calls(self, request_id: str, count: int, **extra: Any) -> None:
        for n in range(count):
            attributes = sdk_call_attributes(request_id, **extra)
            with self.tracer.start_as_current_span(
                f"DynamoDB.PutItem {n}", kind=SpanKind.CLIENT, attributes=attributes
            ):
                pass


@contextlib.contextmanager
def _current(span: Span) -> Iterator[None]:
    from opentelemetry import trace

    with trace.use_span(span, end_on_exit=False):
        yield


class _SharedSession(boto3.session.Session):
    """One boto3 session for every client spot-otel makes in these tests.

    A new session loads every model file again (a quarter of a second on a
    busy machine), which would be most of this suite's time.  Clients are
    still made one by one, as in a function; only the models are shared.
    """

    _lock = threading.Lock()

    def client(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return super().client(*args, **kwargs)


@pytest.fixture(scope="session")
def _shared_session() -> _SharedSession:
    if boto3.DEFAULT_SESSION is None:
        boto3.setup_default_session()  # the tests' own clients keep theirs
    return _SharedSession()


@pytest.fixture(autouse=True)
def _sink_clients_share_models(
    monkeypatch: pytest.MonkeyPatch, _shared_session: _SharedSession
) -> None:
    monkeypatch.setattr(boto3.session, "Session", lambda *args, **kwargs: _shared_session)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """A moto DynamoDB (in-process) holding an empty spotFns table."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE, ttl=True, stream=False)
        yield client


@pytest.fixture
def traced() -> Iterator[Callable[..., Traced]]:
    """Makes providers with a processor; shuts them down after the test."""
    made: list[TracerProvider] = []

    def make(**settings: Any) -> Traced:
        settings.setdefault("region", REGION)
        processor = SpotFnsSpanProcessor(**settings)
        provider = TracerProvider()
        provider.add_span_processor(processor)
        made.append(provider)
        return Traced(processor, provider)

    yield make
    for provider in made:
        provider.shutdown()


@pytest.fixture
def batch_sizes(_shared_session: _SharedSession) -> Iterator[list[tuple[int, int]]]:
    """(items, thread id) of every BatchWriteItem sent by a client spot-otel
    makes after this fixture."""
    seen: list[tuple[int, int]] = []

    def count(params: dict[str, Any], **_: Any) -> None:
        for requests in params["RequestItems"].values():
            seen.append((len(requests), threading.get_ident()))

    event = "before-parameter-build.dynamodb.BatchWriteItem"
    _shared_session.events.register(event, count)
    yield seen
    _shared_session.events.unregister(event, count)


def table_items(client: Any, table: str = TABLE) -> dict[str, dict[str, Any]]:
    """Every item of ``table`` in plain Python, by requestID."""
    deserializer = TypeDeserializer()
    found: dict[str, dict[str, Any]] = {}
    for page in client.get_paginator("scan").paginate(TableName=table):
        for item in page["Items"]:
            plain = {
                name: deserializer.deserialize(value) for name, value in item.items()
            }
            found[plain["requestID"]] = plain
    return found


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- Real HTTP endpoints on loopback ------------------------------------------------


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 (a free port); its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def closed_endpoint() -> str:
    """A loopback URL on which nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def hanging_endpoint() -> Iterator[str]:
    """A loopback URL that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(1)
    for connection in accepted:
        connection.close()
    listener.close()
