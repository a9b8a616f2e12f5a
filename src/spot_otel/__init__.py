"""spot-otel: trace AWS Lambda applications in causal order.

Every invocation, every outbound AWS SDK call and every hop between functions
becomes an OpenTelemetry span; the ``spotfns`` exporter persists them into a
DynamoDB table (``spotFns``) in the record format of SpotWrap and GammaRay,
and ``spot-otel graph`` draws one request across every function it touched.

The public surface is small:

* :class:`spot_otel.instrumentation.SpotInstrumentor`, the OTel instrumentor;
* :mod:`spot_otel_exporter`, the span processor and exporter for spotFns;
* the ``spot-otel`` command line.

Everything else is private to the package.
"""

from spot_otel._logging import configure_package_logger
from spot_otel.version import __version__

configure_package_logger()

__all__ = ["__version__"]
