"""Fault family 1: a throttled spotFns table, through the whole handler path.

A SpotInstrumentor-wrapped handler makes 30 PutItems per invocation, so each
flush is a partial batch of two chunks; the sink's own client writes to moto
through :class:`~tests.faults.throttle.Throttle`, which refuses 10%, 50% or
90% of the items it is offered (UnprocessedItems, or a throttling error when
a call has nothing left).  For each rate: how many records are lost inside
the default 2 s flush budget (none at 50% or less), that every lost record
is counted and reported, and how much time the flush adds to the handler.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from spot_otel.table import create_table
from tests.faults.apps.handlers import RETURNED
from tests.faults.conftest import record_figure
from tests.faults.harness import REGION, TABLE, create_orders_table
from tests.faults.throttle import ThrottledRun, run_throttled

CALLS = 30
BUDGET_MS = 2000
SLACK_S = 2.0
"""A hang check, not a speed check: the flush must end near its budget."""
RUNS = {0.0: 6, 0.1: 6, 0.5: 6, 0.9: 3}
_DROPPED = re.compile(r"dropped (\d+) spotFns record")


def run_at(rate: float, client: Any, per_invocation: int | None = None) -> ThrottledRun:
    return run_throttled(
        rate,
        client,
        invocations=RUNS[rate],
        calls=CALLS,
        budget_ms=BUDGET_MS,
        per_invocation=per_invocation,
    )


@pytest.fixture(scope="module")
def unthrottled(module_environment: None) -> ThrottledRun:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, TABLE, ttl=False, stream=False)
        create_orders_table(client)
        return run_at(0.0, client)


def test_unthrottled_runs_write_every_record(unthrottled: ThrottledRun) -> None:
    # entry + 2 link records (two SQS messages; the invoke link rides on
    # the entry) + exit + one record per PutItem
    assert unthrottled.expected == len(unthrottled.calls) * (CALLS + 4)
    assert unthrottled.lost == 0 and unthrottled.dropped == 0
    assert all(call.result == RETURNED for call in unthrottled.calls)
    record_figure(
        f"throttling  0%: handler+flush p50 {unthrottled.latency_ms(0.5):.0f} ms, "
        f"p95 {unthrottled.latency_ms(0.95):.0f} ms "
        f"({CALLS} PutItems and {CALLS + 4} records per invocation)"
    )


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9], ids=["10%", "50%", "90%"])
def test_throttled_writes_are_retried_and_every_loss_is_counted(
    rate: float, aws: Any, unthrottled: ThrottledRun, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    per_invocation = unthrottled.expected // len(unthrottled.calls)

    run = run_at(rate, aws, per_invocation)

    # The handler's result is untouched, and no flush waits past its budget.
    for call in run.calls:
        assert call.error is None
        assert call.result == RETURNED
        assert call.elapsed_s < BUDGET_MS / 1000 + SLACK_S
    # The table really pushed back, item by item and whole calls.
    assert run.throttle.refused_items > 0
    if rate >= 0.5:
        assert run.throttle.refused_calls > 0
    assert run.retries > 0
    # Never silent: what is missing from the table is exactly what the sink
    # counted as dropped and reported in its warnings.
    reported = sum(
        int(match.group(1))
        for record in caplog.records
        if (match := _DROPPED.search(record.getMessage()))
    )
    assert run.dropped == run.lost == reported
    if rate <= 0.5:
        assert run.lost == 0

    added = run.latency_ms(0.5) - unthrottled.latency_ms(0.5)
    record_figure(
        f"throttling {rate:.0%}: {run.lost}/{run.expected} records lost in the "
        f"{BUDGET_MS} ms budget; {run.retries} chunk retries; handler+flush "
        f"p50 {run.latency_ms(0.5):.0f} ms ({added:+.0f} ms), "
        f"max {max(c.elapsed_s for c in run.calls) * 1000:.0f} ms"
    )
