"""AWS Lambda: Invoke and InvokeWithResponseStream as CLIENT spans.

An invoke is joined to the invocation it starts by the request id: the
callee's ``aws_request_id`` is the ``x-amzn-RequestId`` of the Invoke
response, for sync (``RequestResponse``) and async (``Event``) invokes
alike.  A ``DryRun`` starts nothing and gets no link.

Trace context travels two ways:

* in ``ClientContext.custom``, for sync invokes only (Lambda hands the client
  context to sync callees alone), while the base64 text stays within
  :data:`spot_otel.inband.CLIENT_CONTEXT_LIMIT`;
* in the payload, under :data:`spot_otel.inband.PAYLOAD_KEY`, when the
  payload is a JSON object.  ``OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION=false``
  turns this off.

Anything else is left exactly as the caller built it: a ClientContext that
is not base64 JSON, payloads that are arrays, strings, numbers, not UTF-8 or
file-like, and payloads that already hold the key.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from opentelemetry.semconv._incubating.attributes import faas_attributes as faas

from spot_otel import inband
from spot_otel.environment_variables import (
    OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION,
    env_bool,
)
from spot_otel.extensions._fields import request_id, text
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link, invoke_key

_logger = logging.getLogger(__name__)

_INVOKES = ("Invoke", "InvokeWithResponseStream")
_PROVIDER = faas.FaasInvokedProviderValues.AWS.value

_SYNC = "RequestResponse"
_ASYNC = "Event"
_DRY_RUN = "DryRun"

# Request payload limits; a payload our key would push past one is left
# alone.  Async invokes use the long-standing 256 KiB: where AWS now allows
# more, a payload within a few bytes of 256 KiB merely goes without the key.
_MAX_PAYLOAD_BYTES = {_SYNC: 6 * 1024 * 1024, _ASYNC: 256 * 1024}

_JSON_SPACE = " \t\r\n"


class LambdaExtension(ServiceExtension):
    """Invoke and InvokeWithResponseStream link to their callee."""

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        if call.operation not in _INVOKES:
            return {}

        function = _parse_function(text(call.params, "FunctionName"))
        attributes: dict[str, AttributeValue] = {
            faas.FAAS_INVOKED_PROVIDER: _PROVIDER,
        }
        if function.name:
            attributes[faas.FAAS_INVOKED_NAME] = function.name
        region = function.region or call.region
        if region:
            attributes[faas.FAAS_INVOKED_REGION] = region
        return attributes

    def target(self, call: SdkCall) -> str | None:
        return _parse_function(text(call.params, "FunctionName")).name

    def inject(
        self, call: SdkCall, carrier: Mapping[str, str]
    ) -> dict[str, Any] | None:
        invocation_type = _invocation_type(call.params)
        if call.operation not in _INVOKES or invocation_type == _DRY_RUN:
            return None

        changes: dict[str, Any] = {}
        if invocation_type == _SYNC:
            client_context = _with_client_context(
                call.params.get("ClientContext"), carrier
            )
            if client_context is not None:
                changes["ClientContext"] = client_context

        if env_bool(OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION, True):
            payload = _with_payload_key(call.params.get("Payload"), carrier)
            limit = _MAX_PAYLOAD_BYTES.get(invocation_type, 0)
            if payload is not None and len(payload) <= limit:
                changes["Payload"] = payload

        if not changes:
            return None
        return {**call.params, **changes}

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        if call.operation not in _INVOKES:
            return []
        if _invocation_type(call.params) == _DRY_RUN:
            return []

        callee_request_id = request_id(response)
        if callee_request_id is None:
            _logger.debug("%s response carries no request id", call.operation)
            return []
        return [Link(invoke_key(callee_request_id))]


class _Function(NamedTuple):
    name: str | None
    region: str | None


def _parse_function(function_name: str | None) -> _Function:
    """A function's name and region, from any form Lambda accepts: ``name``,
    ``name:qualifier``, ``account:function:name[:qualifier]`` or
    ``arn:aws:lambda:region:account:function:name[:qualifier]``."""
    if function_name is None:
        return _Function(None, None)

    parts = function_name.split(":")
    if parts[0] == "arn" and len(parts) >= 7:
        return _Function(parts[6], parts[3] or None)
    if len(parts) >= 3 and parts[1] == "function":
        return _Function(parts[2], None)
    return _Function(parts[0], None)


def _invocation_type(params: Mapping[str, Any]) -> str:
    return text(params, "InvocationType") or _SYNC


def _with_client_context(existing: Any, carrier: Mapping[str, str]) -> str | None:
    """``existing`` (base64 JSON, or None) with the carrier merged into its
    ``custom`` map and everything else kept; None to leave it as it is.
    Keys the caller already put in ``custom`` are never replaced."""
    context = {} if existing is None else _decode_client_context(existing)
    if not isinstance(context, dict):
        _logger.debug("ClientContext is not base64 JSON of an object; left alone")
        return None

    custom = context.get("custom")
    if custom is None:
        custom = {}
    if not isinstance(custom, dict):
        _logger.debug("ClientContext custom is not a map; left alone")
        return None

    added = {name: value for name, value in carrier.items() if name not in custom}
    if not added:
        return None

    merged = {**context, "custom": {**custom, **added}}
    encoded = base64.b64encode(
        json.dumps(merged, separators=(",", ":")).encode("utf-8")
    ).decode("ascii")
    if len(encoded) > inband.CLIENT_CONTEXT_LIMIT:
        _logger.debug(
            "ClientContext would pass %s bytes; left alone", inband.CLIENT_CONTEXT_LIMIT
        )
        return None
    return encoded


def _decode_client_context(encoded: Any) -> Any:
    """The JSON value inside a base64 ClientContext, or None."""
    if not isinstance(encoded, str):
        return None
    try:
        return json.loads(base64.b64decode(encoded, validate=True))
    except (ValueError, binascii.Error, RecursionError):
        return None


def _with_payload_key(payload: Any, carrier: Mapping[str, str]) -> bytes | None:
    """A JSON-object payload with the carrier added under PAYLOAD_KEY; None
    for any other payload.

    The key is spliced in after the object's opening brace, so every byte the
    caller wrote stays as it was: no re-encoding of numbers, strings or
    spacing, which a parse-and-dump round trip would alter.
    """
    if isinstance(payload, str):
        document_text = payload
    elif isinstance(payload, (bytes, bytearray)):
        try:
            document_text = bytes(payload).decode("utf-8")
        except UnicodeDecodeError:
            return None
    else:
        # None, or a file-like object: reading it would consume the caller's
        # stream, so it is never looked at.
        return None

    if not document_text.lstrip(_JSON_SPACE).startswith("{"):
        return None
    try:
        document = json.loads(document_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(document, dict) or inband.PAYLOAD_KEY in document:
        return None

    # Only whitespace may precede an object's brace, so the first brace is it.
    brace = document_text.index("{") + 1
    member = (
        json.dumps(inband.PAYLOAD_KEY)
        + ":"
        + json.dumps(dict(carrier), separators=(",", ":"))
    )
    if document:
        member += ","
    spliced = document_text[:brace] + member + document_text[brace:]
    try:
        return spliced.encode("utf-8")
    except UnicodeEncodeError:
        # A str payload holding a lone surrogate: botocore cannot send it
        # either, so let the call fail on the caller's own bytes.
        return None
