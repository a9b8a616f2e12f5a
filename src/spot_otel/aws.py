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
    # Read from the instance's own attributes: a missing attribute on a
    # botocore client goes through its __getattr__, which emits an event, on
    # every API call.
    own = getattr(client, "__dict__", None)
    if own is not None:
        return own.get(_UNTRACED, False) is True
    return getattr(client, _UNTRACED, False) is True


def untraced_client(service_name: str, region_name: str | None = None, **kwargs: Any) -> Any:
    """A new boto3 client, flagged untraced.  Endpoints follow boto3's own
    ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` variables.

    The client has a session of its own, but reads service models and
    endpoint data through the loader of boto3's default session when the
    function has made one: that data is read-only, and parsing it again
    costs tens of milliseconds of a cold start.
    """
    import boto3  # deferred: boto3's import costs cold-start time

    session = boto3.session.Session(botocore_session=_botocore_session(boto3))
    client = session.client(service_name, region_name=region_name, **kwargs)
    return mark_untraced(client)


def _botocore_session(boto3: Any) -> Any:
    import botocore.session

    session = botocore.session.get_session()
    default = getattr(boto3, "DEFAULT_SESSION", None)
    shared = getattr(default, "_session", None)
    if shared is not None:
        session.register_component("data_loader", shared.get_component("data_loader"))
    return session
