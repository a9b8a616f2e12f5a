"""Trace-context carriers found in events, as the text maps a Trigger holds.

A W3C carrier is ``{"traceparent": ..., "tracestate": ...}`` (tracestate when
present); an X-Ray carrier is ``{"X-Amzn-Trace-Id": ...}``.  They stay
separate maps so the instrumentation can hand each to its own propagator.
Values are only checked to be sane strings here; the propagators judge them.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from spot_otel.inband import TRACEPARENT, TRACESTATE, XRAY_HEADER
from spot_otel.triggers._fields import ident

Lookup = Callable[[str], Any]
"""A carrier field's name -> its value where this event keeps it, or None."""


def w3c(lookup: Lookup) -> dict[str, str] | None:
    """The W3C carrier ``lookup`` can see, or None without a traceparent."""
    traceparent = ident(lookup(TRACEPARENT))
    if traceparent is None:
        return None

    carrier = {TRACEPARENT: traceparent}
    tracestate = ident(lookup(TRACESTATE))
    if tracestate is not None:
        carrier[TRACESTATE] = tracestate
    return carrier


def xray(header: Any) -> dict[str, str] | None:
    """An X-Ray carrier for an ``X-Amzn-Trace-Id`` value, or None."""
    value = ident(header)
    return {XRAY_HEADER: value} if value is not None else None


def present(*carriers: Mapping[str, str] | None) -> list[Mapping[str, str]]:
    """The carriers that were found, in order."""
    return [carrier for carrier in carriers if carrier]
