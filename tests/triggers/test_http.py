"""HTTP triggers: API Gateway REST and HTTP APIs, Function URLs and ALBs."""

from __future__ import annotations

from spot_otel.links import Link, http_key, invoke_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="5a1b7c2d-0000-4000-8000-00000000aaaa")
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACESTATE = "congo=t61rcWkgMzE"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_rest_api_request() -> None:
    event = load_event("apiGatewayProxyEvent")

    trigger = read_trigger(event, INFO)

    assert trigger.kind is TriggerKind.HTTP
    assert trigger.in_links == [
        Link(http_key("id=")),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == "id="
    assert trigger.event_source == "aws:apigateway"
    assert trigger.event_op == "GET /my/path"
    assert trigger.message == "/my/path"
    assert trigger.source_ip == "192.168.0.1/32"
    assert trigger.attributes == {
        "http.request.method": "GET",
        "url.path": "/my/path",
        "http.route": "/my/path",
        "client.address": "192.168.0.1/32",
    }
    assert trigger.carriers == []
    assert not trigger.is_batch


def test_rest_api_traceparent_header_in_any_case() -> None:
    event = load_event("apiGatewayProxyEvent")
    event["headers"].update(
        {"TraceParent": TRACEPARENT, "TRACESTATE": TRACESTATE, "X-Amzn-Trace-Id": XRAY}
    )

    trigger = read_trigger(event, INFO)

    assert trigger.carriers == [
        {"traceparent": TRACEPARENT, "tracestate": TRACESTATE},
        {"X-Amzn-Trace-Id": XRAY},
    ]


def test_rest_api_traceparent_only_in_multi_value_headers() -> None:
    event = load_event("apiGatewayProxyEvent")
    event["multiValueHeaders"]["traceparent"] = [TRACEPARENT]

    trigger = read_trigger(event, INFO)

    assert trigger.carriers == [{"traceparent": TRACEPARENT}]


def test_rest_api_without_headers() -> None:
    # API Gateway sends nulls, not empty maps, when a request has no headers.
    event = load_event("apiGatewayProxyEvent")
    event["headers"] = None
    event["multiValueHeaders"] = None

    trigger = read_trigger(event, INFO)

    assert trigger.name == "apigateway"
    assert trigger.carriers == []
    assert trigger.in_links[0] == Link(http_key("id="))


def test_http_api_request() -> None:
    event = load_event("apiGatewayProxyV2Event")
    event["headers"]["traceparent"] = TRACEPARENT

    trigger = read_trigger(event, INFO)

    assert (trigger.name, trigger.kind) == ("apigateway-v2", TriggerKind.HTTP)
    assert trigger.in_links[0] == Link(http_key("id"))
    assert trigger.event_op == "POST /my/path"
    assert trigger.source_ip == "192.168.0.1/32"
    assert trigger.carriers == [{"traceparent": TRACEPARENT}]
    # "$default" is no route.
    assert "http.route" not in trigger.attributes


def test_http_api_route_from_route_key() -> None:
    event = load_event("apiGatewayProxyV2Event")
    event["routeKey"] = "POST /my/{proxy+}"

    trigger = read_trigger(event, INFO)

    assert trigger.attributes["http.route"] == "/my/{proxy+}"


def test_function_url_request() -> None:
    event = load_event("lambdaFunctionUrlEvent")

    trigger = read_trigger(event, INFO)

    assert (trigger.name, trigger.kind) == ("function-url", TriggerKind.HTTP)
    assert trigger.event_source == "aws:lambda-url"
    assert trigger.in_links[0] == Link(http_key("id"))
    assert trigger.event_op == "GET /"
    assert trigger.source_ip == "123.123.123.123"
    assert trigger.carriers == [
        {"X-Amzn-Trace-Id": "Root=1-62ecd163-5f302e550dcde3b12402207d"}
    ]


def test_alb_request_is_keyed_by_its_trace_header() -> None:
    event = load_event("albEvent")
    event["headers"]["x-forwarded-for"] = "203.0.113.7, 10.0.0.12"

    trigger = read_trigger(event, INFO)

    header = "Root=1-5c536348-3d683b8b04734faae651f476"
    assert (trigger.name, trigger.kind) == ("alb", TriggerKind.HTTP)
    assert trigger.in_links == [
        Link(http_key(header)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == header
    assert trigger.event_source == "aws:elb"
    assert trigger.event_op == "GET /lambda"
    assert trigger.source_ip == "203.0.113.7"
    assert trigger.attributes["client.address"] == "203.0.113.7"


def test_alb_with_multi_value_headers() -> None:
    event = load_event("albEvent")
    headers = event.pop("headers")
    event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    event["multiValueHeaders"]["traceparent"] = [TRACEPARENT]

    trigger = read_trigger(event, INFO)

    assert trigger.carriers[0] == {"traceparent": TRACEPARENT}
    assert trigger.source_ip == "72.12.164.125"


def test_alb_without_trace_header_has_only_the_invoke_link() -> None:
    event = load_event("albEvent")
    del event["headers"]["x-amzn-trace-id"]

    trigger = read_trigger(event, INFO)

    assert trigger.in_links == [Link(invoke_key(INFO.request_id))]
    assert trigger.caller == "unknown"


def test_no_body_query_or_other_header_is_kept() -> None:
    for name in ("apiGatewayProxyEvent", "apiGatewayProxyV2Event", "albEvent"):
        trigger = read_trigger(load_event(name), INFO)

        text = repr(trigger)
        for secret in (
            "Hello from Lambda!",
            "hello world",
            "1234ABCD",
            "Mozilla",
            "value1",
        ):
            assert secret not in text
