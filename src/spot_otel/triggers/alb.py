"""Application Load Balancer events.

An ALB gives no request id.  The ``X-Amzn-Trace-Id`` header it adds to every
request is the closest thing: it keys the in-link (``http_key`` of the
header's value) and is SpotWrap's ``caller``.  The client's address is the
first hop of ``X-Forwarded-For``.
"""

from __future__ import annotations

from typing import Any, Mapping

from spot_otel.inband import XRAY_HEADER
from spot_otel.triggers._http import FORWARDED_FOR, first_hop, headers, read_request
from spot_otel.triggers.types import Trigger

NAME = "alb"
EVENT_SOURCE = "aws:elb"


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of one request through a load balancer."""
    wanted = headers(event)
    return read_request(
        wanted,
        name=NAME,
        event_source=EVENT_SOURCE,
        request_id=wanted.get(XRAY_HEADER.lower()),
        method=event.get("httpMethod"),
        path=event.get("path"),
        route=None,
        source_ip=first_hop(wanted.get(FORWARDED_FOR)),
    )
