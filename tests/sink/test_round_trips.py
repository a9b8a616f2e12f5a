"""The handler's critical path: one BatchWriteItem per invocation in the
common case, entry records off the path, big buffers written early."""

from __future__ import annotations

import math
import threading

import pytest
from opentelemetry import trace

from tests.sink.conftest import table_items, wait_for

REQUEST_ID = "3c6b8d0f-3333-4c4c-9d9d-000000000003"


def split_by_thread(batch_sizes: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Batch sizes sent on this (the handler's) thread, and on others."""
    here = threading.get_ident()
    on_caller = [size for size, thread in batch_sizes if thread == here]
    elsewhere = [size for size, thread in batch_sizes if thread != here]
    return on_caller, elsewhere


@pytest.mark.parametrize("sdk_calls", [0, 1, 5, 10, 25])
def test_flush_costs_one_round_trip_up_to_24_sdk_calls(
    dynamodb, traced, batch_sizes, sdk_calls
):
    sink = traced()
    invocation = sink.start_invocation(REQUEST_ID)
    entry_id = f"{REQUEST_ID}:entry{invocation.context.span_id:016x}"
    # The handler runs longer than the entry write takes.
    assert wait_for(lambda: entry_id in table_items(dynamodb))

    with trace.use_span(invocation, end_on_exit=True):
        sink.sdk_calls(REQUEST_ID, sdk_calls)
    assert sink.provider.force_flush(2000) is True

    on_caller, in_background = split_by_thread(batch_sizes)
    assert len(on_caller) == math.ceil((sdk_calls + 1) / 25)
    assert in_background == [2]  # the entry and the link record of its 2nd message
    assert len(table_items(dynamodb)) == sdk_calls + 3


def test_cold_start_flush_is_still_one_round_trip(dynamodb, traced, batch_sizes):
    sink = traced()

    # A handler faster than making the client: the flush takes the entry
    # into its own batch, or writes beside the entry write.
    with sink.invocation(REQUEST_ID):
        sink.sdk_calls(REQUEST_ID, 10)
    assert sink.provider.force_flush(2000) is True

    on_caller, _ = split_by_thread(batch_sizes)
    assert len(on_caller) == 1
    assert len(table_items(dynamodb)) == 13


def test_a_big_buffer_is_written_before_the_flush(dynamodb, traced, batch_sizes):
    sink = traced()

    with sink.invocation(REQUEST_ID):
        sink.sdk_calls(REQUEST_ID, 250)
        assert wait_for(lambda: sink.processor.stats.written >= 200)
    assert sink.provider.force_flush(2000) is True

    on_caller, _ = split_by_thread(batch_sizes)
    assert len(on_caller) <= 3
    assert len(table_items(dynamodb)) == 253
