"""OTel contrib's aws-lambda instrumentation active beside spot-otel: one picture."""

from __future__ import annotations

import importlib
import logging

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel.instrumentation import SpotInstrumentor
from spot_otel.instrumentation.contrib import after_instrumentors
from tests.instrumentation.conftest import HANDLERS, LambdaContext


@pytest.fixture
def provider_and_spans(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("_HANDLER", f"{HANDLERS}.constant")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "unit-fn")
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider, exporter
    from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor

    for instrumentor in (SpotInstrumentor(), AwsLambdaInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


def call_handler() -> None:
    module = importlib.import_module(HANDLERS)
    module.constant({"plain": "event"}, LambdaContext())


@pytest.mark.parametrize("contrib_first", [True, False], ids=["contrib-first", "spot-first"])
def test_contrib_lambda_instrumentation_is_switched_off_either_order(
    provider_and_spans, contrib_first, caplog
):
    from opentelemetry.instrumentation.aws_lambda import AwsLambdaInstrumentor

    provider, exporter = provider_and_spans
    contrib = AwsLambdaInstrumentor()
    with caplog.at_level(logging.WARNING, logger="spot_otel"):
        if contrib_first:
            contrib.instrument(tracer_provider=provider)
            SpotInstrumentor().instrument(tracer_provider=provider)
        else:
            SpotInstrumentor().instrument(tracer_provider=provider)
            contrib.instrument(tracer_provider=provider)
            # What opentelemetry-instrument runs once every instrumentor loaded.
            after_instrumentors()

    call_handler()

    spans = exporter.get_finished_spans()
    assert [s.instrumentation_scope.name for s in spans] == ["spot_otel"]
    assert spans[0].attributes["spot.role"] == "invocation"
    assert not contrib.is_instrumented_by_opentelemetry
    notes = [r for r in caplog.records if "AwsLambdaInstrumentor" in r.getMessage()]
    assert len(notes) == 1
