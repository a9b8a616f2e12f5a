"""Helpers for the extension and hop tests: real boto3 calls against moto,
seen the way the instrumentation hands them to an extension."""

from __future__ import annotations

import copy
import functools
from typing import Any, Mapping, Sequence

import boto3
from botocore import xform_name

from spot_otel.extensions import extension_for
from spot_otel.extensions.types import SdkCall
from spot_otel.links import Link

CARRIER = {
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "tracestate": "vendor=1",
    "spot.caller": "8476a536-e9f4-11e8-9739-2dfe598c3fcd",
}
"""A carrier as the instrumentation builds it: W3C context plus the caller."""


@functools.lru_cache(maxsize=None)
def aws_client(service: str, endpoint_url: str | None = None) -> Any:
    """A boto3 client shared across tests, for speed: making one costs
    100-300 ms.  moto intercepts every client once ``mock_aws`` runs and
    resets its state per test, so sharing leaks nothing between tests.
    Credentials are fake and given here because the client outlives the
    per-test environment."""
    return boto3.session.Session().client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def sdk_call(client: Any, operation: str, params: Mapping[str, Any]) -> SdkCall:
    """The extension's view of ``operation`` with ``params`` on ``client``."""
    return SdkCall(
        service=client.meta.service_model.service_name,
        operation=operation,
        params=params,
        region=client.meta.region_name,
    )


def send(client: Any, operation: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Make the call with real boto3 (params deep-copied, so botocore cannot
    touch the test's own copy) and return botocore's parsed response."""
    method = getattr(client, xform_name(operation))
    return method(**copy.deepcopy(dict(params)))


def call_and_link(
    client: Any,
    operation: str,
    params: Mapping[str, Any],
    key_schema: Any = lambda table: None,
) -> tuple[dict[str, Any], list[Link]]:
    """Make a real call, then compute its out-links with the extension of the
    client's service; returns the response and the links."""
    response = send(client, operation, params)
    call = sdk_call(client, operation, params)
    links = extension_for(call.service).out_links(call, response, key_schema)
    return response, links


def keys(links: Sequence[Link]) -> list[str]:
    return [link.key for link in links]


def describe_key_schema(client: Any) -> Any:
    """A ``key_schema`` lookup backed by a real DescribeTable, hash key first,
    as the instrumentation's cache answers it."""

    def lookup(table: str) -> tuple[str, ...] | None:
        elements = client.describe_table(TableName=table)["Table"]["KeySchema"]
        ordered = sorted(elements, key=lambda element: element["KeyType"] != "HASH")
        return tuple(element["AttributeName"] for element in ordered)

    return lookup
