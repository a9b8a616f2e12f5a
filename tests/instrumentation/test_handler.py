"""The invocation span around a user's handler."""

from __future__ import annotations

import copy
import json

import pytest
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.trace import SpanKind, StatusCode

from tests.conftest import load_event
from tests.instrumentation.apps import handlers
from tests.instrumentation.conftest import FUNCTION_ARN, ClientContext, LambdaContext

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def invocation_spans(exporter):  # type: ignore[no-untyped-def]
    spans = exporter.get_finished_spans()
    return [s for s in spans if s.attributes.get("spot.role") == "invocation"]


def test_invocation_span_carries_faas_attributes_and_cold_start(traced_handler):
    call, exporter = traced_handler

    call("constant", {"any": "thing"}, LambdaContext(aws_request_id="req-1"))
    call("constant", {"any": "thing"}, LambdaContext(aws_request_id="req-2"))

    first, second = invocation_spans(exporter)
    assert first.name == "unit-fn"
    assert first.kind is SpanKind.SERVER
    assert first.attributes["faas.invocation_id"] == "req-1"
    assert first.attributes["faas.trigger"] == "other"
    assert first.attributes["cloud.resource_id"] == FUNCTION_ARN
    assert first.attributes["cloud.account.id"] == "123456789012"
    assert first.attributes["cloud.region"] == "us-east-1"
    assert first.attributes["faas.name"] == "unit-fn"
    assert first.attributes["faas.coldstart"] is True
    assert second.attributes["faas.coldstart"] is False
    assert "invoke:req-1" in first.attributes["spot.links.in"]


def test_event_and_return_value_pass_through_untouched(traced_handler):
    call, _ = traced_handler
    event = load_event("sqsEvent")
    before = copy.deepcopy(event)

    echoed = call("echo", event)

    assert echoed is event
    assert event == before
    assert call("constant", event) is handlers.RETURNED


def test_handler_exception_is_recorded_flushed_and_reraised_unchanged(traced_handler, memory):
    call, exporter = traced_handler
    _, provider = memory
    flushes: list[int] = []

    class CountFlushes(SpanProcessor):
        def force_flush(self, timeout_millis: int = 30000) -> bool:
            flushes.append(timeout_millis)
            return True

    provider.add_span_processor(CountFlushes())

    with pytest.raises(handlers.HandlerFailure, match="boom in handler") as raised:
        call("fails", {})

    assert type(raised.value) is handlers.HandlerFailure
    (span,) = invocation_spans(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert any(e.name == "exception" for e in span.events)
    assert span.events[0].attributes["exception.type"].endswith("HandlerFailure")
    assert flushes, "spans must be flushed before the exception leaves the handler"


def test_sys_exit_in_handler_is_recorded_and_still_exits(traced_handler):
    call, exporter = traced_handler

    with pytest.raises(SystemExit):
        call("exits", {})

    (span,) = invocation_spans(exporter)
    assert span.status.status_code is StatusCode.ERROR


def test_http_trigger_continues_the_callers_trace(traced_handler):
    call, exporter = traced_handler
    event = load_event("apiGatewayProxyEvent")
    event["headers"] = dict(event.get("headers") or {}, traceparent=TRACEPARENT)

    call("constant", event)

    (span,) = invocation_spans(exporter)
    assert span.kind is SpanKind.SERVER
    assert span.attributes["faas.trigger"] == "http"
    assert format(span.context.trace_id, "032x") == TRACEPARENT[3:35]
    assert format(span.parent.span_id, "016x") == TRACEPARENT[36:52]


def test_sqs_batch_links_every_message_and_has_no_single_parent(traced_handler):
    call, exporter = traced_handler
    event = load_event("sqsEvent")
    for n, record in enumerate(event["Records"]):
        trace_id = f"{n + 1:032x}"
        record["messageAttributes"] = {
            "traceparent": {
                "stringValue": f"00-{trace_id}-{n + 1:016x}-01",
                "dataType": "String",
            }
        }

    call("constant", event)

    (span,) = invocation_spans(exporter)
    assert span.kind is SpanKind.CONSUMER
    assert span.attributes["faas.trigger"] == "pubsub"
    assert span.parent is None
    assert len(span.links) == len(event["Records"])
    links_in = span.attributes["spot.links.in"]
    for record in event["Records"]:
        assert f"sqs:{record['messageId']}" in links_in


def test_direct_invoke_with_client_context_continues_the_trace(traced_handler):
    call, exporter = traced_handler
    context = LambdaContext(
        client_context=ClientContext(custom={"traceparent": TRACEPARENT, "spot.caller": "req-0"})
    )

    call("constant", {"plain": "payload"}, context)

    (span,) = invocation_spans(exporter)
    assert format(span.context.trace_id, "032x") == TRACEPARENT[3:35]
    assert span.attributes["spot.caller"] == "req-0"


@pytest.mark.parametrize(
    "event",
    [None, "text", 42, [], {"Records": "nope"}, {"Records": [None, 5]}, {"requestContext": 3}],
)
def test_malformed_event_becomes_other_trigger_and_handler_runs(traced_handler, event):
    call, exporter = traced_handler
    before = copy.deepcopy(event)

    assert call("echo", event) == before

    (span,) = invocation_spans(exporter)
    assert span.attributes["faas.trigger"] == "other"


def test_return_value_that_is_not_json_passes_through(traced_handler):
    call, _ = traced_handler
    value = object()

    assert call("echo", value) is value


def test_sdk_calls_inside_the_handler_join_its_invocation(traced_handler, aws):
    call, exporter = traced_handler
    aws.create_table("items")

    call("writes_item", {"table": "items", "key": "k1"}, LambdaContext(aws_request_id="req-w"))

    (invocation,) = invocation_spans(exporter)
    (put,) = [s for s in exporter.get_finished_spans() if s.name == "DynamoDB.PutItem"]
    assert put.parent.span_id == invocation.context.span_id
    assert put.attributes["spot.invocation_id"] == "req-w"
    assert put.attributes["cloud.resource_id"] == FUNCTION_ARN
    # The item's value never reaches a span.
    for span in exporter.get_finished_spans():
        assert "secret-item-value" not in json.dumps(dict(span.attributes), default=str)


def test_sdk_calls_from_threads_the_handler_starts_join_its_invocation(traced_handler, aws):
    call, exporter = traced_handler
    queue_url = aws.create_queue("work")

    call("threads_write", {"queue_url": queue_url}, LambdaContext(aws_request_id="req-t"))

    (invocation,) = invocation_spans(exporter)
    sends = [s for s in exporter.get_finished_spans() if s.name == "SQS.SendMessage"]
    assert len(sends) == 3
    for send in sends:
        assert send.context.trace_id == invocation.context.trace_id
        assert send.parent.span_id == invocation.context.span_id
        assert send.attributes["spot.invocation_id"] == "req-t"


def test_event_is_captured_only_when_the_user_opts_in(traced_handler, monkeypatch):
    call, exporter = traced_handler
    monkeypatch.setenv("OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS", "true")

    call("constant", {"order": "secret-order-body"})

    (span,) = invocation_spans(exporter)
    assert "secret-order-body" in span.attributes["spot.event"]
