"""The Lambda extension: Invoke links to its callee and carries context in-band.

moto's Lambda backend needs Docker to run an invoke, so these tests send
real boto3 calls to a loopback stand-in for the Invoke API
(:mod:`tests.extensions.lambda_api`) that answers like Lambda does; botocore
parses its responses exactly as it parses Lambda's.
"""

from __future__ import annotations

import base64
import copy
import io
import json
from typing import Any, Iterator

import pytest
from opentelemetry.trace import SpanKind

from spot_otel import inband
from spot_otel.environment_variables import OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION
from spot_otel.extensions import extension_for
from spot_otel.extensions.types import SdkCall
from spot_otel.links import invoke_key

from tests.extensions.helpers import (
    CARRIER,
    aws_client,
    call_and_link,
    keys,
    sdk_call,
    send,
)
from tests.extensions.lambda_api import LambdaApi

EXTENSION = extension_for("lambda")


@pytest.fixture(scope="module")
def api() -> Iterator[LambdaApi]:
    with LambdaApi() as running:
        yield running


@pytest.fixture
def client(api: LambdaApi) -> Any:
    return aws_client("lambda", api.endpoint)


def invoke(params: dict[str, Any], operation: str = "Invoke") -> SdkCall:
    return SdkCall("lambda", operation, params, region="us-east-1")


def decoded_client_context(encoded: str) -> Any:
    return json.loads(base64.b64decode(encoded))


# -- out-links ----------------------------------------------------------------


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
def test_invoke_links_to_the_request_id_the_callee_runs_under(
    client: Any, api: LambdaApi, invocation_type: str
) -> None:
    params = {
        "FunctionName": "orders",
        "InvocationType": invocation_type,
        "Payload": b"{}",
    }

    _, links = call_and_link(client, "Invoke", params)

    callee_request_id = api.received[-1].request_id
    assert keys(links) == [invoke_key(callee_request_id)]


def test_invoke_without_invocation_type_is_sync_and_links(
    client: Any, api: LambdaApi
) -> None:
    _, links = call_and_link(client, "Invoke", {"FunctionName": "orders"})

    assert api.received[-1].invocation_type == "RequestResponse"
    assert keys(links) == [invoke_key(api.received[-1].request_id)]


def test_response_stream_invoke_links_too(client: Any, api: LambdaApi) -> None:
    _, links = call_and_link(
        client, "InvokeWithResponseStream", {"FunctionName": "orders"}
    )

    assert keys(links) == [invoke_key(api.received[-1].request_id)]


def test_dry_run_starts_nothing_so_links_nothing(client: Any) -> None:
    params = {"FunctionName": "orders", "InvocationType": "DryRun"}

    response, links = call_and_link(client, "Invoke", params)

    assert response["StatusCode"] == 204
    assert links == []
    assert EXTENSION.inject(invoke(params), CARRIER) is None


def test_request_id_falls_back_to_the_response_header() -> None:
    # Built by hand the way botocore parses an Invoke response, minus the
    # RequestId copy botocore normally makes from the header.
    response = {
        "StatusCode": 202,
        "ResponseMetadata": {
            "HTTPStatusCode": 202,
            "HTTPHeaders": {"x-amzn-requestid": "5d1ef3a4-6a4d-4b0e-9f3c-1b2f3e4d5a6b"},
        },
    }
    call = invoke({"FunctionName": "orders", "InvocationType": "Event"})

    links = EXTENSION.out_links(call, response, lambda table: None)

    assert keys(links) == [invoke_key("5d1ef3a4-6a4d-4b0e-9f3c-1b2f3e4d5a6b")]


def test_response_without_any_request_id_links_nothing() -> None:
    response = {"StatusCode": 200, "ResponseMetadata": {"HTTPHeaders": {}}}

    assert (
        EXTENSION.out_links(invoke({"FunctionName": "f"}), response, lambda t: None)
        == []
    )


def test_other_lambda_calls_link_nothing() -> None:
    call = invoke({"FunctionName": "orders"}, operation="GetFunction")
    response = {"ResponseMetadata": {"RequestId": "abc"}}

    assert EXTENSION.out_links(call, response, lambda table: None) == []
    assert EXTENSION.inject(call, CARRIER) is None


# -- attributes and target ----------------------------------------------------


@pytest.mark.parametrize(
    "function_name, name, region",
    [
        ("orders", "orders", "us-east-1"),
        ("orders:live", "orders", "us-east-1"),
        ("123456789012:function:orders", "orders", "us-east-1"),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:orders",
            "orders",
            "eu-west-1",
        ),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:orders:7",
            "orders",
            "eu-west-1",
        ),
    ],
)
def test_invoked_function_named_from_every_form_lambda_accepts(
    function_name: str, name: str, region: str
) -> None:
    call = invoke({"FunctionName": function_name})

    assert EXTENSION.span_kind(call) is SpanKind.CLIENT
    assert EXTENSION.request_attributes(call) == {
        "faas.invoked_name": name,
        "faas.invoked_provider": "aws",
        "faas.invoked_region": region,
    }
    assert EXTENSION.target(call) == name


# -- ClientContext -------------------------------------------------------------


def test_sync_invoke_carries_context_in_client_context_on_the_wire(
    client: Any, api: LambdaApi
) -> None:
    params = {"FunctionName": "orders", "Payload": b'{"order": 17}'}

    injected = EXTENSION.inject(invoke(params), CARRIER)
    send(client, "Invoke", injected)

    sent = api.received[-1]
    assert decoded_client_context(sent.client_context) == {"custom": CARRIER}
    assert json.loads(sent.payload) == {"_spot_otel": CARRIER, "order": 17}


def test_existing_client_context_keeps_everything_and_gains_the_carrier() -> None:
    existing = {
        "client": {"installation_id": "abc", "app_title": "shop"},
        "custom": {"tenant": "t-1", "traceparent": "00-user-chosen"},
        "env": {"locale": "en_GB"},
    }
    encoded = base64.b64encode(json.dumps(existing).encode()).decode()
    params = {"FunctionName": "orders", "ClientContext": encoded}

    injected = EXTENSION.inject(invoke(params), CARRIER)

    merged = decoded_client_context(injected["ClientContext"])
    assert merged["client"] == existing["client"]
    assert merged["env"] == existing["env"]
    assert merged["custom"] == {
        "tenant": "t-1",
        "traceparent": "00-user-chosen",  # the caller's own value stays
        "tracestate": CARRIER["tracestate"],
        "spot.caller": CARRIER["spot.caller"],
    }


@pytest.mark.parametrize(
    "client_context",
    [
        "not base64 at all!",
        base64.b64encode(b"not json").decode(),
        base64.b64encode(b'["an", "array"]').decode(),
        base64.b64encode(b'{"custom": "not a map"}').decode(),
        base64.b64encode(b"\xff\xfe\xfa").decode(),
    ],
)
def test_client_context_that_is_not_base64_json_object_is_left_alone(
    client_context: str,
) -> None:
    params = {
        "FunctionName": "orders",
        "ClientContext": client_context,
        "Payload": b"[]",
    }

    assert EXTENSION.inject(invoke(params), CARRIER) is None


def _client_context_with_filler(size: int) -> str:
    context = {"custom": {"filler": "x" * size}}
    return base64.b64encode(json.dumps(context).encode()).decode()


def test_client_context_grows_up_to_the_limit_and_never_past_it() -> None:
    outcomes = []
    for size in range(2400, 2700):
        params = {
            "FunctionName": "f",
            "ClientContext": _client_context_with_filler(size),
        }
        injected = EXTENSION.inject(invoke(params), CARRIER)
        outcomes.append((size, injected["ClientContext"] if injected else None))

    fitted = [encoded for _, encoded in outcomes if encoded is not None]
    refused = [size for size, encoded in outcomes if encoded is None]
    assert fitted and refused, "the range must straddle the limit"
    assert max(len(encoded) for encoded in fitted) <= inband.CLIENT_CONTEXT_LIMIT
    # base64 grows in steps of 4: the largest that fitted is within a step.
    assert max(len(encoded) for encoded in fitted) > inband.CLIENT_CONTEXT_LIMIT - 4
    first_refused = min(refused)
    assert all(size >= first_refused for size in refused)
    assert all(size < first_refused for size, encoded in outcomes if encoded)


def test_async_invoke_gets_no_client_context() -> None:
    params = {"FunctionName": "orders", "InvocationType": "Event", "Payload": b"{}"}

    injected = EXTENSION.inject(invoke(params), CARRIER)

    assert "ClientContext" not in injected
    assert json.loads(injected["Payload"]) == {"_spot_otel": CARRIER}


# -- payload -------------------------------------------------------------------


def test_object_payload_gains_the_key_and_keeps_every_other_byte(
    client: Any, api: LambdaApi
) -> None:
    # A number JSON cannot round-trip through float, and odd spacing: both
    # must reach the callee as the caller wrote them.
    original = (
        b'  {"amount": 0.10000000000000000555, "note": "caf\\u00e9",  "n": 1e400}'
    )
    params = {"FunctionName": "orders", "InvocationType": "Event", "Payload": original}

    injected = EXTENSION.inject(invoke(params), CARRIER)
    send(client, "Invoke", injected)

    received = api.received[-1].payload
    assert received == injected["Payload"]
    assert b'"amount": 0.10000000000000000555' in received
    assert b'"note": "caf\\u00e9",  "n": 1e400}' in received
    document = json.loads(received)
    assert document["_spot_otel"] == CARRIER
    assert set(document) == {"_spot_otel", "amount", "note", "n"}


@pytest.mark.parametrize("payload", ["{}", bytearray(b"{}"), b"{}", b" \n{}\n"])
def test_empty_object_in_any_accepted_type_gains_the_key(payload: Any) -> None:
    params = {"FunctionName": "f", "InvocationType": "Event", "Payload": payload}

    injected = EXTENSION.inject(invoke(params), CARRIER)

    assert isinstance(injected["Payload"], bytes)
    assert json.loads(injected["Payload"]) == {"_spot_otel": CARRIER}


NOT_OBJECTS = [
    pytest.param(b'[{"a": 1}]', id="array"),
    pytest.param(b'"text"', id="json string"),
    pytest.param("42", id="number as str"),
    pytest.param(b"null", id="null"),
    pytest.param(b"", id="empty"),
    pytest.param(b"{not json", id="broken json"),
    pytest.param(b"\xff\xfe{}", id="not utf-8"),
    pytest.param(b'\xef\xbb\xbf{"a": 1}', id="utf-8 bom"),
    pytest.param(b'{"_spot_otel": {"mine": 1}, "a": 2}', id="key already there"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested too deep to parse"),
    pytest.param(None, id="no payload"),
]


@pytest.mark.parametrize("payload", NOT_OBJECTS)
def test_payload_that_is_not_a_json_object_stays_byte_for_byte(payload: Any) -> None:
    params = {"FunctionName": "f", "InvocationType": "Event", "Payload": payload}
    before = copy.deepcopy(params)

    assert EXTENSION.inject(invoke(params), CARRIER) is None
    assert params == before


def test_file_like_payload_is_never_read() -> None:
    stream = io.BytesIO(b'{"a": 1}')
    stream.seek(3)
    params = {"FunctionName": "f", "InvocationType": "Event", "Payload": stream}

    assert EXTENSION.inject(invoke(params), CARRIER) is None
    assert stream.tell() == 3


def test_payload_injection_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION, "false")
    params = {"FunctionName": "f", "Payload": b'{"a": 1}'}

    injected = EXTENSION.inject(invoke(params), CARRIER)

    assert injected["Payload"] is params["Payload"]
    assert decoded_client_context(injected["ClientContext"]) == {"custom": CARRIER}


def test_payload_the_key_would_push_past_the_async_limit_is_left_alone() -> None:
    filler = "x" * (256 * 1024 - 20)
    payload = json.dumps({"data": filler}).encode()
    async_params = {"FunctionName": "f", "InvocationType": "Event", "Payload": payload}
    sync_params = {"FunctionName": "f", "Payload": payload}

    assert EXTENSION.inject(invoke(async_params), CARRIER) is None
    assert "_spot_otel" in json.loads(
        EXTENSION.inject(invoke(sync_params), CARRIER)["Payload"]
    )


# -- the caller's objects ------------------------------------------------------


def test_inject_never_mutates_the_callers_params() -> None:
    context = base64.b64encode(json.dumps({"custom": {"k": "v"}}).encode()).decode()
    params = {
        "FunctionName": "orders",
        "ClientContext": context,
        "Payload": bytearray(b'{"a": [1, 2]}'),
        "Qualifier": "live",
    }
    before = copy.deepcopy(params)
    call = sdk_call(aws_client("lambda"), "Invoke", params)

    injected = EXTENSION.inject(call, CARRIER)

    assert params == before
    assert injected is not params
    assert injected["Qualifier"] == "live"
