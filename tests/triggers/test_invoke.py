"""Direct invokes, and the caller's context in ClientContext or the payload."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from spot_otel import inband
from spot_otel.links import Link, invoke_key, sqs_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

REQUEST_ID = "1a2b3c4d-0000-4000-8000-0000000invok"
CALLER = "9f8e7d6c-0000-4000-8000-00000caller1"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
OTHER_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

CLIENT_CONTEXT = {
    inband.TRACEPARENT: TRACEPARENT,
    inband.TRACESTATE: "rojo=00f067aa0ba902b7",
    inband.CALLER: CALLER,
}


def _info(custom: Any = None) -> InvocationInfo:
    return InvocationInfo(request_id=REQUEST_ID, client_context_custom=custom)


def test_client_context_makes_a_direct_invoke() -> None:
    trigger = read_trigger({"order_id": "A-1001"}, _info(CLIENT_CONTEXT))

    assert (trigger.name, trigger.kind) == ("invoke", TriggerKind.OTHER)
    assert trigger.event_source == "aws:lambda"
    assert trigger.caller == CALLER
    assert trigger.carriers == [
        {inband.TRACEPARENT: TRACEPARENT, inband.TRACESTATE: "rojo=00f067aa0ba902b7"}
    ]
    assert trigger.in_links == [Link(invoke_key(REQUEST_ID))]


def test_payload_carrier_makes_a_direct_invoke_and_stays_in_the_payload() -> None:
    event = {
        "order_id": "A-1001",
        inband.PAYLOAD_KEY: {inband.TRACEPARENT: TRACEPARENT, inband.CALLER: CALLER},
    }
    before = copy.deepcopy(event)

    trigger = read_trigger(event, _info())

    assert (trigger.name, trigger.caller) == ("invoke", CALLER)
    assert trigger.carriers == [{inband.TRACEPARENT: TRACEPARENT}]
    assert event == before


def test_client_context_comes_before_the_payload() -> None:
    event = {
        inband.PAYLOAD_KEY: {inband.TRACEPARENT: OTHER_TRACEPARENT, inband.CALLER: "p"}
    }

    trigger = read_trigger(event, _info(CLIENT_CONTEXT))

    assert trigger.carriers[0][inband.TRACEPARENT] == TRACEPARENT
    assert trigger.caller == CALLER


def test_without_a_caller_id_the_caller_stays_unknown() -> None:
    trigger = read_trigger([1, 2, 3], _info({inband.TRACEPARENT: TRACEPARENT}))

    assert trigger.name == "invoke"
    assert trigger.caller == "unknown"


def test_any_shape_sent_by_invoke_gets_the_callers_context_first() -> None:
    event = load_event("sqsEvent")
    event["Records"][0]["messageAttributes"]["traceparent"] = {
        "stringValue": OTHER_TRACEPARENT,
        "dataType": "String",
    }

    trigger = read_trigger(event, _info(CLIENT_CONTEXT))

    assert trigger.name == "sqs"
    assert trigger.carriers == [
        {inband.TRACEPARENT: TRACEPARENT, inband.TRACESTATE: "rojo=00f067aa0ba902b7"},
        {inband.TRACEPARENT: OTHER_TRACEPARENT},
    ]
    # The event's own first id stays SpotWrap's caller.
    assert trigger.caller == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert trigger.in_links[0] == Link(sqs_key("059f36b4-87a3-44ab-83d2-661975830a7d"))
    assert trigger.in_links[-1] == Link(invoke_key(REQUEST_ID))


def test_api_gateway_shaped_payload_keeps_its_own_carrier_second() -> None:
    event = load_event("apiGatewayProxyEvent")
    event["headers"]["traceparent"] = OTHER_TRACEPARENT
    event[inband.PAYLOAD_KEY] = {inband.TRACEPARENT: TRACEPARENT}

    trigger = read_trigger(event, _info())

    assert trigger.name == "apigateway"
    assert [c[inband.TRACEPARENT] for c in trigger.carriers] == [
        TRACEPARENT,
        OTHER_TRACEPARENT,
    ]


@pytest.mark.parametrize(
    "custom",
    [
        {inband.TRACEPARENT: 12},
        {inband.TRACEPARENT: None, inband.CALLER: CALLER},
        {inband.TRACEPARENT: ""},
        {"Traceparent": TRACEPARENT},
        "traceparent",
        [TRACEPARENT],
    ],
    ids=repr,
)
def test_unusable_client_context_falls_back_to_the_payload(custom: Any) -> None:
    event = {inband.PAYLOAD_KEY: {inband.TRACEPARENT: OTHER_TRACEPARENT}}

    trigger = read_trigger(event, _info(custom))

    assert trigger.name == "invoke"
    assert trigger.carriers == [{inband.TRACEPARENT: OTHER_TRACEPARENT}]


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "traceparent",
        [TRACEPARENT],
        {inband.TRACEPARENT: 5},
        {inband.CALLER: CALLER},
    ],
    ids=repr,
)
def test_unusable_payload_carrier_is_no_invoke(payload: Any) -> None:
    trigger = read_trigger({inband.PAYLOAD_KEY: payload}, _info())

    assert (trigger.name, trigger.kind) == ("unknown", TriggerKind.OTHER)
    assert trigger.carriers == []
    assert trigger.in_links == [Link(invoke_key(REQUEST_ID))]
