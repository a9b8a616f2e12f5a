"""The OTel distro and configurator that ``opentelemetry-instrument`` loads.

Without a distro and a configurator, ``opentelemetry-instrument`` silently
falls back to a no-op tracer and records nothing.  spot-otel brings both:

* :class:`SpotDistro` sets defaults a Lambda function wants: the ``spotfns``
  exporter and the function's name as the service name, unless the user set
  them.
* :class:`SpotConfigurator` runs the SDK's standard configuration (every
  ``OTEL_*`` variable keeps its meaning) with one change: the ``spotfns``
  exporter is driven by :class:`spot_otel_exporter.SpotFnsSpanProcessor`
  instead of the SDK's batch processor, because the batch processor only sees
  spans when they end and spotFns needs a record when an invocation *begins*.
  Any other exporter (``console``, ``otlp``) keeps the batch processor.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry.instrumentation.distro import BaseDistro
from opentelemetry.sdk._configuration import _OTelSDKConfigurator
from opentelemetry.environment_variables import OTEL_TRACES_EXPORTER
from opentelemetry.sdk.environment_variables import OTEL_SERVICE_NAME

from spot_otel.resource import lambda_resource_attributes


class SpotDistro(BaseDistro):  # type: ignore[misc]
    """Defaults for Lambda; every one of them yields to the user's setting."""

    def _configure(self, **kwargs: Any) -> None:
        os.environ.setdefault(OTEL_TRACES_EXPORTER, "spotfns")
        function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        if function_name:
            os.environ.setdefault(OTEL_SERVICE_NAME, function_name)


class SpotConfigurator(_OTelSDKConfigurator):  # type: ignore[misc]
    """The SDK's configurator, with spotFns' processor and Lambda's resource."""

    def _configure(self, **kwargs: Any) -> None:
        from spot_otel_exporter import processor_for

        kwargs.setdefault("export_span_processor", processor_for)
        resource_attributes = lambda_resource_attributes()
        resource_attributes.update(kwargs.get("resource_attributes") or {})
        kwargs["resource_attributes"] = resource_attributes
        super()._configure(**kwargs)
