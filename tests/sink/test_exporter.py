"""The ``spotfns`` exporter alone, and the processor built around it."""

from __future__ import annotations

import logging
from importlib.metadata import entry_points

import boto3
from moto import mock_aws
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel.table import create_table
from spot_otel_exporter import SpotFnsSpanExporter, SpotFnsSpanProcessor, processor_for
from tests.sink.conftest import REGION, Traced, table_items

REQUEST_ID = "4d7c9e1a-4444-4d4d-8e8e-000000000004"


def test_the_sdk_finds_the_exporter_by_its_entry_point():
    (entry_point,) = entry_points(group="opentelemetry_traces_exporter", name="spotfns")
    assert entry_point.load() is SpotFnsSpanExporter


def test_built_with_no_arguments_it_reads_the_environment(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_TABLE", "tracesFromEnv")
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS", "1500")
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_REGION", "eu-central-1")

    from_env = SpotFnsSpanExporter()
    explicit = SpotFnsSpanExporter(table="explicitTable", flush_budget_ms=300)

    assert (from_env.config.table, from_env.config.region) == (
        "tracesFromEnv",
        "eu-central-1",
    )
    assert from_env.config.flush_budget_ms == 1500
    assert (explicit.config.table, explicit.config.flush_budget_ms) == (
        "explicitTable",
        300,
    )
    assert explicit.config.region == "eu-central-1"


def test_a_bad_setting_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS", "soon")
    assert SpotFnsSpanExporter().config.flush_budget_ms == 2000


def test_alone_it_writes_entry_and_exit_when_the_invocation_ends(monkeypatch):
    monkeypatch.setenv("OTEL_EXPORTER_SPOTFNS_TABLE", "tracesFromEnv")
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, "tracesFromEnv", ttl=False, stream=False)
        exporter = SpotFnsSpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        sink = Traced(processor=None, provider=provider)

        with sink.invocation(REQUEST_ID) as invocation:
            sink.sdk_calls(REQUEST_ID, 2)
            with sink.tracer.start_as_current_span("user work"):
                pass
        items = table_items(client, "tracesFromEnv")
        provider.shutdown()

    span_id = f"{invocation.context.span_id:016x}"
    assert f"{REQUEST_ID}:entry{span_id}" in items
    assert f"{REQUEST_ID}:exit{span_id}" in items
    assert sum(item["recordType"] == "call" for item in items.values()) == 2
    # "user work" ended in an export batch of its own, before its invocation.
    assert not any(":user_work:" in key for key in items)
    assert exporter.stats.written == len(items)


def test_export_to_a_missing_table_fails_without_raising(caplog):
    with mock_aws():
        exporter = SpotFnsSpanExporter(region=REGION)
        provider = TracerProvider()
        memory = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        sink = Traced(processor=None, provider=provider)
        with sink.invocation(REQUEST_ID):
            sink.sdk_calls(REQUEST_ID, 1)

        result = exporter.export(memory.get_finished_spans())

    assert result is SpanExportResult.FAILURE
    assert exporter.stats.dropped == 4
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "not found" in warnings[0].getMessage()


def test_processor_for_wraps_only_the_spotfns_exporter():
    exporter = SpotFnsSpanExporter(region=REGION)
    other = InMemorySpanExporter()

    ours = processor_for(exporter)
    theirs = processor_for(other)

    assert isinstance(ours, SpotFnsSpanProcessor)
    assert ours.writer is exporter.writer
    assert isinstance(theirs, BatchSpanProcessor)
    theirs.shutdown()


def test_processor_around_the_exporter_writes_entries_at_start(dynamodb):
    exporter = SpotFnsSpanExporter(region=REGION)
    processor = processor_for(exporter)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    sink = Traced(processor, provider)

    invocation = sink.start_invocation(REQUEST_ID)
    assert provider.force_flush(2000) is True
    assert f"{REQUEST_ID}:entry{invocation.context.span_id:016x}" in table_items(dynamodb)
    invocation.end()
    provider.shutdown()

    assert f"{REQUEST_ID}:exit{invocation.context.span_id:016x}" in table_items(dynamodb)
    assert exporter.writer.stats.written == 3  # entry, its link record, exit
    assert exporter.export([]) is SpanExportResult.FAILURE  # shut down with the processor
