"""A forked child (multiprocessing in a handler, a pre-forking server) writes
its own records with its own client, never the parent's held ones."""

from __future__ import annotations

import os
import signal
import time

import boto3
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from spot_otel.table import create_table
from spot_otel_exporter import SpotFnsSpanProcessor
from tests.sink.conftest import REGION, Traced, table_items, wait_for

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def wait_for_child(pid: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child hung")


def test_child_writes_its_own_records_and_not_the_parents(moto_server, monkeypatch):
    table = "spotFnsFork"
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_server)
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=moto_server)
    create_table(client, table, ttl=False, stream=False)
    processor = SpotFnsSpanProcessor(table=table, region=REGION)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    sink = Traced(processor, provider)

    parent = sink.start_invocation("parent")
    assert wait_for(lambda: processor.stats.written == 2)  # entry + link record
    with trace.use_span(parent):
        sink.sdk_calls("parent", 1)  # held until the parent flushes

    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            with sink.invocation("child"):
                sink.sdk_calls("child", 1)
            flushed = provider.force_flush(2000)
            code = 0 if flushed and processor.stats.written == 4 else 1
        finally:
            os._exit(code)

    assert wait_for_child(pid) == 0
    keys = set(table_items(client, table))
    assert sum(key.startswith("child:") for key in keys) == 4
    assert not any(key.startswith("parent:PutItem") for key in keys)

    parent.end()
    assert provider.force_flush(2000) is True
    keys = set(table_items(client, table))
    assert sum(key.startswith("parent:") for key in keys) == 4
    provider.shutdown()
