"""The records of a whole invocation, column by column, as the table holds them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest
from opentelemetry.trace import SpanKind, Status, StatusCode

from spot_otel import links, records
from tests.conftest import load_event
from tests.sink.conftest import (
    FUNCTION_ARN,
    sdk_call_attributes,
    table_items,
    wait_for,
)

REQUEST_ID = "8f0c1d2e-1111-4a4a-9b9b-000000000001"
DAY_SECONDS = 86_400


@pytest.fixture
def invocation_items(dynamodb, traced):
    """An SQS-triggered invocation with three SDK calls, one of them failing,
    flushed into the table; the items by requestID, and the spans."""
    sink = traced(ttl_days=7)
    with sink.invocation(REQUEST_ID) as invocation:
        sink.sdk_calls(REQUEST_ID, 2, operation="PutItem", target="orders")
        with sink.tracer.start_as_current_span(
            "SNS.Publish",
            kind=SpanKind.PRODUCER,
            attributes=sdk_call_attributes(
                REQUEST_ID,
                operation="Publish",
                service="SNS",
                target="arn:aws:sns:eu-west-1:123456789012:orders",
                links_out=(links.sns_key("msg-1"),),
            ),
        ) as publish:
            publish.set_status(
                Status(StatusCode.ERROR, "AuthorizationError: not allowed")
            )
    assert sink.provider.force_flush(2000) is True
    return table_items(dynamodb), invocation, publish


def test_every_record_has_the_twelve_spotwrap_columns(invocation_items):
    items, _, _ = invocation_items

    assert len(items) == 6  # entry, link record of the 2nd message, exit, 3 calls
    for item in items.values():
        assert set(records.SPOTWRAP_COLUMNS) <= set(item)
        assert all(item[column] not in (None, "") for column in records.SPOTWRAP_COLUMNS)


def test_entry_record_columns(invocation_items):
    items, invocation, _ = invocation_items
    span_id = f"{invocation.context.span_id:016x}"
    sqs = load_event("sqsEvent")

    entry = items[f"{REQUEST_ID}:entry{span_id}"]

    assert entry["ts"] == invocation.start_time // 1_000_000
    assert entry["thisFnARN"] == FUNCTION_ARN
    assert entry["caller"] == sqs["Records"][0]["messageId"]
    assert entry["eventSource"] == "aws:sqs"
    assert entry["eventOp"] == "ReceiveMessage"
    assert entry["region"] == "eu-west-1"
    assert entry["accountID"] == "123456789012"
    assert entry["sourceIP"] == "unknown"
    assert entry["message"] == sqs["Records"][0]["eventSourceARN"]
    assert entry["duration"] == 0
    assert entry["error"] == "unknown"
    assert entry["recordType"] == "entry"
    assert entry["status"] == "UNSET"
    assert entry["kind"] == "CONSUMER"
    assert entry["traceId"] == f"{invocation.context.trace_id:032x}"
    assert entry["spanId"] == span_id
    assert "parentSpanId" not in entry
    assert entry["invocationId"] == REQUEST_ID
    assert entry["function"] == "orders"
    assert entry["trigger"] == "sqs"
    assert entry["linkKey"] == links.sqs_key(sqs["Records"][0]["messageId"])
    assert entry["attrs"]["faas.coldstart"] is True
    assert "spot.caller" not in entry["attrs"]  # already a column


def test_every_in_link_is_indexed_from_the_entry(invocation_items):
    items, invocation, _ = invocation_items
    sqs = load_event("sqsEvent")
    entry_id = f"{REQUEST_ID}:entry{invocation.context.span_id:016x}"

    indexed = {item["linkKey"]: item for item in items.values() if "linkKey" in item}
    for record in sqs["Records"]:
        key = links.sqs_key(record["messageId"])
        assert key in indexed
        assert indexed[key]["invocationId"] == REQUEST_ID
    second = indexed[links.sqs_key(sqs["Records"][1]["messageId"])]
    assert second["recordType"] == "link"
    assert second["linkOf"] == entry_id


def test_only_the_entry_carries_its_utc_day_and_is_listed_by_day(
    invocation_items, dynamodb
):
    items, invocation, _ = invocation_items
    entry_id = f"{REQUEST_ID}:entry{invocation.context.span_id:016x}"
    started = datetime.fromtimestamp(invocation.start_time / 1e9, tz=timezone.utc)

    assert [name for name, item in items.items() if "day" in item] == [entry_id]
    day = items[entry_id]["day"]
    assert day.split("#")[0] == started.strftime("%Y-%m-%d")
    assert day in records.day_keys(started.strftime("%Y-%m-%d"))
    listed = dynamodb.query(
        TableName="spotFns",
        IndexName=records.TIME_INDEX,
        KeyConditionExpression="#d = :d",
        ExpressionAttributeNames={"#d": "day"},
        ExpressionAttributeValues={":d": {"S": day}},
    )["Items"]
    assert [item["requestID"]["S"] for item in listed] == [entry_id]


@pytest.mark.parametrize(
    ("ts", "day"),
    [
        (1_694_044_799_999, "2023-09-06"),  # the last ms of a UTC day
        (1_694_044_800_000, "2023-09-07"),
    ],
)
def test_the_day_is_the_utc_date_of_the_entry_and_reads_back(ts, day):
    entry = records.Record(request_id=records.entry_request_id("inv", "a1"), ts=ts)
    exit_ = replace(
        entry, request_id=records.exit_request_id("inv", "a1"), record_type=records.EXIT
    )

    stored = records.to_item(entry)["day"]
    assert stored in records.day_keys(day)
    assert records.from_item(records.to_item(entry)).day == stored
    assert "day" not in records.to_item(exit_)
    # Written before the index existed, or by SpotWrap: no day, still a record.
    old = records.to_item(entry)
    del old["day"]
    assert records.from_item(old).day is None


def test_exit_record_columns(invocation_items):
    items, invocation, _ = invocation_items
    span_id = f"{invocation.context.span_id:016x}"

    exit_ = items[f"{REQUEST_ID}:exit{span_id}"]

    assert exit_["ts"] == invocation.end_time // 1_000_000
    expected_ms = (invocation.end_time - invocation.start_time) / 1_000_000
    assert float(exit_["duration"]) == pytest.approx(expected_ms, abs=0.001)
    assert exit_["error"] == "none"
    assert exit_["status"] == "UNSET"
    assert exit_["recordType"] == "exit"
    assert exit_["thisFnARN"] == FUNCTION_ARN
    assert len(exit_["linksIn"]) == 2
    assert "linkKey" not in exit_  # in-links are indexed from the entry
    assert exit_["expiresAt"] == exit_["ts"] // 1000 + 7 * DAY_SECONDS


def test_call_record_columns(invocation_items):
    items, invocation, publish = invocation_items
    span_id = f"{publish.context.span_id:016x}"

    call = items[f"{REQUEST_ID}:Publish:{span_id}"]

    assert call["ts"] == publish.start_time // 1_000_000
    assert call["eventSource"] == "SNS"
    assert call["eventOp"] == "Publish"
    assert call["message"] == "arn:aws:sns:eu-west-1:123456789012:orders"
    assert call["caller"] == load_event("sqsEvent")["Records"][0]["messageId"]
    assert call["region"] == "eu-west-1"
    assert call["accountID"] == "123456789012"
    assert call["error"] == "AuthorizationError: not allowed"
    assert call["status"] == "ERROR"
    assert call["kind"] == "PRODUCER"
    assert call["recordType"] == "call"
    assert call["parentSpanId"] == f"{invocation.context.span_id:016x}"
    assert call["linkKey"] == links.sns_key("msg-1")
    assert call["linksOut"] == [links.sns_key("msg-1")]
    assert call["attrs"]["rpc.system"] == "aws-api"


def test_entry_is_in_the_table_while_the_invocation_runs(dynamodb, traced):
    sink = traced()
    invocation = sink.start_invocation(REQUEST_ID)
    entry_id = f"{REQUEST_ID}:entry{invocation.context.span_id:016x}"

    # No end, no flush: the background thread writes the entry on its own.
    assert wait_for(lambda: entry_id in table_items(dynamodb))
    assert invocation.end_time is None

    invocation.end()
    assert sink.provider.force_flush(2000)
    assert f"{REQUEST_ID}:exit{invocation.context.span_id:016x}" in table_items(dynamodb)


def test_error_text_comes_from_the_exception_event(dynamodb, traced):
    sink = traced()
    with pytest.raises(ValueError):
        with sink.tracer.start_as_current_span(
            "orders",
            kind=SpanKind.SERVER,
            attributes={"spot.role": "invocation", "faas.invocation_id": REQUEST_ID},
            set_status_on_exception=False,
        ) as span:
            span.set_status(Status(StatusCode.ERROR))
            raise ValueError("order 7 has no lines")
    sink.provider.force_flush(2000)

    exit_ = table_items(dynamodb)[f"{REQUEST_ID}:exit{span.context.span_id:016x}"]
    assert exit_["error"] == "ValueError: order 7 has no lines"
    assert exit_["status"] == "ERROR"
    # Nothing known: SpotWrap's placeholder, never an empty string.
    assert exit_["thisFnARN"] == exit_["region"] == exit_["caller"] == "unknown"


def test_user_spans_inside_an_invocation_become_call_records(dynamodb, traced):
    sink = traced()
    with sink.invocation(REQUEST_ID):
        with sink.tracer.start_as_current_span("price: compute"):
            with sink.tracer.start_as_current_span("price lookup") as inner:
                pass
    with sink.tracer.start_as_current_span("outside any invocation"):
        pass
    sink.provider.force_flush(2000)

    items = table_items(dynamodb)
    inner_item = items[f"{REQUEST_ID}:price_lookup:{inner.context.span_id:016x}"]
    assert inner_item["eventOp"] == "price_lookup"
    assert inner_item["eventSource"] == "tests.sink"  # the instrumentation scope
    assert inner_item["thisFnARN"] == FUNCTION_ARN  # lent by the invocation
    assert any(key.startswith(f"{REQUEST_ID}:price_compute:") for key in items)
    assert not any("outside" in key for key in items)


def test_attribute_map_is_bounded_and_primitive(dynamodb, traced):
    sink = traced(max_attributes=5)
    with sink.invocation(
        REQUEST_ID,
        **{f"app.n{n}": "x" * 2000 for n in range(10)},
        **{"app.list": ("a", "b")},
    ) as invocation:
        pass
    sink.provider.force_flush(2000)

    exit_ = table_items(dynamodb)[f"{REQUEST_ID}:exit{invocation.context.span_id:016x}"]
    assert len(exit_["attrs"]) == 5
    assert "app.list" not in exit_["attrs"]
    for value in exit_["attrs"].values():
        if isinstance(value, str):
            assert len(value) <= 512


def test_link_keys_past_the_cap_are_counted(dynamodb, traced):
    sink = traced(max_link_keys=3)
    keys = tuple(links.sqs_key(f"m-{n}") for n in range(10))
    with sink.invocation(REQUEST_ID, **{"spot.links.in": keys}):
        pass
    sink.provider.force_flush(2000)

    indexed = {item.get("linkKey") for item in table_items(dynamodb).values()}
    assert set(keys[:3]) <= indexed
    assert not set(keys[3:]) & indexed
    assert sink.processor.stats.dropped_link_keys == 7


def test_items_near_400_kb_are_cut_and_accepted(dynamodb, traced):
    sink = traced(max_link_keys=1)
    huge_links = tuple(links.sqs_key(f"{n:06d}-" + "x" * 90) for n in range(5000))
    with sink.invocation(
        REQUEST_ID,
        **{"spot.message": "m" * 1_000_000, "spot.links.in": huge_links},
    ) as invocation:
        pass
    assert sink.provider.force_flush(2000) is True

    items = table_items(dynamodb)
    entry = items[f"{REQUEST_ID}:entry{invocation.context.span_id:016x}"]
    assert entry["message"].endswith("...[truncated]")
    assert len(entry["message"]) == 4096
    assert entry["linksIn"][-1] == "...[truncated]"
    assert 200 * 1024 < records.approximate_size(entry) < records.MAX_ITEM_BYTES
    assert sink.processor.stats.dropped == 0
