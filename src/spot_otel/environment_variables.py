"""Every environment variable spot-otel reads, in one place.

Each constant is named exactly like the variable it names.  An explicit
argument in code wins over the variable, which wins over the default.  A
value that cannot be parsed is logged once at warning and the default used:
configuration mistakes never break a function.

Endpoints are not configured here: boto3's own ``AWS_ENDPOINT_URL`` and
``AWS_ENDPOINT_URL_<SERVICE>`` (for example ``AWS_ENDPOINT_URL_DYNAMODB``)
decide where the sink and every SDK call go.
"""

from __future__ import annotations

import logging
import os

_logger = logging.getLogger(__name__)

# -- Exporter (the spotFns sink) ----------------------------------------------

OTEL_EXPORTER_SPOTFNS_TABLE = "OTEL_EXPORTER_SPOTFNS_TABLE"
"""Name of the DynamoDB table records are written to. Default ``spotFns``."""

OTEL_EXPORTER_SPOTFNS_REGION = "OTEL_EXPORTER_SPOTFNS_REGION"
"""Region of the table. Default: ``AWS_REGION``, then ``us-east-1``."""

OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS = "OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS"
"""Most time one flush may spend writing and retrying, in ms. Default 2000."""

OTEL_EXPORTER_SPOTFNS_DEADLINE_MARGIN_MS = "OTEL_EXPORTER_SPOTFNS_DEADLINE_MARGIN_MS"
"""Flush this long before an invocation's deadline, in ms. Default 500."""

OTEL_EXPORTER_SPOTFNS_TTL_DAYS = "OTEL_EXPORTER_SPOTFNS_TTL_DAYS"
"""Days a record lives before DynamoDB's TTL removes it; 0 keeps it. Default 0."""

OTEL_EXPORTER_SPOTFNS_CREATE_TABLE = "OTEL_EXPORTER_SPOTFNS_CREATE_TABLE"
"""``true`` lets the sink create a missing table. Default ``false``."""

OTEL_EXPORTER_SPOTFNS_MAX_ATTRIBUTES = "OTEL_EXPORTER_SPOTFNS_MAX_ATTRIBUTES"
"""Most span attributes copied into a record's ``attrs`` map. Default 64."""

OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS = "OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS"
"""Most link keys indexed for one span (one item each in the link index); keys
past it are counted as dropped. Default 256, which covers the default batch
sizes of SQS, Kinesis and DynamoDB Streams triggers."""

# -- Instrumentation -----------------------------------------------------------

OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION = "OTEL_INSTRUMENTATION_SPOT_PAYLOAD_INJECTION"
"""``false`` stops trace context going into JSON-object Invoke payloads.
Default ``true``.  ClientContext injection on sync invokes is unaffected."""

OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS = "OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS"
"""``true`` records message bodies, object contents and item values on spans
and records (truncated).  Default ``false``: only ids and key digests."""

OTEL_INSTRUMENTATION_SPOT_TRACE_SDK = "OTEL_INSTRUMENTATION_SPOT_TRACE_SDK"
"""``false`` turns off SDK call spans (the handler is still traced).
Default ``true``."""

# -- Exec wrapper and logging --------------------------------------------------

SPOT_OTEL_USE_OPENTELEMETRY_INSTRUMENT = "SPOT_OTEL_USE_OPENTELEMETRY_INSTRUMENT"
"""``true`` makes the exec wrapper start the function under the full
``opentelemetry-instrument`` path (entry-point scan, every installed
instrumentor) instead of spot-otel's fast path.  Default ``false``."""

SPOT_OTEL_LOG_LEVEL = "SPOT_OTEL_LOG_LEVEL"
"""Send the package's own log to stderr at this level (``debug``, ``info``,
``warning``).  Unset: the package is silent but for warnings about lost data."""

# -- Local runtime ---------------------------------------------------------------

SPOT_OTEL_PYTHON = "SPOT_OTEL_PYTHON"
"""The Python interpreter a local-runtime worker runs ``awslambdaric`` with.
The local runtime sets it to its own interpreter for every worker it starts;
the bootstrap script and the exec wrapper read it.  Default ``python3``."""

# -- Layer build -----------------------------------------------------------------

SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
"""Seconds since the epoch stamped on every entry of a layer zip built by
``spot-otel layer build`` (the reproducible-builds convention; times before
1980 become 1980, the zip format's first day).  Default: 1980-01-01 00:00."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable; an unparsable value warns and gives ``default``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default

    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False

    _logger.warning("%s=%r is not a boolean; using %s", name, raw, default)
    return default


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Read an integer variable; an unparsable or too small value gives ``default``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default

    try:
        value = int(raw.strip())
    except ValueError:
        _logger.warning("%s=%r is not an integer; using %s", name, raw, default)
        return default

    if value < minimum:
        _logger.warning("%s=%r is below %s; using %s", name, raw, minimum, default)
        return default

    return value


def env_str(name: str, default: str) -> str:
    """Read a string variable; empty counts as unset."""
    raw = os.environ.get(name, "").strip()
    return raw or default
