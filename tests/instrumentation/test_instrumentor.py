"""Loading, idempotence, uninstrument, contrib duplicates, opentelemetry-instrument."""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import boto3
import botocore.client
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel.instrumentation import SpotInstrumentor
from tests.instrumentation.conftest import HANDLERS, LambdaContext

ROOT = Path(__file__).resolve().parents[2]


def test_entry_points_are_registered():
    def names(group: str) -> set[str]:
        return {ep.name for ep in entry_points(group=group)}

    assert "spot_otel" in names("opentelemetry_instrumentor")
    assert "spotfns" in names("opentelemetry_traces_exporter")
    assert "spot_otel" in names("opentelemetry_distro")
    assert "spot_otel" in names("opentelemetry_configurator")


def test_double_instrument_makes_one_span_per_call(memory, aws):
    exporter, provider = memory
    SpotInstrumentor().instrument(tracer_provider=provider, handler=None)
    queue_url = aws.create_queue("once")
    exporter.clear()

    boto3.client("sqs", region_name="us-east-1").send_message(
        QueueUrl=queue_url, MessageBody="x"
    )

    assert len(exporter.get_finished_spans()) == 1


def test_uninstrument_restores_every_original():
    module = importlib.import_module(HANDLERS)
    original_call = botocore.client.BaseClient._make_api_call
    original_handler = module.constant
    provider = TracerProvider()
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    instrumentor = SpotInstrumentor()
    instrumentor.instrument(tracer_provider=provider, handler=f"{HANDLERS}.constant")
    assert botocore.client.BaseClient._make_api_call is not original_call
    assert module.constant is not original_handler
    instrumentor.uninstrument()

    assert botocore.client.BaseClient._make_api_call is original_call
    assert module.constant is original_handler
    module.constant({}, LambdaContext())
    assert exporter.get_finished_spans() == ()


def test_contrib_botocore_is_switched_off_with_one_log_line(memory, aws, caplog):
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    exporter, provider = memory
    SpotInstrumentor().uninstrument()
    contrib = BotocoreInstrumentor()
    contrib.instrument(tracer_provider=provider)
    try:
        with caplog.at_level(logging.WARNING, logger="spot_otel"):
            SpotInstrumentor().instrument(tracer_provider=provider, handler=None)
        queue_url = aws.create_queue("dupes")
        exporter.clear()

        boto3.client("sqs", region_name="us-east-1").send_message(
            QueueUrl=queue_url, MessageBody="x"
        )

        spans = exporter.get_finished_spans()
        assert [s.instrumentation_scope.name for s in spans] == ["spot_otel"]
        assert not contrib.is_instrumented_by_opentelemetry
        notes = [r for r in caplog.records if "BotocoreInstrumentor" in r.getMessage()]
        assert len(notes) == 1
    finally:
        if contrib.is_instrumented_by_opentelemetry:
            contrib.uninstrument()


def test_opentelemetry_instrument_prints_real_spans_with_console_exporter(tmp_path):
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent(
            """
            from moto import mock_aws
            import boto3

            with mock_aws():
                client = boto3.client("sqs", region_name="us-east-1")
                client.create_queue(QueueName="q")
            """
        )
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AWS_LAMBDA", "_HANDLER"))
    }
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1")
    bindir = Path(sys.executable).parent

    done = subprocess.run(
        [str(bindir / "opentelemetry-instrument"), "--traces_exporter", "console",
         sys.executable, str(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert '"name": "SQS.CreateQueue"' in done.stdout
    assert '"rpc.method": "CreateQueue"' in done.stdout
