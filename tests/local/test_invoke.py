"""The Invoke API: boto3's real invoke from inside a worker, sync and async,
and the Lambda API's answers to what it refuses."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from spot_otel.local import InvokeError, LocalApp
from tests.local.conftest import function, request_ids_started, wait_for

SPEC = {
    "app": {"name": "chain", "async_retry_delays": [0.05, 0.05]},
    "functions": {
        "caller": function("chain.caller", timeout=10),
        "callee": function("chain.callee"),
        "flaky": function("chain.flaky"),
        "missing": function("chain.missing"),
    },
}


@pytest.fixture(scope="module")
def app(app_for) -> LocalApp:
    return app_for(SPEC)


def test_sync_invoke_from_a_worker_reaches_the_callee(app: LocalApp) -> None:
    result = app.invoke("caller", {"order": "o-1"})

    assert result.ok, result.payload
    value = result.json()
    assert value["sync_status"] == 200
    # The header the caller got is the request id the callee ran under.
    assert value["sync_payload"]["request_id"] == value["sync_request_id"]
    assert value["sync_payload"]["custom"] == {"order": "o-1"}


def test_async_invoke_from_a_worker_keeps_its_request_id(app: LocalApp) -> None:
    result = app.invoke("caller", {"order": "o-2"})
    async_id = result.json()["async_request_id"]
    assert result.json()["async_status"] == 202

    app.wait_idle(timeout=20)

    assert async_id in request_ids_started(app, "callee")
    assert f"callee async request {async_id}" in app.logs.lines("callee")


def test_an_unknown_function_is_resource_not_found_in_boto3(app: LocalApp) -> None:
    assert app.invoke("missing", {}).json() == {"error": "ResourceNotFoundException"}

    with pytest.raises(ClientError) as raised:
        app.lambda_client().invoke(FunctionName="nope")

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_function_names_arns_and_latest_are_accepted(app: LocalApp) -> None:
    client = app.lambda_client()
    arn = "arn:aws:lambda:us-east-1:123456789012:function:callee"

    for name in ("callee", "callee:$LATEST", arn, f"{arn}:$LATEST"):
        response = client.invoke(FunctionName=name, Payload=b"{}")
        headers = response["ResponseMetadata"]["HTTPHeaders"]
        assert response["StatusCode"] == 200
        assert response["ExecutedVersion"] == "$LATEST"
        assert (
            json.loads(response["Payload"].read())["request_id"]
            == headers["x-amzn-requestid"]
        )

    with pytest.raises(ClientError):
        client.invoke(FunctionName="callee:7")


def test_dry_run_and_event_answer_without_a_payload(app: LocalApp) -> None:
    client = app.lambda_client()

    assert (
        client.invoke(FunctionName="callee", InvocationType="DryRun")["StatusCode"]
        == 204
    )
    event = client.invoke(FunctionName="callee", InvocationType="Event", Payload=b"{}")
    assert event["StatusCode"] == 202
    assert event["Payload"].read() == b""
    app.wait_idle(timeout=20)
    assert event["ResponseMetadata"]["RequestId"] in request_ids_started(app, "callee")


def test_a_function_error_is_flagged_unhandled_for_boto3(app: LocalApp) -> None:
    response = app.lambda_client().invoke(FunctionName="flaky", Payload=b"{}")

    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read())["errorType"] == "RuntimeError"


def test_a_failed_async_invocation_is_retried_twice_with_its_request_id(
    app: LocalApp,
) -> None:
    result = app.invoke("flaky", {}, invocation_type="Event")

    assert result.status_code == 202
    app.wait_idle(timeout=20)
    assert request_ids_started(app, "flaky").count(result.request_id) == 3


def test_what_lambda_refuses_is_refused_before_anything_runs(app: LocalApp) -> None:
    with pytest.raises(InvokeError) as not_json:
        app.invoke("callee", payload=b"not json")
    assert not_json.value.code == "InvalidRequestContentException"

    bad_context = base64.b64encode(b"[1, 2]").decode()
    with pytest.raises(ClientError) as raised:
        app.lambda_client().invoke(FunctionName="callee", ClientContext=bad_context)
    assert raised.value.response["Error"]["Code"] == "InvalidRequestContentException"

    # The caller got its answer; nothing else is still running.
    wait_for(lambda: app.wait_idle(timeout=5) is None)
