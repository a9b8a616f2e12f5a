"""boto3 clients spot-otel makes for itself, which must never be traced.

The sink's writes and the DescribeTable lookups go through botocore like any
other call; the instrumentation skips every client marked here, and the
writers also run under OTel's suppress-instrumentation key.  Either alone
prevents recursion into our own table.
"""

from __future__ import annotations

from typing import Any

_UNTRACED = "_spot_otel_untraced"


def mark_untraced(client: Any) -> Any:
    """Flag a botocore client so spot-otel never makes spans of its calls."""
    setattr(client, _UNTRACED, True)
    return client


def is_untraced(client: Any) -> bool:
    return getattr(client, _UNTRACED, False) is True


def untraced_client(service_name: str, region_name: str | None = None, **kwargs: Any) -> Any:
    """A new boto3 client, flagged untraced.  Endpoints follow boto3's own
    ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables."""
    import boto3  # deferred: boto3's import costs cold-start time

    session = boto3.session.Session()
    client = session.client(service_name, region_name=region_name, **kwargs)
    return mark_untraced(client)
