"""Functions run through spot-otel's exec wrapper write linked records into
spotFns: every hop a producer makes is joined to the invocation it caused."""

from __future__ import annotations

from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from spot_otel.local import LocalApp
from spot_otel.local.scripts import default_exec_wrapper
from spot_otel.records import ENTRY, EXIT, Record, from_item
from tests.local.conftest import APPS

pytestmark = pytest.mark.skipif(
    default_exec_wrapper() is None, reason="spot-otel's exec wrapper is not installed"
)


def traced(handler: str, **settings: Any) -> dict[str, Any]:
    return {"handler": handler, "code": str(APPS), **settings}


SPEC = {
    "app": {"name": "links"},
    "queues": ["jobs"],
    "buckets": ["inbox"],
    "topics": ["alerts"],
    "buses": ["app-bus"],
    "tables": {"orders": {"key": ["id"], "stream": "NEW_IMAGE"}},
    "functions": {
        "caller": traced("chain.caller", timeout=20),
        "callee": traced("chain.callee"),
        "producer": traced("producer.produce", timeout=20),
        "on_s3": traced(
            "recorder.record", triggers=[{"type": "s3", "bucket": "inbox"}]
        ),
        "on_ddb": traced(
            "recorder.record", triggers=[{"type": "dynamodb", "table": "orders"}]
        ),
        "on_sqs": traced(
            "recorder.record", triggers=[{"type": "sqs", "queue": "jobs"}]
        ),
        "on_sns": traced(
            "recorder.record", triggers=[{"type": "sns", "topic": "alerts"}]
        ),
        "on_eb": traced(
            "recorder.record",
            triggers=[
                {
                    "type": "eventbridge",
                    "bus": "app-bus",
                    "pattern": {"source": ["orders"]},
                }
            ],
        ),
        "sleeping": traced("basic.count", timeout=2),
    },
}


@pytest.fixture(scope="module")
def app(app_for) -> LocalApp:
    return app_for(SPEC)


def spotfns(app: LocalApp) -> list[Record]:
    deserializer = TypeDeserializer()
    client = app.client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": "spotFns"}
    while True:
        page = client.scan(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [
        from_item({k: deserializer.deserialize(v) for k, v in item.items()})
        for item in items
    ]


def in_links(records: list[Record], function: str) -> set[str]:
    return {
        link.key
        for record in records
        if record.function == function and record.record_type == ENTRY
        for link in record.links_in
    }


def out_links(records: list[Record], function: str, operation: str) -> set[str]:
    return {
        link.key
        for record in records
        if record.function == function and record.name.endswith(f".{operation}")
        for link in record.links_out
    }


def test_an_invoke_chain_is_joined_by_request_id(app: LocalApp) -> None:
    result = app.invoke("caller", {"order": "o-9"})
    app.wait_idle(timeout=30)

    value = result.json()
    records = spotfns(app)
    invoked = out_links(records, "caller", "Invoke")
    assert invoked == {
        f"invoke:{value['sync_request_id']}",
        f"invoke:{value['async_request_id']}",
    }
    assert invoked <= in_links(records, "callee")
    # Both ends of the caller's own invocation were written before it returned.
    kinds = {
        r.record_type
        for r in records
        if r.invocation_id == result.request_id and r.function == "caller"
    }
    assert {ENTRY, EXIT} <= kinds


@pytest.mark.parametrize(
    ("consumer", "operation", "prefix"),
    [
        ("on_s3", "PutObject", "s3:"),
        ("on_ddb", "PutItem", "ddb:"),
        ("on_sqs", "SendMessage", "sqs:"),
        ("on_sns", "Publish", "sns:"),
        ("on_eb", "PutEvents", "events:"),
    ],
)
def test_every_event_source_hop_is_joined(
    app: LocalApp, produced: list[Record], consumer: str, operation: str, prefix: str
) -> None:
    sent = {
        key
        for key in out_links(produced, "producer", operation)
        if key.startswith(prefix)
    }
    received = {key for key in in_links(produced, consumer) if key.startswith(prefix)}

    assert sent, f"no {prefix} out-link on the producer's {operation}"
    assert sent == received


@pytest.fixture(scope="module")
def produced(app: LocalApp) -> list[Record]:
    assert app.invoke("producer", {}).ok
    app.wait_idle(timeout=60)
    return spotfns(app)


def test_an_invocation_killed_at_its_timeout_shows_as_begun(app: LocalApp) -> None:
    result = app.invoke("sleeping", {"sleep": 30})
    assert "Task timed out" in result.json()["errorMessage"]

    mine = [r for r in spotfns(app) if r.invocation_id == result.request_id]
    assert [r.record_type for r in mine] == [ENTRY]
