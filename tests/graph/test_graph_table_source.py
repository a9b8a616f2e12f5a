"""Reading one request from the spotFns table, with Query only (moto)."""

from __future__ import annotations

import socket

import boto3
import pytest
from moto import mock_aws

from spot_otel.graph import NotFound, SourceError, TableSource, load_request
from spot_otel.links import Link, ddb_item_key, http_key, invoke_key
from spot_otel.records import DEFAULT_TABLE, to_item, with_link_records
from spot_otel.table import create_table

from tests.conftest import load_event
from tests.graph.events import in_links
from tests.graph.factory import Invocation

T0 = 1_693_997_155_000
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
HOT_ITEM = {"pk": {"S": "order-1"}}


def request_records(prefix: str, start: int, trace: str, stream_seq: str) -> list:
    """api -> invoke worker -> sqs ship, and worker -> ddb (hot item) -> projector."""
    write_at = start + 40
    item_link = Link(ddb_item_key("orders", HOT_ITEM), at_ms=write_at)
    record_link = Link(item_link.key, at_ms=write_at // 1000 * 1000, seq=stream_seq)
    message = in_links(load_event("sqsEvent"))[0 if prefix == "a" else 1]

    api = Invocation(
        f"{prefix}-api",
        "api",
        start,
        trigger="apigateway",
        trace_id=trace,
        links_in=[Link(http_key(f"{prefix}-apigw-request"))],
    )
    worker = Invocation(f"{prefix}-worker", "worker", start + 10, trace_id=trace)
    ship = Invocation(
        f"{prefix}-ship",
        "ship",
        start + 100,
        trigger="sqs",
        trace_id=trace,
        links_in=[message],
    )
    projector = Invocation(
        f"{prefix}-projector",
        "projector",
        start + 1500,
        trigger="dynamodb",
        trace_id="f" * 32,
        links_in=[record_link],
    )
    return [
        *api.whole(
            300, api.call("Invoke", start + 5, 80, [Link(invoke_key(worker.id))])
        ),
        *worker.whole(
            60,
            worker.call("SendMessage", start + 20, 8, [message]),
            worker.call("PutItem", start + 35, 5, [item_link]),
        ),
        *ship.whole(20),
        *projector.whole(15),
    ]


@pytest.fixture
def table():
    """A table holding two requests that write the same hot item 5 s apart,
    and a client that counts the operations it makes."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_table(client, DEFAULT_TABLE, ttl=False, stream=False)
        resource_table = boto3.resource("dynamodb", region_name="us-east-1").Table(
            DEFAULT_TABLE
        )
        with resource_table.batch_writer() as writer:
            records = request_records("a", T0, TRACE, "111") + request_records(
                "b", T0 + 5000, "e" * 32, "222"
            )
            for record in records:
                for stored in with_link_records(record, max_links=16)[0]:
                    writer.put_item(Item=to_item(stored))

        operations: list[str] = []
        client.meta.events.register(
            "before-call.dynamodb.*",
            lambda model, **_: operations.append(model.name),
        )
        yield client, operations


def test_a_request_is_gathered_with_queries_only(table):
    client, operations = table
    source = TableSource(DEFAULT_TABLE, client=client)
    graph = load_request(source, request_id="a-ship")

    invocations = {node.id for node in graph.invocations()}
    assert invocations == {"a-api", "a-worker", "a-ship", "a-projector"}
    assert [edge.source for edge in graph.parents("a-projector")] == ["a-worker"]
    assert operations and set(operations) == {"Query"}
    assert source.queries == len(operations)


def test_the_other_write_of_the_hot_item_joins_its_own_consumer(table):
    client, _ = table
    graph = load_request(TableSource(client=client), request_id="b-projector")
    assert {node.id for node in graph.invocations()} == {
        "b-api",
        "b-worker",
        "b-ship",
        "b-projector",
    }


def test_a_trace_id_selects_its_requests(table):
    client, operations = table
    graph = load_request(TableSource(client=client), trace_id=TRACE)
    assert "a-projector" in graph.nodes and "b-api" not in graph.nodes
    assert set(operations) == {"Query"}


def test_an_unknown_request_id_is_not_found(table):
    client, _ = table
    with pytest.raises(NotFound, match="request id nope in table spotFns"):
        load_request(TableSource(client=client), request_id="nope")


def test_a_missing_table_is_named_with_how_to_create_it():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        with pytest.raises(
            SourceError, match="table other not found.*spot-otel table create"
        ):
            load_request(TableSource("other", client=client), request_id="x")


def test_an_unreachable_endpoint_is_a_source_error(monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens there now: connections are refused at once.
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(
        SourceError, match=f"cannot reach DynamoDB at http://127.0.0.1:{port}"
    ):
        load_request(TableSource(region="us-east-1"), request_id="x")
