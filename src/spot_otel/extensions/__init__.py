"""Service extensions: what each AWS service adds to an SDK call's span.

The botocore instrumentation asks :func:`extension_for` for the extension of
a client's service (botocore's ``client.meta.service_model.service_name``)
and calls its hooks (see :mod:`spot_otel.extensions.types`) around the call.

Each service has its own module, imported the first time a call of that
service is seen, so a function that only talks to S3 never pays for the
DynamoDB extension at cold start.  A service without a module, or one whose
module fails to import, gets the base :class:`ServiceExtension`: a plain
CLIENT span with no links.  ``extension_for`` never raises.
"""

from __future__ import annotations

import importlib
import logging

from spot_otel.extensions.types import ServiceExtension

_logger = logging.getLogger(__name__)

# service name -> (module, class); modules are imported on first use.
_LOADERS: dict[str, tuple[str, str]] = {
    "lambda": ("spot_otel.extensions.lmbd", "LambdaExtension"),
    "sns": ("spot_otel.extensions.sns", "SnsExtension"),
    "sqs": ("spot_otel.extensions.sqs", "SqsExtension"),
    "s3": ("spot_otel.extensions.s3", "S3Extension"),
    "dynamodb": ("spot_otel.extensions.dynamodb", "DynamoDbExtension"),
    "events": ("spot_otel.extensions.events", "EventsExtension"),
    "kinesis": ("spot_otel.extensions.kinesis", "KinesisExtension"),
}

_BASE = ServiceExtension()

# Filled lazily; a race between two threads only imports a module twice,
# which Python makes harmless, so no lock is needed.
_cache: dict[str, ServiceExtension] = {}


def extension_for(service: str) -> ServiceExtension:
    """The extension for ``service``; the no-op base for anything unknown."""
    extension = _cache.get(service)
    if extension is not None:
        return extension

    extension = _load(service)
    _cache[service] = extension
    return extension


def _load(service: str) -> ServiceExtension:
    loader = _LOADERS.get(service)
    if loader is None:
        return _BASE

    module_name, class_name = loader
    try:
        module = importlib.import_module(module_name)
        return getattr(module, class_name)()
    except Exception:  # noqa: BLE001 - a broken extension must not break the call
        _logger.warning(
            "extension for %s failed to load; its calls get plain spans",
            service,
            exc_info=True,
        )
        return _BASE
