"""The contract of a service extension: one AWS service's view of an SDK call.

The botocore instrumentation calls an extension's hooks around every API call
of its service.  Hooks are pure: request (and response) in, attributes, links
or new request parameters out.  They never perform I/O, never mutate the
caller's objects and import nothing from the package above
:mod:`spot_otel.links`; the one lookup an extension may need, a DynamoDB
table's key attribute names, is handed in as ``key_schema``.

Every hook runs inside the instrumentation's safe-call guard: an exception
raised here is logged once and the call goes on untraced by that hook.

Hooks, in the order they fire:

``span_kind``            CLIENT, or PRODUCER for calls that send a message.
``request_attributes``   attributes known before the call (``aws.*``,
                         ``messaging.*``, ``db.*``) and the SpotWrap target.
``inject``               a copy of the params carrying ``carrier`` (the trace
                         context), or ``None`` to leave the request alone.
``out_links``            link keys read from the request and the response.
``response_attributes``  attributes known only from the response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence, Union

from opentelemetry.trace import SpanKind

from spot_otel.links import Link

AttributeValue = Union[str, bool, int, float, tuple]
KeySchemaLookup = Callable[[str], Union[Sequence[str], None]]
"""Table name or ARN -> its key attribute names (hash first), or None if unknown."""


@dataclass(frozen=True)
class SdkCall:
    """One botocore API call, as the extensions see it.

    ``params`` are the API parameters exactly as the caller passed them to
    botocore.  Calls made through boto3's resource layer (``Table.put_item``)
    arrive with plain DynamoDB values (``{"pk": "a"}``): boto3 types them
    only inside the API call.
    """

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str | None = None


class ServiceExtension:
    """Base extension: a plain CLIENT span with no links; the fallback for
    every service without its own module."""

    def span_kind(self, call: SdkCall) -> SpanKind:
        return SpanKind.CLIENT

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        return {}

    def target(self, call: SdkCall) -> str | None:
        """What the call acts on, for SpotWrap's ``message`` column."""
        return None

    def inject(
        self, call: SdkCall, carrier: Mapping[str, str]
    ) -> dict[str, Any] | None:
        return None

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        return []

    def response_attributes(
        self, call: SdkCall, response: Mapping[str, Any]
    ) -> dict[str, AttributeValue]:
        return {}
