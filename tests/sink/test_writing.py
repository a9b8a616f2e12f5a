"""How records get into the table: chunks, retries, drops, and failures that
must never reach the handler."""

from __future__ import annotations

import logging
import random
import time
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from spot_otel_exporter import SpotFnsSpanProcessor
from tests.sink.conftest import REGION, TABLE, table_items

REQUEST_ID = "2b5a7c9e-2222-4b4b-8c8c-000000000002"
SINK_LOGGERS = ("spot_otel_exporter", "spot_otel")


def fail_with(
    client: Any, code: str, status: int = 400, every: int = 1, first: int = 0
) -> list[int]:
    """Make every ``every``-th BatchWriteItem of ``client`` (or, with
    ``first``, only the first ``first`` ones) fail with ``code``, the way
    DynamoDB answers; returns the list of failed call numbers."""
    calls = {"n": 0}
    failed: list[int] = []

    def answer(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        calls["n"] += 1
        failing = calls["n"] <= first if first else calls["n"] % every == 0
        if not failing:
            return None
        failed.append(calls["n"])
        parsed = {
            "Error": {"Code": code, "Message": f"{code} from the test"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("https://dynamodb.test", status, {}, None), parsed

    client.meta.events.register("before-call.dynamodb.BatchWriteItem", answer)
    return failed


def withhold_half(client: Any, seed: int = 7) -> list[int]:
    """Make ``client`` send only about half the items of every BatchWriteItem
    and report the rest as UnprocessedItems, as a throttled table does."""
    rng = random.Random(seed)
    withheld_counts: list[int] = []

    def withhold(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][TABLE]
        kept = [request for request in requests if rng.random() < 0.5] or requests[:1]
        context["withheld"] = [request for request in requests if request not in kept]
        params["RequestItems"][TABLE] = kept

    def report(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        withheld = context.pop("withheld", [])
        if withheld and "Error" not in parsed:
            parsed.setdefault("UnprocessedItems", {})[TABLE] = withheld
            withheld_counts.append(len(withheld))

    client.meta.events.register(
        "before-parameter-build.dynamodb.BatchWriteItem", withhold
    )
    client.meta.events.register("after-call.dynamodb.BatchWriteItem", report)
    return withheld_counts


def sink_warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and record.name.startswith(SINK_LOGGERS)
    ]


def run_invocation(sink: Any, sdk_calls: int, request_id: str = REQUEST_ID) -> None:
    with sink.invocation(request_id):
        sink.sdk_calls(request_id, sdk_calls)


def test_writes_past_25_go_in_chunks_of_25(dynamodb, traced, batch_sizes):
    sink = traced()

    run_invocation(sink, 60)
    assert sink.provider.force_flush(2000) is True

    assert all(size <= 25 for size, _ in batch_sizes)
    assert (
        sum(size for size, _ in batch_sizes) == 63
    )  # entry, its link record, 60 calls, exit
    assert len(table_items(dynamodb)) == 63
    assert sink.processor.stats.written == 63


def test_an_unexpected_failure_spoils_its_chunk_only(dynamodb, traced):
    sink = traced()
    client = sink.processor.writer.client()
    calls = {"n": 0}

    def break_the_first_flush_chunk(params: dict[str, Any], **_: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the first is the entry record, written at start
            raise RuntimeError("a fault nobody foresaw")

    client.meta.events.register(
        "before-call.dynamodb.BatchWriteItem", break_the_first_flush_chunk
    )

    run_invocation(sink, 60)
    sink.provider.force_flush(2000)

    stats = sink.processor.stats
    assert stats.written + stats.dropped == 63
    assert 0 < stats.dropped <= 25
    assert len(table_items(dynamodb)) == stats.written


def test_unprocessed_items_and_throttling_lose_nothing(dynamodb, traced):
    sink = traced(flush_budget_ms=10_000)
    client = sink.processor.writer.client()
    withheld = withhold_half(client)
    throttled = fail_with(client, "ProvisionedThroughputExceededException", every=3)

    run_invocation(sink, 40)
    assert sink.provider.force_flush(10_000) is True

    assert withheld and throttled  # the table really did push back
    assert len(table_items(dynamodb)) == 43
    stats = sink.processor.stats
    assert stats.dropped == 0
    assert stats.written == 43
    assert stats.retries >= len(throttled)


@pytest.mark.parametrize(
    "code, status",
    [
        ("ThrottlingException", 400),
        ("RequestLimitExceeded", 400),
        ("InternalServerError", 500),
    ],
)
def test_other_throttling_answers_are_retried(dynamodb, traced, code, status):
    sink = traced()
    fail_with(sink.processor.writer.client(), code, status, first=1)

    run_invocation(sink, 3)
    assert sink.provider.force_flush(2000) is True
    assert len(table_items(dynamodb)) == 6
    assert sink.processor.stats.retries >= 1


def test_missing_table_gives_one_warning_and_counts_the_drop(traced, caplog):
    caplog.set_level(logging.DEBUG)
    with mock_aws():
        sink = traced()
        run_invocation(sink, 3)
        assert sink.provider.force_flush(2000) is False

    warnings = sink_warnings(caplog)
    assert len(warnings) == 1
    message = warnings[0].getMessage()
    assert f"table {TABLE!r} not found" in message
    assert f"spot-otel table create --table {TABLE}" in message
    assert warnings[0].exc_info is None
    assert "Traceback" not in caplog.text
    assert sink.processor.stats.dropped == 6  # entry, link record, exit, 3 calls


def test_missing_table_is_created_when_the_switch_is_on(traced, monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_CREATE_TABLE", "true")
    with mock_aws():
        sink = traced(ttl_days=3)
        run_invocation(sink, 2)
        assert sink.provider.force_flush(2000) is True

        client = boto3.client("dynamodb", region_name=REGION)
        table = client.describe_table(TableName=TABLE)["Table"]
        ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
        assert {index["IndexName"] for index in table["GlobalSecondaryIndexes"]} == {
            "byTrace",
            "byInvocation",
            "byLink",
            "byDay",
        }
        assert ttl["TimeToLiveStatus"] == "ENABLED"
        assert len(table_items(client)) == 5


def test_access_denied_is_one_clear_line(dynamodb, traced, caplog):
    sink = traced()
    fail_with(sink.processor.writer.client(), "AccessDeniedException")

    run_invocation(sink, 1)
    assert sink.provider.force_flush(2000) is False

    warnings = sink_warnings(caplog)
    assert len(warnings) == 1
    assert "access denied: dynamodb:BatchWriteItem" in warnings[0].getMessage()
    assert sink.processor.stats.dropped == 4
    assert sink.processor.stats.retries == 0


@pytest.mark.parametrize("endpoint", ["closed_endpoint", "hanging_endpoint"])
def test_unreachable_endpoint_never_holds_a_flush_past_its_budget(
    endpoint, request, traced, monkeypatch, caplog
):
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", request.getfixturevalue(endpoint))
    budget_ms = 400
    sink = traced(flush_budget_ms=budget_ms)
    sink.processor.writer.client()

    run_invocation(sink, 2)
    started = time.monotonic()
    flushed = sink.provider.force_flush(budget_ms)
    elapsed = time.monotonic() - started

    assert flushed is False
    # A hang check, not a speed check: without bounded timeouts this takes
    # botocore's default 60 s read timeout, times its retries.
    assert elapsed < budget_ms / 1000 + 1.5
    warnings = sink_warnings(caplog)
    assert len(warnings) == 1
    assert "endpoint unreachable" in warnings[0].getMessage()

    # An entry write still hanging at the flush is dropped at the next one.
    started = time.monotonic()
    sink.provider.shutdown()
    assert time.monotonic() - started < budget_ms / 1000 + 1.5
    stats = sink.processor.stats
    assert (stats.written, stats.dropped) == (0, 5)


def test_awkward_attribute_values_are_stored_not_rejected(dynamodb, traced):
    sink = traced()
    with sink.invocation(
        REQUEST_ID,
        **{
            "app.nan": float("nan"),
            "app.huge": 1e300,
            "app.big_int": 2**130,
            "app.tenth": 0.1,
            "app.empty": "",
        },
    ) as invocation:
        pass
    assert sink.provider.force_flush(2000) is True

    exit_ = table_items(dynamodb)[f"{REQUEST_ID}:exit{invocation.context.span_id:016x}"]
    attrs = exit_["attrs"]
    assert attrs["app.nan"] == "nan"
    assert attrs["app.huge"] == "1e+300"
    assert attrs["app.big_int"] == str(2**130)
    assert str(attrs["app.tenth"]) == "0.1"
    assert attrs["app.empty"] == ""


def test_shutdown_writes_what_is_held(dynamodb):
    from opentelemetry.sdk.trace import TracerProvider

    from tests.sink.conftest import Traced

    processor = SpotFnsSpanProcessor(region=REGION)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    sink = Traced(processor, provider)

    run_invocation(sink, 2)
    provider.shutdown()

    assert len(table_items(dynamodb)) == 5
    # After shutdown, spans are ignored quietly.
    run_invocation(sink, 1, request_id="after-shutdown")
    assert processor.force_flush(100) is True
    assert not any(key.startswith("after-shutdown") for key in table_items(dynamodb))
