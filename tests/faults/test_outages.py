"""Fault family 2: the spotFns table cannot be written at all.

Table missing, access denied, endpoint down (a closed loopback port) and
endpoint hanging (a loopback port that accepts and never answers), each
through the whole handler path: a SpotInstrumentor-wrapped handler that
makes an SQS call, the real processor, a real boto3 client.  Whatever the
outage: the handler's result (or its exception) is what it would be
untraced, each invocation logs one clear line, every record is counted as
dropped, and no invocation waits past its flush budget.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator

import boto3
import pytest
from moto import mock_aws

from spot_otel.table import create_table
from tests.faults.apps.handlers import RETURNED, HandlerFailure
from tests.faults.conftest import record_figure
from tests.faults.endpoints import RefusingEndpoint
from tests.faults.harness import REGION, TABLE, TracedFunction
from tests.sink.test_writing import SINK_LOGGERS, sink_warnings

BUDGET_MS = 1000
SLACK_S = 2.0
RECORDS_PER_INVOCATION = 3
"""Entry, exit and one SQS SendMessage call record."""

# outage -> what its one log line must say
OUTAGES = {
    "table missing": (
        "table 'spotFns' not found in us-east-1; create it with "
        "`spot-otel table create --table spotFns --region us-east-1`"
    ),
    "access denied": (
        "access denied: dynamodb:BatchWriteItem on table 'spotFns' is not allowed"
    ),
    "endpoint down": "DynamoDB endpoint unreachable",
    "endpoint hanging": "DynamoDB endpoint unreachable",
}


@pytest.fixture(params=list(OUTAGES))
def outage(request: pytest.FixtureRequest) -> Iterator[tuple[str, str | None]]:
    """The outage's name, and the DynamoDB endpoint that has it (None: moto
    without a spotFns table)."""
    name = request.param
    if name == "table missing":
        yield name, None
    elif name == "access denied":
        with RefusingEndpoint() as endpoint:
            yield name, endpoint.url
    elif name == "endpoint down":
        yield name, request.getfixturevalue("closed_endpoint")
    else:
        yield name, request.getfixturevalue("hanging_endpoint")


def test_an_unwritable_table_never_breaks_the_function(
    outage: tuple[str, str | None],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    name, endpoint = outage
    caplog.set_level(logging.WARNING)
    for logger in SINK_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=logger)
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        if endpoint is not None:
            monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)

        lines: list[list[logging.LogRecord]] = []
        function = TracedFunction("handlers.sends_message", flush_budget_ms=BUDGET_MS)
        with function:
            calls = []
            for event in (
                {"queue_url": queue_url},
                {"queue_url": queue_url, "fail": "order 17 could not be priced"},
            ):
                caplog.clear()
                calls.append(function.invoke(event))
                lines.append(sink_warnings(caplog))
        stats = function.processor.stats
        sent = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]

    succeeded, failed = calls
    # The function behaves exactly as it would untraced.
    assert succeeded.error is None and succeeded.result is RETURNED
    assert type(failed.error) is HandlerFailure
    assert failed.error.args == ("order 17 could not be priced",)
    assert sent == "2"
    # No invocation waits past its budget (a hang check: botocore's own
    # defaults would wait 60 s per attempt, times its retries).
    for call in calls:
        assert call.elapsed_s < BUDGET_MS / 1000 + SLACK_S
    # One clear line per invocation: no traceback, the cause, the cure.
    for warnings in lines:
        assert len(warnings) == 1, [w.getMessage() for w in warnings]
        (line,) = warnings
        assert OUTAGES[name] in line.getMessage()
        assert line.exc_info is None
    assert "Traceback" not in caplog.text
    # Every record of both invocations is counted as dropped; none written.
    assert stats.written == 0
    assert stats.dropped == 2 * RECORDS_PER_INVOCATION

    record_figure(
        f"outage, {name}: handler+flush {succeeded.elapsed_s * 1000:.0f} ms and "
        f"{failed.elapsed_s * 1000:.0f} ms with a {BUDGET_MS} ms budget; "
        f"{stats.dropped} records dropped and counted, {stats.round_trips} attempts"
    )


def test_a_refused_write_is_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws(), RefusingEndpoint() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint.url)
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        function = TracedFunction("handlers.sends_message", flush_budget_ms=BUDGET_MS)
        with function:
            function.invoke({"queue_url": queue_url})

    # The entry write, the flush, and the flush's one more try of the entry
    # the background thread handed back; no backoff loop on a permission
    # that will not change within a flush.
    stats = function.processor.stats
    assert endpoint.requests == stats.round_trips <= 3
    assert stats.retries == 0
    assert stats.dropped == RECORDS_PER_INVOCATION


def test_the_table_coming_back_is_written_to_again(aws: Any) -> None:
    aws.delete_table(TableName=TABLE)
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.create_queue(QueueName="jobs")["QueueUrl"]

    with TracedFunction("handlers.sends_message", flush_budget_ms=BUDGET_MS) as function:
        lost = function.invoke({"queue_url": queue_url})
        create_table(aws, TABLE, ttl=False, stream=False)
        kept = function.invoke({"queue_url": queue_url})
    stats = function.processor.stats

    assert lost.result is RETURNED and kept.result is RETURNED
    assert (stats.dropped, stats.written) == (
        RECORDS_PER_INVOCATION,
        RECORDS_PER_INVOCATION,
    )
